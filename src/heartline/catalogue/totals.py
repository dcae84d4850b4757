"""The one totals calculation of deals, quotes and orders, exact to the minor unit (the fen).

Every document with lines — a deal's products, a quote, an order — asks :func:`compute_totals`
and stores what it returns; nothing else adds up money. By construction, in any currency:

* each line and the document: ``net + tax = total``, and ``gross − discount`` is ``net``
  (prices without tax) or ``total`` (tax-inclusive prices, where gross and discount include
  tax);
* the document: each figure is the sum of the lines' figures, and ``tax`` is the sum of
  ``tax_by_rate``.

Line amounts are rounded half up to the minor unit once (``quantity × unit price``); a
document discount is shared among the lines in proportion to their amounts, with the
leftover minor units going to the largest remainders, so the shares add up exactly. Tax is
computed per line (as on a Chinese VAT invoice) from the line's net amount — or, for
tax-inclusive prices, taken out of the line's total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from heartline.catalogue.money import (
    ZERO,
    currency_code,
    from_minor,
    round_money,
    to_decimal,
    to_minor,
)

HUNDRED = Decimal(100)
LIMIT = Decimal(10) ** 15  # amounts stay far inside Decimal's 28 digits: exact, never rounded


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO  # 0.13 for 13 %
    discount_percent: Decimal = ZERO  # 0–100, of the line's gross amount
    discount_amount: Decimal = ZERO  # an absolute line discount, after the percentage


@dataclass(frozen=True)
class LineTotals:
    gross: Decimal
    discount: Decimal  # the line's own discount plus its share of the document discount
    net: Decimal  # excluding tax
    tax: Decimal
    total: Decimal  # including tax


@dataclass(frozen=True)
class Totals:
    currency: str
    lines: tuple[LineTotals, ...]
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    tax_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def _clean_line(index: int, line: LineInput) -> LineInput:
    """``line`` with exact Decimals (floats refused), or a ValidationError naming the line."""
    clean = LineInput(
        quantity=to_decimal(line.quantity),
        unit_price=to_decimal(line.unit_price),
        tax_rate=to_decimal(line.tax_rate),
        discount_percent=to_decimal(line.discount_percent),
        discount_amount=to_decimal(line.discount_amount),
    )
    problems = []
    if clean.quantity <= 0:
        problems.append(_("The quantity must be more than zero."))
    if clean.unit_price < 0:
        problems.append(_("The unit price must not be negative."))
    if not ZERO <= clean.tax_rate < 1:
        problems.append(_("The tax rate must be between 0 and 1 (0.13 for 13 %)."))
    if not ZERO <= clean.discount_percent <= HUNDRED:
        problems.append(_("A discount percentage must be between 0 and 100."))
    if clean.discount_amount < 0:
        problems.append(_("A discount must not be negative."))
    if clean.quantity * clean.unit_price >= LIMIT or clean.discount_amount >= LIMIT:
        problems.append(_("The line's amount is too large."))
    if problems:
        raise ValidationError({f"lines[{index}]": problems})
    return clean


def _share(total_units: int, weights: Sequence[int]) -> list[int]:
    """``total_units`` split in proportion to ``weights``; the shares add up exactly."""
    whole = sum(weights)
    if total_units == 0 or whole == 0:
        return [0] * len(weights)
    shares = [total_units * w // whole for w in weights]
    remainders = [total_units * w % whole for w in weights]
    leftover = total_units - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        shares[i] += 1
    return shares


def compute_totals(
    lines: Sequence[LineInput],
    currency: str,
    *,
    discount_percent: Decimal = ZERO,
    discount_amount: Decimal = ZERO,
    tax_inclusive: bool = False,
) -> Totals:
    """Totals of ``lines`` in ``currency``, with an optional document discount.

    The document discount (a percentage, then an absolute amount) applies to the lines'
    amounts after their own discounts. With ``tax_inclusive`` the unit prices include tax.
    """
    currency = currency_code(currency)
    discount_percent = to_decimal(discount_percent)
    discount_amount = to_decimal(discount_amount)
    if not ZERO <= discount_percent <= HUNDRED:
        raise ValidationError({"discount_percent": [_("Must be between 0 and 100.")]})
    if not ZERO <= discount_amount < LIMIT:
        raise ValidationError(
            {"discount_amount": [_("A discount must not be negative or too large.")]}
        )
    lines = [_clean_line(index, line) for index, line in enumerate(lines)]
    gross_units: list[int] = []
    after_line: list[int] = []
    for index, line in enumerate(lines):
        gross = to_minor(round_money(line.quantity * line.unit_price, currency), currency)
        off = to_minor(
            round_money(from_minor(gross, currency) * line.discount_percent / HUNDRED, currency),
            currency,
        ) + to_minor(round_money(line.discount_amount, currency), currency)
        if off > gross:
            raise ValidationError(
                {f"lines[{index}]": [_("The discount is larger than the line's amount.")]}
            )
        gross_units.append(gross)
        after_line.append(gross - off)
    base = sum(after_line)
    document_off = to_minor(
        round_money(from_minor(base, currency) * discount_percent / HUNDRED, currency), currency
    ) + to_minor(round_money(discount_amount, currency), currency)
    if document_off > base:
        raise ValidationError(
            {"discount_amount": [_("The discount is larger than the amount of the lines.")]}
        )
    shares = _share(document_off, after_line)
    results: list[LineTotals] = []
    tax_by_rate: dict[Decimal, Decimal] = {}
    for line, gross, amount, share in zip(lines, gross_units, after_line, shares, strict=True):
        priced = from_minor(amount - share, currency)
        gross_amount = from_minor(gross, currency)
        if tax_inclusive:
            total = priced
            net = round_money(total / (1 + line.tax_rate), currency)
            tax = total - net
            discount = gross_amount - total
        else:
            net = priced
            tax = round_money(net * line.tax_rate, currency)
            total = net + tax
            discount = gross_amount - net
        results.append(LineTotals(gross_amount, discount, net, tax, total))
        rate = line.tax_rate.normalize()
        tax_by_rate[rate] = tax_by_rate.get(rate, from_minor(0, currency)) + tax
    zero = from_minor(0, currency)
    return Totals(
        currency=currency,
        lines=tuple(results),
        gross=sum((r.gross for r in results), zero),
        discount=sum((r.discount for r in results), zero),
        net=sum((r.net for r in results), zero),
        tax=sum((r.tax for r in results), zero),
        total=sum((r.total for r in results), zero),
        tax_by_rate=tax_by_rate,
    )
