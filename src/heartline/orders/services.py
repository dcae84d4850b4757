"""Every write to orders: placing them from any source (idempotently, one or many) and their
lifecycle.

* :func:`order_create` — the one way in for the API, and later the portal and shops: lines
  by product (priced by :func:`heartline.catalogue.pricing.prices_for` unless a price is
  given, which needs ``orders.manage``), totals by the one calculation, and an idempotency
  key per source: the same (source, key) answers the order it made, and a different request
  under a used key is a :class:`~heartline.core.errors.Conflict` (HTTP 409).
  :func:`orders_create_many` does the same for a batch, in one transaction with set-based
  writes (all or nothing): the statements of a batch do not grow with its orders — one
  query for the known keys, one for the products, one per currency for the prices, then
  ``writing.place_many``.
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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.models import Product
from heartline.catalogue.money import ZERO, currency_code, to_decimal
from heartline.catalogue.pricing import NoPrice, Price, PriceContext, prices_for
from heartline.core.errors import Conflict
from heartline.customers.models import Customer
from heartline.orders.documents import clean_lines, totals_of
from heartline.orders.lifecycle import TransitionRefused, order_transition
from heartline.orders.models import Order
from heartline.orders.placing import (
    OrderLineRequest,
    clean_shipping,
    fingerprint,
    list_priced,
    may_override_prices,
    price_lines,
    products_named,
    resolve_products,
)
from heartline.orders.writing import Placing, place_many

MAX_FUTURE = datetime.timedelta(minutes=5)
MAX_BATCH = 200

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


def _priced(
    checked: _Checked, products: list[Product | None], prices: list[Price | NoPrice]
) -> Placing:
    request = checked.request
    drafts, inclusive = price_lines(
        request.lines,
        products,
        customer=request.customer,
        currency=checked.currency,
        channel=checked.source,
        tax_inclusive=request.tax_inclusive,
        prices=prices,
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


def _prices(
    todo: Sequence[_Checked], products: Sequence[list[Product | None]]
) -> list[list[Price | NoPrice]]:
    """The list prices of every order's lines that need one, one query per currency of the
    batch (:func:`heartline.catalogue.pricing.prices_for`), each for its order's customer."""
    wanted = [list_priced(c.request.lines, p) for c, p in zip(todo, products, strict=True)]
    by_currency: dict[str, list[tuple[int, int]]] = {}  # currency -> (order, line) pairs
    for n, (item, indexes) in enumerate(zip(todo, wanted, strict=True)):
        by_currency.setdefault(item.currency, []).extend((n, i) for i in indexes)
    found: dict[tuple[int, int], Price | NoPrice] = {}
    for currency, pairs in by_currency.items():
        items: list[tuple[Product, Decimal | int | str]] = []
        contexts: list[PriceContext] = []
        for n, i in pairs:
            product = products[n][i]
            assert product is not None  # list_priced names lines with a product
            items.append((product, todo[n].request.lines[i].quantity))
            contexts.append(
                PriceContext(customer_id=todo[n].request.customer.pk, channel=todo[n].source)
            )
        results = prices_for(items, currency=currency, contexts=contexts)
        found.update(zip(pairs, results, strict=True))
    return [[found[n, i] for i in indexes] for n, indexes in enumerate(wanted)]


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


def _decide(todo: Sequence[_Checked], *, batch: bool) -> list[Placing]:
    """The orders to write, priced and totalled: the products of every line in one query,
    their list prices in one query per currency; errors name the order in a batch."""
    named = products_named([line for item in todo for line in item.request.lines])
    resolved: list[list[Product | None]] = []
    for item in todo:
        try:
            resolved.append(resolve_products(item.request.lines, named))
        except ValidationError as exc:
            raise _prefixed(exc, f"orders[{item.index}]." if batch else "") from exc
    placings: list[Placing] = []
    for item, products, prices in zip(todo, resolved, _prices(todo, resolved), strict=True):
        try:
            placings.append(_priced(item, products, prices))
        except ValidationError as exc:
            raise _prefixed(exc, f"orders[{item.index}]." if batch else "") from exc
    return placings


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
    placings = _decide(todo, batch=batch)
    try:
        placed = place_many(actor=actor, placings=placings, answer=not batch)
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
