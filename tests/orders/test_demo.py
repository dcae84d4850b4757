"""The demo quotes and orders: made through the services, deterministic, never twice."""

from __future__ import annotations

import pytest

from heartline.demo.customers import seed_customers
from heartline.demo.orders import seed_orders
from heartline.orders.models import Order, Quote
from heartline.timeline.models import Interaction

pytestmark = pytest.mark.django_db


def test_no_customers_no_demo_orders():
    assert seed_orders(seed=1).orders == 0
    assert Order.objects.count() == 0


def test_demo_orders_and_quotes_once(make_staff):
    seed_customers(count=15, seed=2, interactions_per_customer=1)
    report = seed_orders(seed=2)
    assert report.orders == Order.objects.filter(idempotency_key__startswith="demo-").count()
    assert 12 <= report.orders <= 36
    assert report.quotes == 2  # no demo deals here: two quotes without a deal
    accepted = Quote.objects.get(status="accepted")
    assert Order.objects.filter(quote=accepted).count() == 1
    assert set(Order.objects.values_list("status", flat=True)) > {"placed", "paid"}
    for order in Order.objects.all():
        assert order.net + order.tax == order.total
    placed = Interaction.objects.filter(source="order", source_ref__endswith=":placed").count()
    assert placed == Order.objects.count()
    again = seed_orders(seed=2)
    assert (again.orders, again.quotes) == (0, 0)
    assert Order.objects.count() == report.orders + 1


def test_demo_orders_sell_the_demo_catalogue_when_there_is_one():
    from heartline.catalogue.models import Product
    from heartline.demo.catalogue import seed_catalogue
    from heartline.orders.models import OrderLine

    seed_catalogue()
    catalogue = set(Product.objects.values_list("sku", flat=True))
    seed_customers(count=6, seed=3, interactions_per_customer=1)
    assert seed_orders(seed=3).orders > 0
    assert set(OrderLine.objects.values_list("sku", flat=True)) <= catalogue
    assert not Product.objects.filter(sku__startswith="DEMO-").exists()
