"""Every write to orders: placing them from any source (idempotently, one or many) and their
lifecycle.

* :func:`order_create` — the one way in for the API, and later the portal and shops: lines
  by product (priced by :func:`heartline.catalogue.pricing.price_for` unless a price is
  given, which needs ``orders.manage``), totals by the one calculation, and an idempotency
  key per source: the same (source, key) answers the order it made, and a different request
  under a used key is a :class:`~heartline.core.errors.Conflict` (HTTP 409).
  :func:`orders_create_many` does the same for a batch, in one transaction with set-based
  writes (all or nothing).
* :func:`order_transition` (in ``lifecycle``, re-exported here) — the only way to change an
  order's status.

Each write appends audit entries and publishes events in its transaction, and lands on the
customer's timeline (recorded by the acting user, who needs ``interactions.record`` as every
role that manages orders has) with ``source="order"`` and ``source_ref="<order id>:<status>"``,
so a retried call never writes a second row.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.money import ZERO, currency_code, format_money, to_decimal
from heartline.catalogue.totals import Totals
from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish_many
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.orders.documents import (
    LineDraft,
    apply_totals,
    clean_lines,
    line_rows,
    number_for,
    totals_of,
)
from heartline.orders.events import OrderPlaced
from heartline.orders.lifecycle import TransitionRefused, order_transition
from heartline.orders.models import Order, OrderLine, OrderStatusChange, Quote
from heartline.orders.placing import (
    OrderLineRequest,
    clean_shipping,
    fingerprint,
    may_override_prices,
    price_lines,
    products_named,
    resolve_products,
)
from heartline.timeline.batch import InteractionInput, interactions_record

MAX_FUTURE = datetime.timedelta(minutes=5)
MAX_BATCH = 200
SOURCE_CHANNEL: dict[str, str] = {Order.Source.PORTAL: "web", Order.Source.SHOP: "web"}

__all__ = [
    "OrderLineRequest",
    "OrderRequest",
    "TransitionRefused",
    "order_create",
    "order_place",
    "order_transition",
    "orders_create_many",
]


@dataclass(frozen=True)
class OrderRequest:
    """One order as a caller asks for it."""

    customer: Customer
    lines: Sequence[OrderLineRequest]
    source: str = Order.Source.API
    currency: str = "CNY"
    idempotency_key: str = ""
    tax_inclusive: bool | None = None
    discount_percent: Decimal | str = ZERO
    discount_amount: Decimal | str = ZERO
    shipping_address: dict[str, Any] | None = None
    notes: str = ""
    placed_at: datetime.datetime | None = None


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


class IdempotencyConflict(Conflict):
    def __init__(self, order: Order, key: str) -> None:
        super().__init__(
            _(
                "The idempotency key %(key)s was already used for order %(number)s with "
                "different content. Send the same request again to get that order, or use a "
                "new key for a new order."
            )
            % {"key": key[:60], "number": order.number},
            code="idempotency_key_reused",
            details={"order_id": order.pk, "number": order.number},
        )


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


@dataclass
class _Checked:
    index: int
    request: OrderRequest
    source: str
    currency: str
    key: str
    shipping: dict[str, str]
    notes: str
    fingerprint: str


def _check(actor: Any, index: int, request: OrderRequest) -> _Checked:
    """The request's own fields checked, and its fingerprint (no query)."""
    source = request.source
    if source not in Order.Source.values or source == Order.Source.QUOTE:
        raise ValidationError({"source": [_("Orders from quotes come from accepting the quote.")]})
    typed_prices = any(line.unit_price is not None for line in request.lines)
    if typed_prices and not may_override_prices(actor):
        raise PermissionDenied("orders.manage")
    currency = currency_code(request.currency)
    key = request.idempotency_key.strip()
    if len(key) > 200:
        raise ValidationError({"idempotency_key": [_("Keep the key under 200 characters.")]})
    placed_at = request.placed_at
    if placed_at is not None and placed_at > timezone.now() + MAX_FUTURE:
        raise ValidationError({"placed_at": [_("An order cannot be placed in the future.")]})
    shipping = clean_shipping(request.shipping_address)
    notes = request.notes.strip()
    return _Checked(
        index=index,
        request=request,
        source=source,
        currency=currency,
        key=key,
        shipping=shipping,
        notes=notes,
        fingerprint=fingerprint(
            request.customer,
            currency,
            request.lines,
            tax_inclusive=request.tax_inclusive,
            discount=[str(request.discount_percent), str(request.discount_amount)],
            shipping=shipping,
            notes=notes,
            placed_at=placed_at.isoformat() if placed_at else None,
        ),
    )


def _priced(checked: _Checked, products: dict[str, Any]) -> Placing:
    request = checked.request
    drafts, inclusive = price_lines(
        request.lines,
        resolve_products(request.lines, products),
        customer=request.customer,
        currency=checked.currency,
        channel=checked.source,
        tax_inclusive=request.tax_inclusive,
    )
    drafts = clean_lines(drafts)
    discount = (to_decimal(request.discount_percent), to_decimal(request.discount_amount))
    totals = totals_of(
        drafts,
        checked.currency,
        discount_percent=discount[0],
        discount_amount=discount[1],
        tax_inclusive=inclusive,
    )
    return Placing(
        customer=request.customer,
        source=checked.source,
        drafts=drafts,
        totals=totals,
        discount=discount,
        tax_inclusive=inclusive,
        key=checked.key or None,
        fingerprint=checked.fingerprint,
        shipping=checked.shipping,
        notes=checked.notes,
        placed_at=request.placed_at,
    )


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    if not prefix:
        return error
    if hasattr(error, "error_dict"):
        return ValidationError({f"{prefix}{k}": v for k, v in error.message_dict.items()})
    return ValidationError({prefix.rstrip("."): error.messages})


def _existing(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Order]:
    """Orders already placed under these (source, key) pairs, through the unique index."""
    if not keys:
        return {}
    if len(keys) == 1:
        source, key = next(iter(keys))
        try:  # get(): no ORDER BY, straight through the unique (source, key) index
            order = Order.objects.get(source=source, idempotency_key=key)
        except Order.DoesNotExist:
            return {}
        return {(source, key): order}
    match = Q()
    for source in {s for s, _k in keys}:
        match |= Q(source=source, idempotency_key__in=[k for s, k in keys if s == source])
    return {(o.source, o.idempotency_key or ""): o for o in Order.objects.filter(match)}


def _same_or_conflict(order: Order, fingerprint_: str, key: str) -> tuple[Order, bool]:
    if order.request_hash and order.request_hash != fingerprint_:
        raise IdempotencyConflict(order, key)
    return order, False


def _create(
    actor: Any, requests: Sequence[OrderRequest], *, batch: bool, retry: bool = True
) -> list[tuple[Order, bool]]:
    _require(actor, "orders.manage")
    checked: list[_Checked] = []
    for index, request in enumerate(requests):
        try:
            checked.append(_check(actor, index, request))
        except ValidationError as exc:
            raise _prefixed(exc, f"orders[{index}]." if batch else "") from exc
    existing = _existing({(c.source, c.key) for c in checked if c.key})
    slots: list[tuple[Order, bool] | int] = []
    todo: list[_Checked] = []
    first: dict[tuple[str, str], int] = {}
    for item in checked:
        pair = (item.source, item.key)
        if item.key and pair in existing:
            slots.append(_same_or_conflict(existing[pair], item.fingerprint, item.key))
        elif item.key and pair in first:
            if todo[first[pair]].fingerprint != item.fingerprint:
                raise ValidationError(
                    {"idempotency_key": [_("Two orders of the batch share the key %s.") % item.key]}
                )
            slots.append(first[pair])
        else:
            if item.key:
                first[pair] = len(todo)
            slots.append(len(todo))
            todo.append(item)
    products = products_named([line for item in todo for line in item.request.lines])
    placings: list[Placing] = []
    for item in todo:
        try:
            placings.append(_priced(item, products))
        except ValidationError as exc:
            raise _prefixed(exc, f"orders[{item.index}]." if batch else "") from exc
    try:
        placed = place_many(actor=actor, placings=placings)
    except IntegrityError:
        if not retry or not any(item.key for item in todo):
            raise
        return _create(actor, requests, batch=batch, retry=False)  # a concurrent twin won
    taken: set[int] = set()
    result: list[tuple[Order, bool]] = []
    for slot in slots:
        if isinstance(slot, int):
            result.append((placed[slot], slot not in taken))
            taken.add(slot)
        else:
            result.append(slot)
    return result


def order_create(
    *,
    actor: Any,
    customer: Customer,
    lines: Sequence[OrderLineRequest],
    source: str = Order.Source.API,
    currency: str = "CNY",
    idempotency_key: str = "",
    tax_inclusive: bool | None = None,
    discount_percent: Decimal | str = ZERO,
    discount_amount: Decimal | str = ZERO,
    shipping_address: dict[str, Any] | None = None,
    notes: str = "",
    placed_at: datetime.datetime | None = None,
) -> tuple[Order, bool]:
    """Place an order. Returns ``(order, created)``; a repeated (source, key) returns the
    order made the first time (``created`` False) and writes nothing."""
    request = OrderRequest(
        customer=customer,
        lines=lines,
        source=source,
        currency=currency,
        idempotency_key=idempotency_key,
        tax_inclusive=tax_inclusive,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        shipping_address=shipping_address,
        notes=notes,
        placed_at=placed_at,
    )
    return order_place(actor=actor, request=request)


def order_place(*, actor: Any, request: OrderRequest) -> tuple[Order, bool]:
    """:func:`order_create` for a request already gathered in an :class:`OrderRequest`."""
    return _create(actor, [request], batch=False)[0]


def orders_create_many(*, actor: Any, requests: Sequence[OrderRequest]) -> list[tuple[Order, bool]]:
    """Place many orders in one transaction (all or nothing); ``(order, created)`` each, in
    order. Errors name the order: ``orders[3].lines[0]``."""
    if not 1 <= len(requests) <= MAX_BATCH:
        raise ValidationError({"orders": [_("Send 1 to %(n)s orders.") % {"n": MAX_BATCH}]})
    return _create(actor, requests, batch=True)


def _placed_summary(order: Order, lines: int) -> str:
    return _("Order %(number)s placed (%(source)s): %(lines)s line(s), total %(total)s.") % {
        "number": order.number,
        "source": order.get_source_display(),
        "lines": lines,
        "total": format_money(order.total, order.currency),
    }


def place(*, actor: Any, placing: Placing) -> Order:
    """Write one decided order (callers check permissions): see :func:`place_many`."""
    return place_many(actor=actor, placings=[placing])[0]


def place_many(*, actor: Any, placings: Sequence[Placing]) -> list[Order]:
    """Write decided orders with set-based statements, in one transaction: the orders and
    their numbers, lines, first status steps, timeline rows, audit entries and events. An
    IntegrityError on (source, key) leaves nothing."""
    if not placings:
        return []
    staff = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        orders = []
        for p in placings:
            order = Order(
                customer=p.customer,
                source=p.source,
                quote=p.quote,
                idempotency_key=p.key,
                request_hash=p.fingerprint,
                placed_at=p.placed_at or now,
                shipping_address=p.shipping,
                notes=p.notes,
                created_by=staff,
            )
            apply_totals(
                order,
                p.totals,
                discount_percent=p.discount[0],
                discount_amount=p.discount[1],
                tax_inclusive=p.tax_inclusive,
            )
            orders.append(order)
        Order.objects.bulk_create(orders)
        for order in orders:
            order.number = number_for("O", order.pk, timezone.localtime(order.placed_at).year)
        Order.objects.bulk_update(orders, ["number"])
        lines = OrderLine.objects.bulk_create(
            [
                row
                for order, p in zip(orders, placings, strict=True)
                for row in line_rows(OrderLine, {"order": order}, p.drafts, p.totals)
            ]
        )
        steps = OrderStatusChange.objects.bulk_create(
            OrderStatusChange(
                order=order,
                from_status="",
                to_status=Order.Status.PLACED,
                at=order.placed_at,
                by=staff,
                via=order.source,
            )
            for order in orders
        )
        interactions_record(
            actor=actor,
            items=[
                InteractionInput(
                    customer_id=order.customer_id,
                    channel=SOURCE_CHANNEL.get(order.source, "system"),
                    direction="in",
                    occurred_at=order.placed_at,
                    topic=_("Order %(number)s") % {"number": order.number},
                    summary=_placed_summary(order, len(p.drafts)),
                    link_type="order",
                    link_id=str(order.pk),
                    source="order",
                    source_ref=f"{order.pk}:{Order.Status.PLACED}",
                )
                for order, p in zip(orders, placings, strict=True)
            ],
        )
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
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    for order, step in zip(orders, steps, strict=True):
        order.written_lines = by_order.get(order.pk, [])  # for the answer, not read back
        order.written_steps = [step]
    return orders
