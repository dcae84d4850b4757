"""Fixtures of the orders tests: a small catalogue, a customer with an e-mail, a deal with lines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from heartline.accounts.models import User
from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.customers import services as customers
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.sales.models import Deal, DealLine, Pipeline, Stage
from tests.api.conftest import api_client, token_for  # noqa: F401 — fixtures used here too


@dataclass
class Shop:
    tea: Product  # 13 % VAT, 88.00 from 1, 80.00 from 10
    cup: Product  # 13 % VAT, 35.50
    book: Product  # 9 % VAT, 59.90
    price_list: PriceList
    vat13: Category
    vat9: Category


def make_shop() -> Shop:
    vat13 = Category.objects.create(name_en="Goods", name_zh="商品", tax_rate=Decimal("0.13"))
    vat9 = Category.objects.create(name_en="Books", name_zh="图书", tax_rate=Decimal("0.09"))
    tea = Product.objects.create(
        sku="TEA-001", name_en="Longjing green tea 250 g", name_zh="龙井绿茶 250克", category=vat13
    )
    cup = Product.objects.create(sku="CUP-002", name_en="Tea cup", name_zh="茶杯", category=vat13)
    book = Product.objects.create(
        sku="BOOK-003", name_en="The Classic of Tea", name_zh="茶经", category=vat9, unit="本"
    )
    plist = PriceList.objects.create(name="Standard", currency="CNY")
    for product, price, qty in ((tea, "88.00", 1), (tea, "80.00", 10), (cup, "35.50", 1)):
        PriceListItem.objects.create(
            price_list=plist, product=product, unit_price=Decimal(price), min_quantity=qty
        )
    PriceListItem.objects.create(price_list=plist, product=book, unit_price=Decimal("59.90"))
    return Shop(tea, cup, book, plist, vat13, vat9)


@pytest.fixture
def shop(db) -> Shop:  # type: ignore[no-untyped-def]
    return make_shop()


def make_customer() -> Customer:
    return customers.customer_create(
        actor=None,
        identities_in=[
            IdentityInput("email", "li.na@example.com"),
            IdentityInput("phone", "13912345678"),
        ],
        name_cjk="李娜",
        name_latin="Li Na",
        language="zh-hans",
    )


@pytest.fixture
def customer(db) -> Customer:  # type: ignore[no-untyped-def]
    return make_customer()


@pytest.fixture
def sales_rep(make_staff) -> User:  # type: ignore[no-untyped-def]
    return make_staff("sales", username="rep.wang", email="wang@heartline.example")


def make_deal(customer: Customer, shop: Shop, owner: User | None = None) -> Deal:
    pipeline = Pipeline.objects.create(name_en="B2B", name_zh="企业销售")
    stage = Stage.objects.create(pipeline=pipeline, name_en="Proposal", position=1)
    deal = Deal.objects.create(
        title="Tea for the Shanghai office",
        customer=customer,
        pipeline=pipeline,
        stage=stage,
        currency="CNY",
        owner=owner,
        expected_close=datetime.date.today() + datetime.timedelta(days=30),
    )
    DealLine.objects.create(
        deal=deal,
        product=shop.tea,
        description="",
        quantity=Decimal(12),
        unit_price=Decimal("80.00"),
        tax_rate=Decimal("0.13"),
        position=0,
    )
    DealLine.objects.create(
        deal=deal,
        product=shop.cup,
        description="Tea cup, white",
        quantity=Decimal(3),
        unit_price=Decimal(0),  # no price on the deal: the quote prices it from the list
        discount_percent=Decimal(10),
        tax_rate=Decimal("0.13"),
        position=1,
    )
    return deal


@pytest.fixture
def deal(customer, shop, sales_rep) -> Deal:  # type: ignore[no-untyped-def]
    return make_deal(customer, shop, sales_rep)
