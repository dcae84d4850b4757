"""Fixtures of the sales tests: a pipeline with rules, customers, a lost reason, a product."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.customers import services as customers
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.sales.models import LostReason, Pipeline, Stage
from heartline.sales.pipelines import StageInput, lost_reason_create, pipeline_create
from tests.api.conftest import api_client, token_for  # noqa: F401 — fixtures for the API tests

STAGES = (
    StageInput("Lead", "线索", "open", 10),
    StageInput("Qualified", "已确认", "open", 30, ["owner"]),
    StageInput("Proposal", "方案", "open", 60, ["amount", "expected_close"]),
    StageInput("Won", "赢单", "won"),
    StageInput("Lost", "输单", "lost"),
)


@pytest.fixture
def seller(make_staff):  # type: ignore[no-untyped-def]
    return make_staff("sales", username="sam", display_name="Sam Seller")


@pytest.fixture
def make_customer(db) -> Callable[..., Customer]:  # type: ignore[no-untyped-def]
    def make(name: str = "张伟", phone: str = "13800138000", **extra: Any) -> Customer:
        return customers.customer_create(
            actor=None, identities_in=[IdentityInput("phone", phone)], name_cjk=name, **extra
        )

    return make


@pytest.fixture
def customer(make_customer) -> Customer:  # type: ignore[no-untyped-def]
    return make_customer()


@pytest.fixture
def make_pipeline(db) -> Callable[..., Pipeline]:  # type: ignore[no-untyped-def]
    def make(name: str = "New business", no_skipping: bool = False, **extra: Any) -> Pipeline:
        return pipeline_create(
            actor=None, name_en=name, name_zh="新业务", no_skipping=no_skipping, stages=STAGES
        )

    return make


@pytest.fixture
def pipeline(make_pipeline) -> Pipeline:  # type: ignore[no-untyped-def]
    return make_pipeline()


def stage(pipeline: Pipeline, name_en: str) -> Stage:
    return pipeline.stages.get(name_en=name_en)


@pytest.fixture
def lost_reason(db) -> LostReason:  # type: ignore[no-untyped-def]
    return lost_reason_create(actor=None, name_en="Price too high", name_zh="价格太高")


@pytest.fixture
def product(db) -> Product:  # type: ignore[no-untyped-def]
    """A product at 1,000.00 CNY (900.00 from 10), 13 % VAT, prices without tax."""
    vat = Category.objects.create(name_en="Hardware", name_zh="硬件", tax_rate=Decimal("0.13"))
    item = Product.objects.create(sku="HL-100", name_en="Scanner", name_zh="扫描枪", category=vat)
    prices = PriceList.objects.create(name="List 2026", currency="CNY")
    PriceListItem.objects.create(price_list=prices, product=item, unit_price=Decimal("1000"))
    PriceListItem.objects.create(
        price_list=prices, product=item, min_quantity=Decimal(10), unit_price=Decimal("900")
    )
    return item
