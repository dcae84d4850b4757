"""Schemas of the catalogue API. Amounts and quantities travel as strings (exact decimals).

A JSON number is read as a binary float by most clients and parsers, so ``0.1`` may arrive as
``0.1000000000000000055…``. Every amount, quantity and rate is therefore a string in both
directions, declared in the OpenAPI document as ``{"type": "string", "pattern": …}``, and
parsed into a :class:`decimal.Decimal` only after it matched the pattern.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, WithJsonSchema

from heartline.catalogue.money import DEFAULT_CURRENCY, currencies
from heartline.core.api import MAX_ID, InSchema, PlainText

PRICE_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"
# more than zero, at most 9 digits before the point and 3 after
QUANTITY_PATTERN = r"^([1-9][0-9]{0,8}(\.[0-9]{1,3})?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
RATE_PATTERN = r"^0(\.[0-9]{1,4})?$"
DECIMAL_OUT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
SKU_INPUT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _decimal_text(pattern: str, example: str) -> Callable[[Any], Any]:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f'Write the number as a string like "{example}".')
        return value

    return check


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        raise ValueError("Write the date as YYYY-MM-DD, e.g. 2025-01-31.")
    return value


def _currency(value: Any) -> Any:
    if not isinstance(value, str) or value not in currencies():
        raise ValueError("Give an ISO 4217 currency code in capitals, e.g. CNY, USD or EUR.")
    return value


UnitPriceIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text(PRICE_PATTERN, "128.00")),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PRICE_PATTERN,
            "examples": ["128.00"],
            "description": "an exact decimal as a string: up to 14 digits, 4 after the point",
        }
    ),
]
QuantityIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text(QUANTITY_PATTERN, "10")),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": QUANTITY_PATTERN,
            "examples": ["1", "2.5"],
            "description": "more than zero, as a string: up to 9 digits before the point, 3 after",
        }
    ),
]
DecimalOut = Annotated[
    str, Field(pattern=DECIMAL_OUT_PATTERN, examples=["99.99"], description="an exact decimal")
]
CurrencyCode = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(currencies()),
            "examples": [DEFAULT_CURRENCY],
            "description": "ISO 4217 code",
        }
    ),
]
IsoDate = Annotated[
    datetime.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2025-01-31"]}),
]
Sku = Annotated[str, Field(pattern=SKU_INPUT_PATTERN, examples=["TEA-001"])]
Name = Annotated[PlainText, Field(max_length=200)]
Description = Annotated[PlainText, Field(max_length=5000)]
Unit = Annotated[PlainText, Field(max_length=20)]
ListName = Annotated[PlainText, Field(min_length=1, max_length=120)]


def _json_integer(value: Any) -> Any:
    """A JSON integer (``5`` or ``5.0``, as JSON Schema has it), not ``"5"`` nor ``true``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Give a whole number.")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("Give a whole number.")
    return int(value)


# In bodies a number is a number and a flag true or false: "5", 0 or "yes" are refused.
Priority = Annotated[int, Field(ge=0, le=32767), BeforeValidator(_json_integer)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]
Flag = StrictBool


# --- Products --------------------------------------------------------------------------------
class ProductIn(InSchema):
    """A product or service. Give the name in English, in Chinese, or both."""

    sku: Sku = Field(..., description="stored trimmed and in capitals; unique")
    kind: Literal["product", "service"] = "product"
    name_en: Name = ""
    name_zh: Name = ""
    description_en: Description = ""
    description_zh: Description = ""
    category_id: BodyId | None = None
    unit: Unit = ""
    active: Flag = True


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unset() -> Any:
    """The default of a PATCH field that may be left out but not sent as null."""
    return Field(None, json_schema_extra=_no_default)


class ProductPatch(InSchema):
    """Only the fields sent change; ``category_id: null`` takes the product out of its category."""

    sku: Sku = unset()
    kind: Literal["product", "service"] = unset()
    name_en: Name = unset()
    name_zh: Name = unset()
    description_en: Description = unset()
    description_zh: Description = unset()
    category_id: BodyId | None = None
    unit: Unit = unset()
    active: Flag = unset()


class CategoryOut(Schema):
    id: int
    name_en: str
    name_zh: str
    tax_rate: DecimalOut = Field(..., description="0.13 for 13 %")


class CategoryList(Schema):
    items: list[CategoryOut]


class ImageOut(Schema):
    id: int
    url: str = Field(..., description="served to a signed-in browser session")
    content_type: str
    width: int
    height: int
    position: int


class ProductOut(Schema):
    id: int
    sku: str
    kind: str
    name: str = Field(..., description="in the language of the request, else the other one")
    name_en: str
    name_zh: str
    description_en: str
    description_zh: str
    category: CategoryOut | None
    tax_rate: DecimalOut
    unit: str
    active: bool
    images: list[ImageOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class PriceLineOut(Schema):
    gross: DecimalOut
    discount: DecimalOut
    net: DecimalOut = Field(..., description="without tax")
    tax: DecimalOut
    total: DecimalOut = Field(..., description="with tax")


class PriceOut(Schema):
    product_id: int
    sku: str
    quantity: DecimalOut
    currency: str
    unit_price: DecimalOut = Field(..., description="what the customer pays per unit")
    list_price: DecimalOut = Field(..., description="the price list's price, before adjustments")
    tax_rate: DecimalOut
    tax_inclusive: bool
    price_list_id: int | None
    reasons: list[str]
    line: PriceLineOut = Field(..., description="the totals of one line of this quantity")


# --- Price lists -----------------------------------------------------------------------------
class PriceListIn(InSchema):
    name: ListName
    currency: CurrencyCode = DEFAULT_CURRENCY
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = Field(None, description="inclusive; not before valid_from")
    tax_inclusive: Flag = False
    priority: Priority = Field(100, description="where lists overlap, the lowest number wins")
    active: Flag = True


class PriceListPatch(InSchema):
    """Only the fields sent change; the currency only while the list has no prices."""

    name: ListName = unset()
    currency: CurrencyCode = unset()
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    tax_inclusive: Flag = unset()
    priority: Priority = unset()
    active: Flag = unset()


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    tax_inclusive: bool
    priority: int
    active: bool
    item_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PriceListPage(Schema):
    items: list[PriceListOut]
    next_cursor: str | None


class ItemIn(InSchema):
    """The price of a product from a quantity on; an existing break is replaced."""

    product_id: BodyId
    min_quantity: QuantityIn = Field(Decimal(1), description="the break: from this quantity")
    unit_price: UnitPriceIn


class ItemOut(Schema):
    id: int
    product_id: int
    sku: str
    min_quantity: DecimalOut
    unit_price: DecimalOut


class ItemPage(Schema):
    items: list[ItemOut]
    next_cursor: str | None
