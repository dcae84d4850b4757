"""Placing orders (pricing, idempotency) and the lifecycle, through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from heartline.core.models import AuditEntry, OutboxEvent
from heartline.orders.models import Order, OrderLine, OrderStatusChange
from heartline.orders.services import (
    IdempotencyConflict,
    OrderLineRequest,
    TransitionRefused,
    order_create,
    order_transition,
)
from heartline.timeline.models import Interaction

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "steps": OrderStatusChange.objects.count(),
        "interactions": Interaction.objects.count(),
        "audit": AuditEntry.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def place(actor, customer, key="shop-1001", **extra):  # type: ignore[no-untyped-def]
    lines = extra.pop(
        "lines",
        [OrderLineRequest(sku="TEA-001", quantity=2), OrderLineRequest(sku="CUP-002", quantity=3)],
    )
    return order_create(
        actor=actor, customer=customer, lines=lines, idempotency_key=key, source="shop", **extra
    )


def test_an_order_is_priced_totalled_numbered_and_on_the_timeline(shop, customer, sales_rep):
    order, created = place(sales_rep, customer)
    assert created
    assert order.number == f"O-{timezone.localdate().year}-{order.pk:06d}"
    lines = list(order.lines.order_by("position"))
    assert [(line.sku, line.description, line.unit_price) for line in lines] == [
        ("TEA-001", "龙井绿茶 250克", Decimal("88.0000")),  # the customer reads Chinese
        ("CUP-002", "茶杯", Decimal("35.5000")),
    ]
    # 2 × 88.00 + 3 × 35.50 = 282.50 net; 13 % VAT = 36.7250 → 36.73 (half up, per line:
    # 22.88 + 13.85 = 36.73); total 319.23.
    order.refresh_from_db()
    assert (order.gross, order.net, order.tax, order.total) == (
        Decimal("282.5000"),
        Decimal("282.5000"),
        Decimal("36.7300"),
        Decimal("319.2300"),
    )
    assert order.tax_breakdown == {"0.13": "36.73"}
    assert [(line.tax, line.total) for line in lines] == [
        (Decimal("22.8800"), Decimal("198.8800")),
        (Decimal("13.8500"), Decimal("120.3500")),
    ]
    row = Interaction.objects.get(source="order", source_ref=f"{order.pk}:placed")
    assert (row.customer_id, row.channel, row.direction, row.link_type, row.link_id) == (
        customer.pk,
        "web",
        "in",
        "order",
        str(order.pk),
    )
    assert row.staff_id == sales_rep.pk
    assert row.summary == (f"Order {order.number} placed (Shop): 2 line(s), total CN¥319.23.")
    event = OutboxEvent.objects.get(type="order.placed")
    assert event.payload == {"order_id": order.pk, "customer_id": customer.pk, "source": "shop"}
    assert event.groups == [f"customer.{customer.pk}"]
    audit = AuditEntry.objects.get(object_type="orders.order", action="create")
    assert audit.actor_id == sales_rep.pk
    assert audit.changes["total"] == [None, "319.23"]


def test_the_quantity_break_applies(shop, customer, sales_rep):
    order, _ = place(sales_rep, customer, lines=[OrderLineRequest(sku="TEA-001", quantity=10)])
    assert order.lines.get().unit_price == Decimal("80.0000")
    assert order.total == Decimal("904.00")


def test_the_same_key_twice_gives_one_order_and_one_set_of_timeline_rows(shop, customer, sales_rep):
    first, created = place(sales_rep, customer)
    before = counts()
    again, created_again = place(sales_rep, customer)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert counts() == before
    assert Interaction.objects.filter(source="order").count() == 1


def test_the_same_key_with_other_content_is_a_conflict(shop, customer, sales_rep):
    first, _ = place(sales_rep, customer)
    before = counts()
    with pytest.raises(IdempotencyConflict) as info:
        place(sales_rep, customer, lines=[OrderLineRequest(sku="TEA-001", quantity=5)])
    assert info.value.details == {"order_id": first.pk, "number": first.number}
    assert info.value.messages == [
        f"The idempotency key shop-1001 was already used for order {first.number} with "
        "different content. Send the same request again to get that order, or use a new key "
        "for a new order."
    ]
    assert counts() == before


def test_keys_are_per_source(shop, customer, sales_rep):
    shop_order, _ = place(sales_rep, customer)
    api_order, created = order_create(
        actor=sales_rep,
        customer=customer,
        lines=[
            OrderLineRequest(sku="TEA-001", quantity=2),
            OrderLineRequest(sku="CUP-002", quantity=3),
        ],
        idempotency_key="shop-1001",
        source="api",
    )
    assert created
    assert api_order.pk != shop_order.pk


def test_bad_lines_are_refused_with_their_line_and_nothing_is_written(shop, customer, sales_rep):
    before = counts()
    with pytest.raises(ValidationError) as info:
        place(
            sales_rep,
            customer,
            lines=[
                OrderLineRequest(sku="TEA-001", quantity=1),
                OrderLineRequest(sku="NOPE-404", quantity=1),
                OrderLineRequest(sku="CUP-002", quantity=-2),
            ],
        )
    assert info.value.message_dict == {
        "lines[1]": ["Unknown SKU NOPE-404."],
        "lines[2]": ["The quantity must be more than zero."],
    }
    assert counts() == before


def test_a_product_without_a_price_in_the_currency_is_refused(shop, customer, sales_rep):
    with pytest.raises(ValidationError) as info:
        place(sales_rep, customer, currency="USD")
    today = timezone.localdate().isoformat()
    assert info.value.message_dict["lines[0]"] == [f"TEA-001 has no price in USD on {today}."]
    assert Order.objects.count() == 0


def test_a_given_unit_price_needs_orders_manage(shop, customer, make_staff):
    agent = make_staff("agent")  # may see orders, not manage them
    before = counts()
    with pytest.raises(PermissionDenied):
        place(agent, customer, lines=[OrderLineRequest(sku="TEA-001", quantity=1, unit_price="1")])
    assert counts() == before


def test_a_given_unit_price_overrides_the_list(shop, customer, sales_rep):
    order, _ = place(
        sales_rep, customer, lines=[OrderLineRequest(sku="TEA-001", quantity=1, unit_price="70")]
    )
    assert (order.lines.get().unit_price, order.total) == (Decimal("70"), Decimal("79.10"))


def test_tax_inclusive_prices_are_converted_when_the_order_is_net(shop, customer, sales_rep):
    shop.price_list.tax_inclusive = True
    shop.price_list.save()
    order, _ = place(sales_rep, customer, lines=[OrderLineRequest(sku="TEA-001", quantity=1)])
    assert order.tax_inclusive is True  # follows its price list
    assert (order.net, order.tax, order.total) == (
        Decimal("77.88"),
        Decimal("10.12"),
        Decimal("88.00"),
    )
    net_order, _ = place(
        sales_rep,
        customer,
        key="shop-1002",
        tax_inclusive=False,
        lines=[OrderLineRequest(sku="TEA-001", quantity=1)],
    )
    assert net_order.lines.get().unit_price == Decimal("77.8761")  # 88 / 1.13, 4 decimals
    assert net_order.total == Decimal("88.00")


def test_orders_of_a_future_time_are_refused(shop, customer, sales_rep):
    with pytest.raises(ValidationError):
        place(sales_rep, customer, placed_at=timezone.now() + datetime.timedelta(hours=1))


# --- The lifecycle ---------------------------------------------------------------------------
PATH = ["paid", "shipped", "delivered", "returned", "refunded"]


def test_the_whole_lifecycle_each_step_once_on_the_timeline(shop, customer, sales_rep):
    order, _ = place(sales_rep, customer)
    for status in PATH:
        order, changed = order_transition(actor=sales_rep, order=order, to_status=status)
        assert changed
        assert getattr(order, f"{status}_at") is not None
    order.refresh_from_db()
    assert order.status == "refunded"
    steps = list(order.status_changes.values_list("from_status", "to_status"))
    assert steps == [
        ("", "placed"),
        ("placed", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "returned"),
        ("returned", "refunded"),
    ]
    refs = list(
        Interaction.objects.filter(source="order")
        .order_by("id")
        .values_list("source_ref", flat=True)
    )
    assert refs == [f"{order.pk}:{s}" for s in ["placed", *PATH]]
    changed_events = OutboxEvent.objects.filter(type="order.status_changed").order_by("id")
    assert [e.payload["to_status"] for e in changed_events] == PATH


def test_asking_again_for_the_current_status_changes_nothing(shop, customer, sales_rep):
    order, _ = place(sales_rep, customer)
    order_transition(actor=sales_rep, order=order, to_status="paid")
    before = counts()
    order, changed = order_transition(actor=sales_rep, order=order, to_status="paid")
    assert not changed
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "refused", "allowed"),
    [
        (["cancelled"], "shipped", []),
        (["cancelled"], "paid", []),
        ([], "shipped", ["paid", "cancelled"]),
        ([], "refunded", ["paid", "cancelled"]),
        (["paid"], "cancelled", ["shipped", "refunded"]),
        (["paid", "shipped"], "paid", ["delivered", "returned"]),
        (["paid", "refunded"], "shipped", []),
    ],
)
def test_refused_transitions_say_why_and_write_nothing(
    shop, customer, sales_rep, path, refused, allowed
):
    order, _ = place(sales_rep, customer)
    for status in path:
        order, _ = order_transition(actor=sales_rep, order=order, to_status=status)
    before = counts()
    with pytest.raises(TransitionRefused) as info:
        order_transition(actor=sales_rep, order=order, to_status=refused)
    current = path[-1] if path else "placed"
    assert info.value.messages == [f"An order that is {current} cannot become {refused}."]
    assert info.value.details == {"status": current, "allowed": allowed}
    assert counts() == before
    order.refresh_from_db()
    assert order.status == current


def test_the_lifecycle_needs_orders_manage(shop, customer, sales_rep, make_staff):
    order, _ = place(sales_rep, customer)
    agent = make_staff("agent")
    before = counts()
    with pytest.raises(PermissionDenied):
        order_transition(actor=agent, order=order, to_status="paid")
    assert counts() == before
    order.refresh_from_db()
    assert order.status == "placed"


def test_merging_customers_moves_their_orders_and_undo_moves_them_back(
    shop, customer, sales_rep, make_staff
):
    from heartline.customers import services as customers
    from heartline.customers.merge import customer_merge, merge_undo
    from heartline.customers.services import IdentityInput

    order, _ = place(sales_rep, customer)
    survivor = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800000001")], name_cjk="李娜"
    )
    manager = make_staff("manager")
    merge = customer_merge(actor=manager, survivor=survivor, duplicate=customer)
    order.refresh_from_db()
    assert order.customer_id == survivor.pk
    merge_undo(actor=manager, merge=merge)
    order.refresh_from_db()
    assert order.customer_id == customer.pk
