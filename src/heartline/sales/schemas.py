"""Schemas of the sales API. Amounts, quantities and rates travel as strings holding exact
decimals (as in the catalogue API): a JSON number would be read as a binary float."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from heartline.core.api import CursorParams, Id, InSchema, PlainText

AMOUNT_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"
QUANTITY_PATTERN = r"^([1-9][0-9]{0,8}(\.[0-9]{1,3})?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
PERCENT_PATTERN = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$"
RATE_PATTERN = r"^0(\.[0-9]{1,4})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RequirableField = Literal[
    "amount", "expected_close", "owner", "lines", "competitors", "lost_reason"
]


def _text(pattern: str, example: str) -> Callable[[Any], Any]:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f'Write the number as a string like "{example}".')
        return value

    return check


def _schema(pattern: str, example: str, description: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": pattern, "examples": [example], "description": description}
    )


AmountIn = Annotated[
    Decimal,
    BeforeValidator(_text(AMOUNT_PATTERN, "12800.00")),
    _schema(AMOUNT_PATTERN, "12800.00", "an exact decimal: up to 14 digits, 4 after the point"),
]
QuantityIn = Annotated[
    Decimal,
    BeforeValidator(_text(QUANTITY_PATTERN, "2")),
    _schema(QUANTITY_PATTERN, "2", "more than zero: up to 9 digits, 3 after the point"),
]
PercentIn = Annotated[
    Decimal,
    BeforeValidator(_text(PERCENT_PATTERN, "10")),
    _schema(PERCENT_PATTERN, "10", "a percentage 0–100, two decimals at most"),
]
RateIn = Annotated[
    Decimal,
    BeforeValidator(_text(RATE_PATTERN, "0.13")),
    _schema(RATE_PATTERN, "0.13", "a tax rate from 0 to below 1 (0.13 for 13 %)"),
]


def _iso_date(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        raise ValueError("Write the date as YYYY-MM-DD, e.g. 2027-01-31.")
    return value


IsoDate = Annotated[
    datetime.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2027-01-31"]}),
]
Currency = Annotated[str, Field(pattern=CURRENCY_PATTERN, examples=["CNY"])]
Money = Annotated[str, Field(examples=["12800.00"], description="an exact decimal")]


class StageOut(Schema):
    id: int
    name: str
    name_en: str
    name_zh: str
    position: int
    kind: Literal["open", "won", "lost"]
    probability: int
    required_fields: list[str]


class PipelineOut(Schema):
    id: int
    name: str
    name_en: str
    name_zh: str
    currency: str
    no_skipping: bool
    position: int
    active: bool
    stages: list[StageOut]


class PipelineList(Schema):
    items: list[PipelineOut]


class LostReasonOut(Schema):
    id: int
    name: str
    name_en: str
    name_zh: str


class LostReasonList(Schema):
    items: list[LostReasonOut]


class DealLineIn(InSchema):
    """A product line: give ``product_id`` and the price comes from the catalogue (for the
    deal's customer, currency and this quantity), or give ``unit_price`` (and a description)."""

    quantity: QuantityIn
    product_id: Id | None = None
    description: Annotated[PlainText, Field(max_length=300)] = ""
    unit_price: AmountIn | None = None
    discount_percent: PercentIn = Decimal(0)
    tax_rate: RateIn | None = None


class DealLineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    gross: Money
    discount: Money
    net: Money
    tax: Money
    total: Money


class TotalsOut(Schema):
    gross: Money
    discount: Money
    net: Money
    tax: Money
    total: Money


class DealOut(Schema):
    id: int
    title: str
    customer_id: int
    pipeline_id: int
    stage_id: int
    status: Literal["open", "won", "lost"]
    amount: Money | None
    currency: str
    tax_inclusive: bool
    expected_close: datetime.date | None
    owner_id: int | None
    competitors: list[str]
    lost_reason_id: int | None
    lost_note: str
    source: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    stage_entered_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class DealDetailOut(DealOut):
    lines: list[DealLineOut]
    totals: TotalsOut | None = Field(..., description="null when the deal has no lines")


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    at: datetime.datetime
    by_id: int | None
    via: str


class StageChangeList(Schema):
    items: list[StageChangeOut]


Title = Annotated[PlainText, Field(min_length=1, max_length=200)]
Competitors = Annotated[list[Annotated[PlainText, Field(max_length=100)]], Field(max_length=20)]


class DealIn(InSchema):
    customer_id: Id
    title: Title
    pipeline_id: Id | None = Field(None, description="default: the first active pipeline")
    stage_id: Id | None = Field(
        None, description="default: the first open stage; another is reached by a move"
    )
    amount: AmountIn | None = Field(None, description="ignored when lines are given")
    currency: Currency | None = Field(None, description="default: the pipeline's currency")
    tax_inclusive: bool = False
    expected_close: IsoDate | None = None
    owner_id: Id | None = Field(None, description="default: you")
    competitors: Competitors = []
    lines: Annotated[list[DealLineIn], Field(max_length=100)] = []
    lost_reason_id: Id | None = Field(None, description="when stage_id is a lost stage")


class DealPatch(InSchema):
    """Only the fields given change; ``null`` empties a field. ``lines`` replaces every line."""

    title: Title | None = None
    amount: AmountIn | None = None
    currency: Currency | None = None
    tax_inclusive: bool | None = None
    expected_close: IsoDate | None = None
    owner_id: Id | None = None
    competitors: Competitors | None = None
    lines: Annotated[list[DealLineIn], Field(max_length=100)] | None = None


class MoveIn(InSchema):
    stage_id: Id
    lost_reason_id: Id | None = Field(None, description="required to move to a lost stage")
    lost_note: Annotated[PlainText, Field(max_length=300)] = ""
    after_id: Id | None = Field(None, description="place the card after this deal of the stage")
    before_id: Id | None = Field(None, description="…or before this one")
    position: Literal["top", "bottom"] | None = Field(None, description="…or here (default top)")


class DealFiltersIn(CursorParams):
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    owner_id: Id | None = None
    customer_id: Id | None = None
    status: Literal["open", "won", "lost"] | None = None
    close_from: IsoDate | None = Field(None, description="expected close on or after")
    close_to: IsoDate | None = Field(None, description="expected close on or before")
    q: Annotated[PlainText, Field(max_length=100)] = Field(
        "", description="words of the title or the customer's name"
    )
