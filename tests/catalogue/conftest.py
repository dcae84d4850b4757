"""Fixtures of the catalogue tests: a small bilingual catalogue and a private MEDIA_ROOT."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from heartline.catalogue import services
from heartline.catalogue.models import Category, PriceList, Product


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Catalogue:
    tea_cat: Category
    service_cat: Category
    tea: Product
    install: Product
    retail: PriceList
    usd: PriceList


@pytest.fixture
def catalogue(db) -> Catalogue:  # type: ignore[no-untyped-def]
    """Tea (13 %, breaks at 1 and 10) and an installation service (6 %) in a CNY retail list
    (tax-inclusive) and a USD export list."""
    tea_cat = services.category_create(
        actor=None, name_en="Tea", name_zh="茶叶", tax_rate=Decimal("0.13")
    )
    service_cat = services.category_create(
        actor=None, name_en="Services", name_zh="服务", tax_rate=Decimal("0.06")
    )
    tea = services.product_create(
        actor=None,
        sku="tea-001",
        name_en="Longjing tea 250 g",
        name_zh="龙井茶 250克",
        category=tea_cat,
        unit="盒",
    )
    install = services.product_create(
        actor=None,
        sku="SRV-INSTALL",
        name_zh="上门安装",
        kind="service",
        category=service_cat,
        unit="h",
    )
    retail = services.price_list_create(
        actor=None, name="Retail 零售", currency="CNY", tax_inclusive=True, priority=10
    )
    usd = services.price_list_create(actor=None, name="Export", currency="USD", priority=10)
    services.price_list_item_set(actor=None, price_list=retail, product=tea, unit_price="128.00")
    services.price_list_item_set(
        actor=None, price_list=retail, product=tea, unit_price="118.00", min_quantity="10"
    )
    services.price_list_item_set(actor=None, price_list=retail, product=install, unit_price="200")
    services.price_list_item_set(actor=None, price_list=usd, product=tea, unit_price="17.50")
    return Catalogue(tea_cat, service_cat, tea, install, retail, usd)


TODAY = datetime.date(2025, 6, 1)
