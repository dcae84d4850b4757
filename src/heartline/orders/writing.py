"""Writing decided orders: one statement per table whatever the number of orders.

:func:`place_many` (and :func:`place` for one) writes what ``services`` (or accepting a
quote, ``answers``) decided — the orders with their numbers, lines, first status steps,
timeline rows, audit entries and events — in one transaction. Callers check permissions.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.money import format_money
from heartline.catalogue.totals import Totals
from heartline.core import audit, bulk
from heartline.core.events import publish_many
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.orders.documents import LineDraft, line_values, number_for, totals_values
from heartline.orders.events import OrderPlaced
from heartline.orders.models import Order, OrderLine, OrderStatusChange, Quote
from heartline.timeline.batch import InteractionInput, interactions_record

SOURCE_CHANNEL: dict[str, str] = {Order.Source.PORTAL: "web", Order.Source.SHOP: "web"}


@dataclass
class Placing:
    """An order decided and ready to write: lines priced, totals computed."""

    customer: Customer
    source: str
    drafts: Sequence[LineDraft]
    totals: Totals
    discount: tuple[Decimal, Decimal]
    tax_inclusive: bool
    key: str | None = None
    fingerprint: str = ""
    quote: Quote | None = None
    shipping: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    placed_at: datetime.datetime | None = None


def place(*, actor: Any, placing: Placing) -> Order:
    """Write one decided order (callers check permissions): see :func:`place_many`."""
    return place_many(actor=actor, placings=[placing])[0]


# New order ids in one statement (see _order_ids).
_IDS_PG = "SELECT nextval(pg_get_serial_sequence('orders_order', 'id')) FROM generate_series(1, %s)"
_LAST_ID_SQLITE = (
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'orders_order'), 0),"
    " COALESCE((SELECT MAX(id) FROM orders_order), 0))"
)


def _order_ids(count: int) -> list[int]:
    """``count`` new order ids, taken in one statement before the insert, so that each order
    is written once, with its number (``O-2026-000123`` comes from the id). PostgreSQL: the
    id column's sequence. SQLite: after the highest id ever given — the transaction holds
    the write lock from its start (``BEGIN IMMEDIATE``), so no one else can take them, and
    the insert moves ``sqlite_sequence`` past them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_IDS_PG, [count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(_LAST_ID_SQLITE)
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + count))


def _order_values(placing: Placing, pk: int, staff: Any, now: datetime.datetime) -> dict[str, Any]:
    placed_at = placing.placed_at or now
    return {
        "id": pk,
        "number": number_for("O", pk, timezone.localtime(placed_at).year),
        "customer_id": placing.customer.pk,
        "source": placing.source,
        "quote_id": placing.quote.pk if placing.quote is not None else None,
        "idempotency_key": placing.key,
        "request_hash": placing.fingerprint,
        "placed_at": placed_at,
        "shipping_address": placing.shipping,
        "notes": placing.notes,
        "created_by_id": staff.pk if staff is not None else None,
        **totals_values(
            placing.totals,
            discount_percent=placing.discount[0],
            discount_amount=placing.discount[1],
            tax_inclusive=placing.tax_inclusive,
        ),
    }


def _placed_summaries(orders: Sequence[Order], placings: Sequence[Placing]) -> list[str]:
    sources = {value: str(label) for value, label in Order.Source.choices}  # translated once
    return [
        _("Order %(number)s placed (%(source)s): %(lines)s line(s), total %(total)s.")
        % {
            "number": order.number,
            "source": sources[order.source],
            "lines": len(placing.drafts),
            "total": format_money(order.total, order.currency),
        }
        for order, placing in zip(orders, placings, strict=True)
    ]


def _on_timeline(actor: Any, orders: Sequence[Order], placings: Sequence[Placing]) -> None:
    interactions_record(
        actor=actor,
        items=[
            InteractionInput(
                customer_id=order.customer_id,
                channel=SOURCE_CHANNEL.get(order.source, "system"),
                direction="in",
                occurred_at=order.placed_at,
                topic=_("Order %(number)s") % {"number": order.number},
                summary=summary,
                link_type="order",
                link_id=str(order.pk),
                source="order",
                source_ref=f"{order.pk}:{Order.Status.PLACED}",
            )
            for order, summary in zip(orders, _placed_summaries(orders, placings), strict=True)
        ],
    )


def _audit_and_publish(actor: Any, orders: Sequence[Order], placings: Sequence[Placing]) -> None:
    audit.record_many(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        objects=orders,
        changes=[
            {
                "customer": [None, o.customer_id],
                "source": [None, o.source],
                "total": [None, o.total],
                "currency": [None, o.currency],
                "lines": [None, len(p.drafts)],
            }
            for o, p in zip(orders, placings, strict=True)
        ],
    )
    publish_many(
        [OrderPlaced(order_id=o.pk, customer_id=o.customer_id, source=o.source) for o in orders]
    )


def place_many(*, actor: Any, placings: Sequence[Placing], answer: bool = True) -> list[Order]:
    """Write decided orders with set-based statements, in one transaction: the orders with
    their numbers (ids taken first), lines, first status steps, timeline rows, audit entries
    and events — one statement each, whatever the number of orders. An IntegrityError on
    (source, key) leaves nothing.

    With ``answer`` the orders carry the lines and first step just written, for an answer
    that shows them without reading them back (a batch's answer names the orders only)."""
    if not placings:
        return []
    staff = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        ids = _order_ids(len(placings))
        orders = bulk.insert(
            Order, [_order_values(p, pk, staff, now) for p, pk in zip(placings, ids, strict=True)]
        )
        lines = bulk.insert(
            OrderLine,
            [
                values
                for o, p in zip(orders, placings, strict=True)
                for values in line_values({"order_id": o.pk}, p.drafts, p.totals)
            ],
            returning=answer,
        )
        steps = bulk.insert(
            OrderStatusChange,
            [
                {
                    "order_id": order.pk,
                    "from_status": "",
                    "to_status": Order.Status.PLACED,
                    "at": order.placed_at,
                    "by_id": staff.pk if staff is not None else None,
                    "via": order.source,
                }
                for order in orders
            ],
            returning=answer,
        )
        _on_timeline(actor, orders, placings)
        _audit_and_publish(actor, orders, placings)
    for order, placing in zip(orders, placings, strict=True):
        order.customer = placing.customer  # as given, not read again
        if placing.quote is not None:
            order.quote = placing.quote
    if answer:
        by_order: dict[int, list[OrderLine]] = {}
        for line in lines:
            by_order.setdefault(line.order_id, []).append(line)
        for order, step in zip(orders, steps, strict=True):
            step.by = staff  # the answer names who placed it without reading the user again
            order.written_lines = by_order.get(order.pk, [])  # for the answer, not read back
            order.written_steps = [step]
    return orders
