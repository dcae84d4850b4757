"""API of orders: create from any system (idempotent), read, move through the lifecycle, and a
customer's order history. Quotes are in ``orders.api_quotes``.

Idempotency: every ``POST /orders`` carries a key, in the ``Idempotency-Key`` header or the
body's ``idempotency_key`` (the same value when both are sent). The key is stored on the order,
unique per source: a repeat answers 200 with the order the first request made, and a different
request under a used key is a 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status
from ninja.errors import HttpError

from heartline.core import audit
from heartline.core.api import CursorParams, Id, errors, permission, sign_cursor, unsign_cursor
from heartline.customers.models import Customer
from heartline.customers.selectors import (
    customer_for_user,
    customer_id_by_identifier,
    customers_for_user,
)
from heartline.orders import selectors
from heartline.orders.models import Order
from heartline.orders.schemas import (
    BatchIn,
    BatchOut,
    CustomerRefIn,
    OrderIn,
    OrderOut,
    OrderPage,
    StatusIn,
    batch_item_out,
    order_out,
    order_summary_out,
)
from heartline.orders.services import (
    OrderLineRequest,
    OrderRequest,
    order_place,
    order_transition,
    orders_create_many,
)

orders_router = Router(tags=["orders"])
customer_orders_router = Router(tags=["orders"])

VIEWED_FIELDS = ["lines", "shipping_address"]


def _identifier(ref: CustomerRefIn) -> tuple[str, str]:
    """The one identifier a reference without an id gives: (kind, as typed)."""
    return next(
        (k, v) for k in ("phone", "email", "member_no") if (v := getattr(ref, k)) is not None
    )


def _customer(request: HttpRequest, ref: CustomerRefIn) -> Customer:
    try:
        if ref.id is not None:
            return customer_for_user(request.user, ref.id)
        kind, raw = _identifier(ref)
        found = customer_id_by_identifier(request.user, kind=kind, raw=raw)
        if found is None:
            raise Customer.DoesNotExist
        return customer_for_user(request.user, found)
    except Customer.DoesNotExist as exc:
        raise ValidationError({"customer": [_("There is no such customer.")]}) from exc


def _key(header: str | None, body: str | None) -> str:
    header = (header or "").strip() or None
    body = (body or "").strip() or None
    if header and body and header != body:
        raise ValidationError(
            {"idempotency_key": [_("The Idempotency-Key header and the body's key differ.")]}
        )
    key = header or body
    if not key:
        raise ValidationError(
            {
                "idempotency_key": [
                    _("Give an idempotency key (Idempotency-Key header or idempotency_key).")
                ]
            }
        )
    if len(key) > 200 or "\x00" in key:
        raise ValidationError({"idempotency_key": [_("Keep the key under 200 characters.")]})
    return key


def full_order(request: HttpRequest, order: Order) -> dict[str, Any]:
    return order_out(
        order,
        selectors.order_lines(request.user, order),
        selectors.order_history(request.user, order),
    )


def _order_request(payload: OrderIn, customer: Customer, key: str) -> OrderRequest:
    return OrderRequest(
        customer=customer,
        source=payload.source,
        currency=payload.currency,
        idempotency_key=key,
        tax_inclusive=payload.tax_inclusive,
        discount_percent=payload.discount_percent,
        discount_amount=payload.discount_amount,
        shipping_address=payload.shipping_address.model_dump() if payload.shipping_address else {},
        notes=payload.notes,
        placed_at=payload.placed_at,
        lines=[
            OrderLineRequest(
                sku=line.sku or "",
                product_id=line.product_id,
                quantity=str(line.quantity),
                unit_price=line.unit_price,
                description=line.description,
                discount_percent=line.discount_percent,
            )
            for line in payload.lines
        ],
    )


@orders_router.post(
    "",
    response={200: OrderOut, 201: OrderOut, **errors(409)},
    summary="Place an order (201; 200 with the same order when the idempotency key repeats)",
)
@permission("orders.manage")
def create(
    request: HttpRequest,
    payload: OrderIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Status:
    key = _key(idempotency_key, payload.idempotency_key)
    customer = _customer(request, payload.customer)
    order, created = order_place(actor=request.user, request=_order_request(payload, customer, key))
    return Status(201 if created else 200, full_order(request, order))


def _batch_customers(request: HttpRequest, refs: list[CustomerRefIn]) -> list[Customer]:
    """The customers of a batch in one query (those named by an identifier are looked up by
    it first, one indexed probe each)."""
    wanted: list[int | None] = []
    for ref in refs:
        if ref.id is not None:
            wanted.append(ref.id)
            continue
        kind, raw = _identifier(ref)
        try:
            wanted.append(customer_id_by_identifier(request.user, kind=kind, raw=raw))
        except ValidationError:
            wanted.append(None)
    ids = {pk for pk in wanted if pk is not None}
    known = {c.pk: c for c in customers_for_user(request.user).filter(pk__in=ids)}
    missing = [index for index, pk in enumerate(wanted) if pk not in known]
    if missing:
        raise ValidationError(
            {f"orders[{i}].customer": [_("There is no such customer.")] for i in missing}
        )
    return [known[pk] for pk in wanted if pk is not None]


@orders_router.post(
    "/batch",
    response={200: BatchOut, **errors(409)},
    summary="Place up to 200 orders at once (all or nothing; each with its idempotency key)",
)
@permission("orders.manage")
def create_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    missing = [i for i, order in enumerate(payload.orders) if not order.idempotency_key]
    if missing:
        raise ValidationError(
            {f"orders[{i}].idempotency_key": [_("Each order needs its key.")] for i in missing}
        )
    customers = _batch_customers(request, [order.customer for order in payload.orders])
    placed = orders_create_many(
        actor=request.user,
        requests=[
            _order_request(order, customer, order.idempotency_key or "")
            for order, customer in zip(payload.orders, customers, strict=True)
        ],
    )
    return {"items": [batch_item_out(order, created) for order, created in placed]}


@orders_router.get("/{order_id}", response={200: OrderOut, **errors(404)}, summary="An order")
@permission("orders.view")
def read(request: HttpRequest, order_id: Annotated[Id, Path()]) -> dict[str, Any]:
    order = selectors.order_for_user(request.user, order_id)
    audit.record_view(actor=request.user, obj=order, fields=VIEWED_FIELDS)
    return full_order(request, order)


@orders_router.post(
    "/{order_id}/status",
    response={200: OrderOut, **errors(404, 409)},
    summary="Move an order on in its lifecycle (409 when the lifecycle refuses)",
)
@permission("orders.manage")
def status(
    request: HttpRequest, order_id: Annotated[Id, Path()], payload: StatusIn
) -> dict[str, Any]:
    order = selectors.order_for_user(request.user, order_id)
    order, _changed = order_transition(
        actor=request.user,
        order=order,
        to_status=payload.status,
        at=payload.at,
        note=payload.note,
        via="api",
    )
    return full_order(request, order)


@customer_orders_router.get(
    "/{customer_id}/orders",
    response={200: OrderPage, **errors(404)},
    summary="A customer's orders, newest first",
)
@permission("orders.view")
def customer_orders(
    request: HttpRequest, customer_id: Annotated[Id, Path()], page: Query[CursorParams]
) -> dict[str, Any]:
    header = selectors.customer_header(request.user, customer_id)
    if header is None:
        raise Customer.DoesNotExist
    before = None
    if page.cursor:
        value = unsign_cursor(request, page.cursor)
        at = parse_datetime(value[0]) if isinstance(value, list) and len(value) == 2 else None
        if at is None or not isinstance(value[1], int) or isinstance(value[1], bool):
            raise HttpError(400, _("The cursor is not valid."))
        before = (at, value[1])
    rows = selectors.customer_orders(request.user, customer_id, before=before, limit=page.limit + 1)
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        last = rows[-1]
        next_cursor = sign_cursor(request, [last["placed_at"].isoformat(), last["id"]])
    audit.record(
        actor=request.user,
        action="view",
        object_type="customers.customer",
        object_id=str(customer_id),
        object_label=header["name"],
        changes={"fields": ["orders"]},
    )
    return {"items": [order_summary_out(r) for r in rows], "next_cursor": next_cursor}


def _mounted() -> Router:
    """Everything of this app under one router, mounted once at the API root."""
    from heartline.orders.api_quotes import quotes_router

    root = Router()
    root.add_router("/orders", orders_router)
    root.add_router("/customers", customer_orders_router)
    root.add_router("/quotes", quotes_router)
    return root


orders_api = _mounted()
