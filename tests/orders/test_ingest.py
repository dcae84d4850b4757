"""Placing orders in bulk: a batch costs a fixed number of statements whatever its size, and
writes exactly what placing the orders one by one writes (prices, totals, numbers, timeline,
audit, events), all or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.catalogue.models import PriceList, PriceListItem
from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import services as customers
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.orders.models import Order, OrderLine, OrderStatusChange
from heartline.orders.services import (
    IdempotencyConflict,
    OrderLineRequest,
    OrderRequest,
    order_create,
    orders_create_many,
)
from heartline.timeline.models import Interaction
from tests.orders.test_order_services import counts

pytestmark = pytest.mark.django_db

LINES = [OrderLineRequest(sku="TEA-001", quantity=2), OrderLineRequest(sku="CUP-002", quantity=3)]


def requests(customer: Customer, n: int, prefix: str = "b") -> list[OrderRequest]:
    return [
        OrderRequest(customer=customer, lines=LINES, source="shop", idempotency_key=f"{prefix}-{i}")
        for i in range(n)
    ]


def statements(work: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        work()
    return [q["sql"] for q in queries.captured_queries]


# PostgreSQL takes any batch in one statement a table; SQLite splits a statement at 999
# parameters (30 orders of 2 lines still fit).
LARGE = 200 if connection.vendor == "postgresql" else 30


def test_a_batch_costs_the_same_statements_for_2_orders_as_for_many(shop, customer, sales_rep):
    small = statements(
        lambda: orders_create_many(actor=sales_rep, requests=requests(customer, 2, "s"))
    )
    large = statements(
        lambda: orders_create_many(actor=sales_rep, requests=requests(customer, LARGE, "l"))
    )
    # known keys, products, prices; in the transaction: ids, orders, lines, steps; the
    # timeline (customers, known refs, rows, their audit entries, their events); the orders'
    # audit entries and events — and the savepoints of the transaction (the test's own
    # transaction is around it) and of the timeline
    assert len(small) == len(large) == 18
    assert sum("catalogue_pricelistitem" in sql for sql in large) == 1
    assert sum(sql.startswith('INSERT INTO "orders_orderline"') for sql in large) == 1
    assert not any(sql.startswith("UPDATE") for sql in large)  # numbers written with the rows
    assert Order.objects.count() == 2 + LARGE


def test_a_batch_writes_what_orders_placed_one_by_one_write(shop, customer, sales_rep):
    other = customers.customer_create(
        actor=None,
        identities_in=[IdentityInput("phone", "13800000002")],
        name_latin="Zhang Wei",
        language="en",
    )
    lines = [
        [OrderLineRequest(sku="TEA-001", quantity=10)],  # the break: 80.00
        [OrderLineRequest(sku="BOOK-003", quantity=2), OrderLineRequest(sku="CUP-002", quantity=1)],
        [OrderLineRequest(sku="TEA-001", quantity="1.5", discount_percent="10")],
    ]
    asked = [
        OrderRequest(customer=c, lines=ls, source="shop", idempotency_key=f"k-{i}")
        for i, (c, ls) in enumerate(zip([customer, other, customer], lines, strict=True))
    ]
    placed = orders_create_many(actor=sales_rep, requests=asked)
    one_by_one = [
        order_create(
            actor=sales_rep,
            customer=r.customer,
            lines=r.lines,
            source="api",  # another source: the same keys make new orders
            idempotency_key=r.idempotency_key,
        )
        for r in asked
    ]
    assert [created for _order, created in placed + one_by_one] == [True] * 6
    year = timezone.localdate().year

    def written(order: Order) -> dict[str, Any]:
        order.refresh_from_db()
        return {
            "customer": order.customer_id,
            "totals": (order.gross, order.net, order.tax, order.total, order.tax_breakdown),
            "lines": list(
                OrderLine.objects.filter(order=order)
                .order_by("position")
                .values_list("sku", "description", "quantity", "unit_price", "tax", "total")
            ),
        }

    for (batch_order, _c), (single_order, _s) in zip(placed, one_by_one, strict=True):
        assert written(batch_order) == written(single_order)
        assert batch_order.number == f"O-{year}-{batch_order.pk:06d}"
    assert [written(o)["totals"][3] for o, _c in placed] == [
        Decimal("904.0000"),  # 10 × 80.00 + 13 %
        Decimal("170.7000"),  # 2 × 59.90 + 9 % = 130.58, 35.50 + 13 % = 40.12
        Decimal("134.2400"),  # 1.5 × 88.00 − 10 % = 118.80, + 15.44 (13 %)
    ]
    book = written(placed[1][0])["lines"][0]
    assert book[:2] == ("BOOK-003", "The Classic of Tea")  # named in the customer's language
    ids = [o.pk for o, _c in placed]
    assert (
        Interaction.objects.filter(
            source="order", source_ref__in=[f"{pk}:placed" for pk in ids]
        ).count()
        == 3
    )
    assert sorted(
        OrderStatusChange.objects.filter(order_id__in=ids).values_list("order_id", "to_status")
    ) == [(pk, "placed") for pk in sorted(ids)]
    audited = AuditEntry.objects.filter(object_type="orders.order", object_id__in=map(str, ids))
    assert sorted((int(a.object_id), a.changes["total"][1]) for a in audited) == [
        (ids[0], "904.00"),
        (ids[1], "170.70"),
        (ids[2], "134.24"),
    ]
    events = OutboxEvent.objects.filter(type="order.placed").order_by("id")[:3]
    assert [e.payload for e in events] == [
        {"order_id": o.pk, "customer_id": o.customer_id, "source": "shop"} for o, _c in placed
    ]


def test_each_currency_of_a_batch_is_priced_from_its_lists(shop, customer, sales_rep):
    usd = PriceList.objects.create(name="Export", currency="USD")
    PriceListItem.objects.create(price_list=usd, product=shop.tea, unit_price=Decimal("12.50"))
    asked = [
        OrderRequest(customer=customer, lines=LINES[:1], source="shop", idempotency_key="cny"),
        OrderRequest(
            customer=customer,
            lines=LINES[:1],
            source="shop",
            currency="USD",
            idempotency_key="usd",
        ),
    ]
    placed = [order for order, _created in orders_create_many(actor=sales_rep, requests=asked)]
    assert [(o.currency, o.net, o.total) for o in placed] == [
        ("CNY", Decimal("176.00"), Decimal("198.88")),
        ("USD", Decimal("25.00"), Decimal("28.25")),
    ]


def test_a_line_without_a_price_refuses_the_batch_naming_order_and_line(shop, customer, sales_rep):
    PriceListItem.objects.filter(product=shop.cup).delete()
    before = counts()
    asked = requests(customer, 3)
    asked[2] = OrderRequest(
        customer=customer,
        lines=[LINES[0], OrderLineRequest(sku="BOOK-003", quantity=1), LINES[1]],
        source="shop",
        idempotency_key="b-2",
    )
    asked[0] = OrderRequest(
        customer=customer,
        lines=[LINES[0], OrderLineRequest(sku="TEA-001", quantity=1, unit_price="1")],
        source="shop",
        idempotency_key="b-0",
    )
    with pytest.raises(ValidationError) as caught:
        orders_create_many(actor=sales_rep, requests=asked)
    today = timezone.localdate().isoformat()
    assert caught.value.message_dict == {
        "orders[1].lines[1]": [f"CUP-002 has no price in CNY on {today}."]
    }
    assert counts() == before


def test_a_used_key_with_other_content_refuses_the_batch_with_409(shop, customer, sales_rep):
    first, _created = order_create(
        actor=sales_rep, customer=customer, lines=LINES, source="shop", idempotency_key="b-1"
    )
    before = counts()
    changed = requests(customer, 3)
    changed[1] = OrderRequest(
        customer=customer, lines=LINES[:1], source="shop", idempotency_key="b-1"
    )
    with pytest.raises(IdempotencyConflict) as caught:
        orders_create_many(actor=sales_rep, requests=changed)
    assert caught.value.details == {"order_id": first.pk, "number": first.number}
    assert counts() == before
    same = orders_create_many(actor=sales_rep, requests=requests(customer, 3))
    assert [(o.pk == first.pk, created) for o, created in same] == [
        (False, True),
        (True, False),
        (False, True),
    ]


def test_order_ids_are_never_given_twice(shop, customer, sales_rep):
    placed = [o for o, _c in orders_create_many(actor=sales_rep, requests=requests(customer, 3))]
    ids = [o.pk for o in placed]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    last = placed[-1]
    OrderStatusChange.objects.filter(order=last).delete()
    last.delete()  # the newest order gone: its id is not given again
    again, _created = order_create(
        actor=sales_rep, customer=customer, lines=LINES, source="shop", idempotency_key="after"
    )
    assert again.pk > ids[-1]
    assert again.number == f"O-{timezone.localdate().year}-{again.pk:06d}"
    more = [
        o.pk for o, _c in orders_create_many(actor=sales_rep, requests=requests(customer, 2, "m"))
    ]
    assert min(more) > again.pk
    assert Order.objects.filter(number__isnull=True).count() == 0


def test_one_order_or_a_batch_through_the_api_is_the_same_statements(
    shop, customer, api_client, sales_rep
):
    client = api_client(sales_rep)
    body = {
        "customer": {"id": customer.pk},
        "source": "shop",
        "lines": [{"sku": "TEA-001", "quantity": 2}, {"sku": "CUP-002", "quantity": "3"}],
    }

    def one(key: str) -> Any:
        return client.post(
            "/api/v1/orders",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    assert one("first").status_code == 201  # (the token's first use is recorded once)
    single = statements(lambda: one("second"))
    orders = [{**body, "idempotency_key": f"api-{i}"} for i in range(LARGE)]
    batch = statements(
        lambda: client.post(
            "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
        )
    )
    assert Order.objects.count() == 2 + LARGE
    # the token, the customer(s), then as the service above
    assert (len(single), len(batch)) == (20, 20)


def test_a_batch_finds_its_customers_in_one_query_and_names_the_unknown(
    shop, customer, api_client, sales_rep
):
    client = api_client(sales_rep)
    body = {"source": "shop", "lines": [{"sku": "TEA-001", "quantity": 1}]}
    refs = [
        {"id": customer.pk},
        {"phone": "139 1234 5678"},  # the same customer, by phone
        {"email": "nobody@example.com"},
        {"id": 987654},
        {"phone": "not a phone"},
    ]
    before = counts()
    refused = client.post(
        "/api/v1/orders/batch",
        {
            "orders": [
                {**body, "customer": r, "idempotency_key": f"c-{i}"} for i, r in enumerate(refs)
            ]
        },
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == {
        f"orders[{i}].customer": ["There is no such customer."] for i in (2, 3, 4)
    }
    assert counts() == before
    orders = [{**body, "customer": r, "idempotency_key": f"c-{i}"} for i, r in enumerate(refs[:2])]
    sqls = statements(
        lambda: client.post(
            "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
        )
    )
    assert sum(sql.startswith('SELECT "customers_customer"."id", ') for sql in sqls) == 1
    assert sum("customers_identity" in sql for sql in sqls) == 1  # the phone, once
    assert list(Order.objects.values_list("customer_id", flat=True)) == [customer.pk] * 2
