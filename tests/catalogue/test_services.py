"""Catalogue services: validation, SKU rules, permission before writing, audit, deactivation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.catalogue import services
from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "lists": PriceList.objects.count(),
        "items": PriceListItem.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxEvent.objects.count(),
    }


def test_create_normalises_the_sku_and_audits(staff_by_role):
    manager = staff_by_role["manager"]
    product = services.product_create(
        actor=manager, sku="  tea-001 ", name_zh=" 龙井茶 ", unit="盒"
    )
    assert (product.sku, product.name_zh, product.name_en, product.active) == (
        "TEA-001",
        "龙井茶",
        "",
        True,
    )
    entry = AuditEntry.objects.get(object_type="catalogue.product")
    assert (entry.actor, entry.action, entry.object_id) == (manager, "create", str(product.pk))
    assert entry.changes["sku"] == [None, "TEA-001"]
    assert entry.changes["name_zh"] == [None, "龙井茶"]
    event = OutboxEvent.objects.get(type="catalogue.product_changed")
    assert event.payload["product_id"] == product.pk


def test_a_taken_sku_is_a_conflict_naming_the_product():
    first = services.product_create(actor=None, sku="TEA-001", name_en="Tea")
    before = counts()
    with pytest.raises(services.SkuTaken) as caught:
        services.product_create(actor=None, sku="tea-001", name_en="Other tea")
    assert caught.value.messages == [f"SKU TEA-001 already belongs to product #{first.pk}."]
    assert caught.value.details == {"existing_product_id": first.pk, "sku": "TEA-001"}
    assert counts() == before
    other = services.product_create(actor=None, sku="TEA-002", name_en="Green tea")
    with pytest.raises(services.SkuTaken):
        services.product_update(actor=None, product=other, sku=" Tea-001")
    other.refresh_from_db()
    assert other.sku == "TEA-002"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sku": "TEA-9"}, "name_en"),
        ({"sku": "TEA-9", "name_en": "   ", "name_zh": ""}, "name_en"),
        ({"sku": "", "name_en": "Tea"}, "sku"),
        ({"sku": "tea 9", "name_en": "Tea"}, "sku"),
        ({"sku": "-TEA", "name_en": "Tea"}, "sku"),
        ({"sku": "茶", "name_en": "Tea"}, "sku"),
        ({"sku": "T" * 65, "name_en": "Tea"}, "sku"),
        ({"sku": "TEA-9", "name_en": "x" * 201}, "name_en"),
        ({"sku": "TEA-9", "name_en": "Tea", "kind": "gadget"}, "kind"),
    ],
)
def test_bad_products_are_refused_and_nothing_is_written(fields, field):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.product_create(actor=None, **fields)
    assert list(caught.value.message_dict) == [field]
    assert counts() == before


def test_permission_is_checked_before_anything_is_written(staff_by_role, catalogue):
    before = counts()
    for role in ("agent", "sales", "marketing", "analyst"):
        actor = staff_by_role[role]
        calls = [
            lambda a=actor: services.product_create(actor=a, sku="X-1", name_en="x"),
            lambda a=actor: services.product_update(actor=a, product=catalogue.tea, name_en="x"),
            lambda a=actor: services.product_delete(actor=a, product=catalogue.tea),
            lambda a=actor: services.category_create(actor=a, name_en="x"),
            lambda a=actor: services.price_list_create(actor=a, name="x"),
            lambda a=actor: services.price_list_item_set(
                actor=a, price_list=catalogue.retail, product=catalogue.tea, unit_price="1"
            ),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied):
                call()
    assert counts() == before


def test_update_records_only_what_changed(catalogue, staff_by_role):
    manager = staff_by_role["manager"]
    services.product_update(actor=manager, product=catalogue.tea, name_en="Longjing tea 250 g")
    assert not AuditEntry.objects.filter(actor=manager).exists()
    services.product_update(
        actor=manager, product=catalogue.tea, category=catalogue.service_cat, unit="件"
    )
    entry = AuditEntry.objects.get(actor=manager)
    assert entry.changes == {
        "category": [catalogue.tea_cat.pk, catalogue.service_cat.pk],
        "unit": ["盒", "件"],
    }
    with pytest.raises(ValidationError) as caught:
        services.product_update(actor=manager, product=catalogue.tea, price="1")
    assert caught.value.messages == ["Unknown fields: price"]


def test_a_product_on_nobodys_documents_is_deleted_with_its_prices(catalogue):
    assert services.product_delete(actor=None, product=catalogue.tea) is True
    assert not Product.objects.filter(pk=catalogue.tea.pk).exists()
    assert PriceListItem.objects.filter(product_id=catalogue.tea.pk).count() == 0
    entry = AuditEntry.objects.get(object_type="catalogue.product", action="delete")
    assert entry.changes["sku"] == ["TEA-001", None]


def test_a_product_on_a_deal_is_deactivated_instead(catalogue, staff_by_role):
    from heartline.customers.models import Customer
    from heartline.sales.models import Deal, DealLine, Pipeline, Stage

    customer = Customer.objects.create(name_latin="Buyer")
    pipeline = Pipeline.objects.create(name_en="Default")
    stage = Stage.objects.create(pipeline=pipeline, name_en="New")
    deal = Deal.objects.create(
        customer=customer, pipeline=pipeline, stage=stage, title="Tea for the office"
    )
    DealLine.objects.create(
        deal=deal, product=catalogue.tea, quantity=Decimal(1), unit_price=Decimal(128)
    )
    assert services.product_is_referenced(catalogue.tea) is True
    assert services.product_delete(actor=staff_by_role["manager"], product=catalogue.tea) is False
    catalogue.tea.refresh_from_db()
    assert catalogue.tea.active is False
    assert PriceListItem.objects.filter(product=catalogue.tea).count() == 3
    # a second "delete" changes nothing more
    before = counts()
    assert services.product_delete(actor=None, product=catalogue.tea) is False
    assert counts() == before


def test_categories_with_tax_rates(catalogue):
    books = services.category_create(actor=None, name_zh="图书", tax_rate="0.09")
    assert books.tax_rate == Decimal("0.0900")
    services.category_update(actor=None, category=books, tax_rate=Decimal("0.090"))
    books_updates = AuditEntry.objects.filter(
        object_type="catalogue.category", object_id=str(books.pk), action="update"
    )
    assert books_updates.count() == 0
    for bad, message in [
        ("1", "The number must be less than 1."),
        ("-0.01", "The number must not be negative."),
        ("0.12345", "Use at most 4 decimal places."),
        ("abc", "abc is not a number."),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.category_create(actor=None, name_en="Bad", tax_rate=bad)
        assert caught.value.message_dict == {"tax_rate": [message]}
    with pytest.raises(ValidationError) as caught:
        services.category_create(actor=None, tax_rate="0.13")
    assert list(caught.value.message_dict) == ["name_en"]
    with pytest.raises(ValidationError) as caught:
        services.category_delete(actor=None, category=catalogue.tea_cat)
    assert caught.value.messages == ["Tea still has products: move them to another category first."]
    services.category_delete(actor=None, category=books)
    assert not Category.objects.filter(pk=books.pk).exists()


def test_price_list_rules(catalogue):
    with pytest.raises(ValidationError) as caught:
        services.price_list_create(actor=None, name="Bad", currency="XYZ")
    assert list(caught.value.message_dict) == ["currency"]
    with pytest.raises(ValidationError) as caught:
        services.price_list_create(
            actor=None,
            name="Backwards",
            valid_from=datetime.date(2025, 2, 1),
            valid_until=datetime.date(2025, 1, 31),
        )
    assert caught.value.message_dict == {
        "valid_until": ["The list cannot end before it starts (2025-02-01)."]
    }
    with pytest.raises(ValidationError) as caught:
        services.price_list_create(actor=None, name="  ")
    assert list(caught.value.message_dict) == ["name"]
    eur = services.price_list_create(actor=None, name="Euro", currency="eur")
    assert eur.currency == "EUR"
    services.price_list_update(actor=None, price_list=eur, currency="GBP")
    with pytest.raises(ValidationError) as caught:
        services.price_list_update(actor=None, price_list=catalogue.usd, currency="EUR")
    assert caught.value.message_dict == {
        "currency": ["The list already has prices in USD: create a new list for another currency."]
    }


def test_price_breaks_are_set_replaced_and_removed(catalogue, staff_by_role):
    manager = staff_by_role["manager"]
    item, created = services.price_list_item_set(
        actor=manager,
        price_list=catalogue.retail,
        product=catalogue.tea,
        unit_price="108.5",
        min_quantity="50.000",
    )
    assert created is True
    assert (item.min_quantity, item.unit_price) == (Decimal("50.000"), Decimal("108.5000"))
    again, created = services.price_list_item_set(
        actor=manager,
        price_list=catalogue.retail,
        product=catalogue.tea,
        unit_price="105",
        min_quantity="50",
    )
    assert (again.pk, created, again.unit_price) == (item.pk, False, Decimal("105.0000"))
    changes = [e.changes for e in AuditEntry.objects.filter(actor=manager).order_by("id")]
    assert changes == [
        {"price TEA-001 ≥50": [None, "108.5000"]},
        {"price TEA-001 ≥50": ["108.5000", "105.0000"]},
    ]
    # the same price again writes nothing
    before = counts()
    services.price_list_item_set(
        actor=manager,
        price_list=catalogue.retail,
        product=catalogue.tea,
        unit_price="105.00",
        min_quantity="50",
    )
    assert counts() == before
    services.price_list_item_remove(actor=manager, item=again)
    assert not PriceListItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    ("quantity", "price", "field", "message"),
    [
        ("0", "1", "min_quantity", "The quantity of a price break must be more than zero."),
        ("-1", "1", "min_quantity", "The number must not be negative."),
        ("0.0001", "1", "min_quantity", "Use at most 3 decimal places."),
        ("1000000000", "1", "min_quantity", "The number must be less than 1,000,000,000."),
        ("1", "-0.01", "unit_price", "The number must not be negative."),
        ("1", "0.00001", "unit_price", "Use at most 4 decimal places."),
        ("1", "1e20", "unit_price", "The number must be less than 100,000,000,000,000."),
        ("1", "NaN", "unit_price", "Amounts must be finite numbers."),
    ],
)
def test_bad_price_breaks_write_nothing(catalogue, quantity, price, field, message):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.price_list_item_set(
            actor=None,
            price_list=catalogue.retail,
            product=catalogue.tea,
            unit_price=price,
            min_quantity=quantity,
        )
    assert caught.value.message_dict == {field: [message]}
    assert counts() == before
