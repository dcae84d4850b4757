"""API schemas of quotes and orders, and how a stored document becomes JSON.

Amounts travel as decimal strings (``"1234.50"``), never JSON numbers: a number in an amount
field is refused (422) because a float cannot say 0.1 exactly.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import model_validator

from heartline.catalogue.money import round_money
from heartline.core.api import Id, InSchema, IsoDateTime, PlainText
from heartline.orders import lifecycle
from heartline.orders.models import DocumentLine, Order, Quote
from heartline.orders.rendering import plain, price_text

Money = Annotated[
    str,
    Field(
        pattern=r"^\d{1,12}(\.\d{1,4})?$",
        description='a decimal string, e.g. "19.90" (not a JSON number)',
        examples=["19.90"],
    ),
]
QuantityText = Annotated[
    str, Field(pattern=r"^\d{1,8}(\.\d{1,3})?$", description='e.g. "2" or "1.5"')
]
Quantity = Annotated[int, Field(ge=1, le=99_999_999)] | QuantityText
Percent = Annotated[
    str, Field(pattern=r"^\d{1,3}(\.\d{1,2})?$", description='0–100, e.g. "5" or "12.5"')
]
OrderStatus = Literal["placed", "paid", "shipped", "delivered", "returned", "refunded", "cancelled"]


class CustomerRefIn(InSchema):
    """The customer: their id, or exactly one identifier to look them up by."""

    id: Id | None = None
    phone: Annotated[PlainText, Field(min_length=1, max_length=40)] | None = None
    email: Annotated[PlainText, Field(min_length=1, max_length=254)] | None = None
    member_no: Annotated[PlainText, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CustomerRefIn:
        given = [v for v in (self.id, self.phone, self.email, self.member_no) if v is not None]
        if len(given) != 1:
            raise ValueError("Give exactly one of id, phone, email or member_no.")
        return self


class OrderLineIn(InSchema):
    sku: Annotated[PlainText, Field(min_length=1, max_length=64)] | None = None
    product_id: Id | None = None
    quantity: Quantity
    unit_price: Money | None = Field(
        None, description="overrides the price list (needs orders.manage)"
    )
    description: Annotated[PlainText, Field(max_length=300)] = ""
    discount_percent: Percent = "0"

    @model_validator(mode="after")
    def _names_a_product(self) -> OrderLineIn:
        if self.sku is None and self.product_id is None:
            raise ValueError("Name the product: sku or product_id.")
        return self


class ShippingIn(InSchema):
    name: Annotated[PlainText, Field(max_length=100)] = ""
    phone: Annotated[PlainText, Field(max_length=40)] = ""
    text: Annotated[PlainText, Field(max_length=300)] = ""
    city: Annotated[PlainText, Field(max_length=100)] = ""
    postcode: Annotated[PlainText, Field(max_length=20)] = ""
    country: Annotated[PlainText, Field(max_length=2)] = ""


class OrderIn(InSchema):
    customer: CustomerRefIn
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")] = "CNY"
    idempotency_key: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = Field(
        None, description="or the Idempotency-Key header (the same value if both are sent)"
    )
    source: Literal["api", "shop"] = "api"
    tax_inclusive: bool | None = Field(
        None, description="whether unit prices include tax; default: as the price lists"
    )
    discount_percent: Percent = "0"
    discount_amount: Money = "0"
    shipping_address: ShippingIn | None = None
    notes: Annotated[PlainText, Field(max_length=4000)] = ""
    placed_at: IsoDateTime | None = Field(None, description="when it was placed (default: now)")


class BatchIn(InSchema):
    orders: Annotated[list[OrderIn], Field(min_length=1, max_length=200)]


class BatchItemOut(Schema):
    id: int
    number: str
    created: bool
    status: str
    currency: str
    total: str


class BatchOut(Schema):
    items: list[BatchItemOut]


class StatusIn(InSchema):
    status: OrderStatus
    note: Annotated[PlainText, Field(max_length=500)] = ""
    at: IsoDateTime | None = None


class OrderLineOut(Schema):
    position: int
    product_id: int | None
    sku: str
    description: str
    unit: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    gross: str
    discount: str
    net: str
    tax: str
    total: str


class StepOut(Schema):
    from_status: str
    to_status: str
    at: datetime.datetime
    via: str
    note: str


class _DocumentOut(Schema):
    id: int
    number: str
    customer_id: int
    status: str
    currency: str
    tax_inclusive: bool
    discount_percent: str
    discount_amount: str
    gross: str
    discount: str
    net: str
    tax: str
    total: str
    tax_breakdown: dict[str, str]
    lines: list[OrderLineOut]
    created_at: datetime.datetime


class OrderOut(_DocumentOut):
    source: str
    quote_id: int | None
    idempotency_key: str | None
    placed_at: datetime.datetime
    paid_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    refunded_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    allowed_next: list[str]
    shipping_address: dict[str, str]
    notes: str
    history: list[StepOut]


class OrderSummaryOut(Schema):
    id: int
    number: str
    status: str
    source: str
    currency: str
    total: str
    placed_at: datetime.datetime


class OrderPage(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None


class QuoteFromDealIn(InSchema):
    deal_id: Id
    language: Literal["en", "zh-hans"] | None = None
    valid_until: datetime.date | None = None


class SendIn(InSchema):
    to: Annotated[PlainText, Field(max_length=254)] = Field(
        "", description="default: the customer's first e-mail address"
    )
    note: Annotated[PlainText, Field(max_length=2000)] = ""


class AnswerIn(InSchema):
    note: Annotated[PlainText, Field(max_length=1000)] = ""


class QuoteOut(_DocumentOut):
    deal_id: int | None
    title: str
    language: str
    valid_until: datetime.date
    terms: str
    sent_at: datetime.datetime | None
    sent_to: str
    answered_at: datetime.datetime | None
    answered_by: str
    answer_note: str
    order_id: int | None


def money_text(value: Decimal, currency: str) -> str:
    return str(round_money(Decimal(value), currency))


def line_out(row: DocumentLine, currency: str) -> dict[str, Any]:
    return {
        "position": row.position,
        "product_id": row.product_id,
        "sku": row.sku,
        "description": row.description,
        "unit": row.unit,
        "quantity": plain(row.quantity),
        "unit_price": price_text(row.unit_price, currency),
        "discount_percent": plain(row.discount_percent),
        "tax_rate": plain(row.tax_rate),
        **{k: money_text(getattr(row, k), currency) for k in ("gross", "discount", "net", "tax")},
        "total": money_text(row.total, currency),
    }


def _document_out(doc: Order | Quote, lines: list[DocumentLine]) -> dict[str, Any]:
    currency = doc.currency
    return {
        "id": doc.pk,
        "number": doc.number or "",
        "customer_id": doc.customer_id,
        "status": doc.status,
        "currency": currency,
        "tax_inclusive": doc.tax_inclusive,
        "discount_percent": plain(doc.discount_percent),
        "discount_amount": money_text(doc.discount_amount, currency),
        **{k: money_text(getattr(doc, k), currency) for k in ("gross", "discount", "net", "tax")},
        "total": money_text(doc.total, currency),
        "tax_breakdown": dict(doc.tax_breakdown),
        "lines": [line_out(row, currency) for row in lines],
        "created_at": doc.created_at,
    }


def order_out(order: Order, lines: list[Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **_document_out(order, lines),
        "source": order.source,
        "quote_id": order.quote_id,
        "idempotency_key": order.idempotency_key,
        **{
            field: getattr(order, field)
            for field in (
                "placed_at",
                "paid_at",
                "shipped_at",
                "delivered_at",
                "returned_at",
                "refunded_at",
                "cancelled_at",
            )
        },
        "allowed_next": list(lifecycle.allowed_next(order.status)),
        "shipping_address": dict(order.shipping_address),
        "notes": order.notes,
        "history": [
            {k: step[k] for k in ("from_status", "to_status", "at", "via", "note")}
            for step in history
        ],
    }


def order_summary_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("id", "number", "status", "source", "currency", "placed_at")},
        "total": money_text(row["total"], row["currency"]),
    }


def batch_item_out(order: Order, created: bool) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number or "",
        "created": created,
        "status": order.status,
        "currency": order.currency,
        "total": money_text(order.total, order.currency),
    }


def quote_out(quote: Quote, lines: list[Any], order_id: int | None) -> dict[str, Any]:
    return {
        **_document_out(quote, lines),
        **{
            field: getattr(quote, field)
            for field in (
                "deal_id",
                "title",
                "language",
                "valid_until",
                "terms",
                "sent_at",
                "sent_to",
                "answered_at",
                "answered_by",
                "answer_note",
            )
        },
        "order_id": order_id,
    }
