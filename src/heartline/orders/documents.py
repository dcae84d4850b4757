"""Lines and totals of quotes and orders: validated snapshots, totals from the one calculation.

Nothing here adds money up: :func:`totals_of` asks :func:`heartline.catalogue.totals.compute_totals`
and :func:`apply_totals` stores exactly what it answered, on the document and on each line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from heartline.catalogue.money import ZERO, currency_code, to_decimal
from heartline.catalogue.totals import LineInput, Totals, compute_totals
from heartline.orders.models import Document, DocumentLine

MAX_LINES = 500
# Amounts stay well inside the columns (18 digits, 4 after the point) on both databases.
MAX_AMOUNT = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 8


@dataclass(frozen=True)
class LineDraft:
    """One line as the caller means it; prices and tax rates are already decided."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO
    discount_percent: Decimal = ZERO
    product_id: int | None = None
    sku: str = ""
    unit: str = ""


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _line_problems(line: LineDraft) -> list[str]:
    problems: list[str] = []
    if not line.description.strip():
        problems.append(_("Each line needs a description."))
    if len(line.description) > 300:
        problems.append(_("Keep a line's description under 300 characters."))
    if line.quantity > MAX_QUANTITY or _places(line.quantity) > 3:
        problems.append(_("A quantity has at most 8 digits and 3 decimals."))
    if line.unit_price > MAX_AMOUNT or _places(line.unit_price) > 4:
        problems.append(_("A unit price is below 1,000,000,000,000 with at most 4 decimals."))
    if _places(line.discount_percent) > 2:
        problems.append(_("A discount percentage has at most 2 decimals."))
    if _places(line.tax_rate) > 4:
        problems.append(_("A tax rate has at most 4 decimals (0.13 for 13 %)."))
    return problems


def clean_lines(lines: Sequence[LineDraft]) -> list[LineDraft]:
    """The lines with exact Decimals, or a ValidationError naming each bad line."""
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [_("At most %(n)s lines.") % {"n": MAX_LINES}]})
    cleaned: list[LineDraft] = []
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        line = LineDraft(
            description=line.description.strip(),
            quantity=to_decimal(line.quantity),
            unit_price=to_decimal(line.unit_price),
            tax_rate=to_decimal(line.tax_rate),
            discount_percent=to_decimal(line.discount_percent),
            product_id=line.product_id,
            sku=line.sku.strip()[:64],
            unit=line.unit.strip()[:20],
        )
        problems = _line_problems(line)
        if problems:
            errors[f"lines[{index}]"] = problems
        cleaned.append(line)
    if errors:
        raise ValidationError(errors)
    return cleaned


def totals_of(
    lines: Sequence[LineDraft],
    currency: str,
    *,
    discount_percent: Decimal | str | int = ZERO,
    discount_amount: Decimal | str | int = ZERO,
    tax_inclusive: bool = False,
) -> Totals:
    """The totals of ``lines`` (already cleaned) from the one calculation."""
    currency = currency_code(currency)
    discount_percent, discount_amount = to_decimal(discount_percent), to_decimal(discount_amount)
    if _places(discount_percent) > 2:
        raise ValidationError({"discount_percent": [_("At most 2 decimals.")]})
    if discount_amount > MAX_AMOUNT or _places(discount_amount) > 4:
        raise ValidationError({"discount_amount": [_("The discount is too large.")]})
    totals = compute_totals(
        [
            LineInput(
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                discount_percent=line.discount_percent,
            )
            for line in lines
        ],
        currency,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_inclusive=tax_inclusive,
    )
    if max(totals.gross, totals.total) >= MAX_AMOUNT:
        raise ValidationError(_("The amount of this document is too large."))
    return totals


def breakdown(totals: Totals) -> dict[str, str]:
    """Tax per rate as exact strings, ordered by rate ("0.13" → "26.00")."""
    return {
        format(rate.normalize(), "f"): str(amount)
        for rate, amount in sorted(totals.tax_by_rate.items())
    }


def totals_values(
    totals: Totals,
    *,
    discount_percent: Decimal,
    discount_amount: Decimal,
    tax_inclusive: bool,
) -> dict[str, Any]:
    """The document's inputs and the totals the calculation returned for them, by column."""
    return {
        "currency": totals.currency,
        "discount_percent": discount_percent,
        "discount_amount": discount_amount,
        "tax_inclusive": tax_inclusive,
        "gross": totals.gross,
        "discount": totals.discount,
        "net": totals.net,
        "tax": totals.tax,
        "total": totals.total,
        "tax_breakdown": breakdown(totals),
    }


def apply_totals(
    document: Document,
    totals: Totals,
    *,
    discount_percent: Decimal,
    discount_amount: Decimal,
    tax_inclusive: bool,
) -> None:
    """Store the document's inputs and the totals the calculation returned for them."""
    values = totals_values(
        totals,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_inclusive=tax_inclusive,
    )
    for name, value in values.items():
        setattr(document, name, value)


L = TypeVar("L", bound=DocumentLine)


def line_values(
    parent: dict[str, Any], lines: Sequence[LineDraft], totals: Totals
) -> list[dict[str, Any]]:
    """The columns of each line for ``parent`` ({"quote": q}, or {"order_id": id} for a bulk
    insert): the draft and the amounts the totals calculation gave it."""
    return [
        {
            **parent,
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "description": line.description,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_rate": line.tax_rate,
            "gross": amounts.gross,
            "discount": amounts.discount,
            "net": amounts.net,
            "tax": amounts.tax,
            "total": amounts.total,
        }
        for position, (line, amounts) in enumerate(zip(lines, totals.lines, strict=True))
    ]


def line_rows(
    model: type[L], parent: dict[str, Any], lines: Sequence[LineDraft], totals: Totals
) -> list[L]:
    """Unsaved line rows of ``model`` for ``parent`` ({"quote": q} or {"order": o})."""
    return [model(**values) for values in line_values(parent, lines, totals)]


def drafts_of(rows: Sequence[DocumentLine]) -> list[LineDraft]:
    """Stored lines back as drafts (to copy a quote into an order, or to recompute)."""
    return [
        LineDraft(
            description=row.description,
            quantity=row.quantity,
            unit_price=row.unit_price,
            tax_rate=row.tax_rate,
            discount_percent=row.discount_percent,
            product_id=row.product_id,
            sku=row.sku,
            unit=row.unit,
        )
        for row in rows
    ]


def number_for(prefix: str, pk: int, year: int) -> str:
    """``Q-2026-000123``: the prefix, the year of creation and the id (unique by the id)."""
    return f"{prefix}-{year}-{pk:06d}"
