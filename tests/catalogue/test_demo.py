"""The demo catalogue: bilingual, four categories, a tax-inclusive CNY list with quantity
breaks and a USD export list; running it again creates nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from heartline.catalogue import services
from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.catalogue.pricing import price_for
from heartline.demo.catalogue import EXPORT, RETAIL, seed_catalogue

pytestmark = pytest.mark.django_db


def test_demo_catalogue():
    report = seed_catalogue()
    assert (report.categories, report.products) == (4, 20)
    assert report.prices == PriceListItem.objects.count() == 31 + 13  # CNY breaks, USD
    assert sorted(Category.objects.values_list("name_zh", "tax_rate")) == [
        ("图书期刊", Decimal("0.0900")),
        ("服务", Decimal("0.0600")),
        ("茶具", Decimal("0.1300")),
        ("茶叶", Decimal("0.1300")),
    ]
    assert all(p.name_en and p.name_zh for p in Product.objects.all())
    assert Product.objects.filter(kind="service").count() == 7
    retail, export = PriceList.objects.get(name=RETAIL), PriceList.objects.get(name=EXPORT)
    assert (retail.currency, retail.tax_inclusive, export.currency, export.tax_inclusive) == (
        "CNY",
        True,
        "USD",
        False,
    )
    longjing = Product.objects.get(sku="TEA-LJ-250")
    assert [price_for(longjing, q).unit_price for q in (1, 5, 19, 20)] == [
        Decimal(388),
        Decimal(368),
        Decimal(368),
        Decimal(338),
    ]
    assert price_for(longjing, 1, currency="USD").unit_price == Decimal(52)
    book = Product.objects.get(sku="BOOK-CJ-01")
    assert price_for(book, 1).tax_rate == Decimal("0.0900")

    item = PriceListItem.objects.get(price_list=retail, product=longjing, min_quantity=1)
    services.price_list_item_set(actor=None, price_list=retail, product=longjing, unit_price="399")
    again = seed_catalogue()
    assert (again.categories, again.products, again.prices) == (0, 0, 0)
    assert Product.objects.count() == 20
    item.refresh_from_db()
    assert item.unit_price == Decimal(399)
