"""A deal's products: lines priced by the one price calculation, totalled by the one totals
calculation (``catalogue.pricing.price_for`` and ``catalogue.totals.compute_totals``).

A line with a product and no unit price takes the product's price for the deal's customer,
currency and quantity today. A price list whose prices include tax while the deal's do not
(or the other way round) is converted to the deal's convention, to the fourth decimal.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from heartline.catalogue.models import Product
from heartline.catalogue.money import ZERO, to_decimal
from heartline.catalogue.pricing import NoPrice, PriceContext, price_for
from heartline.catalogue.totals import LineInput, Totals, compute_totals
from heartline.sales.models import Deal, DealLine

MAX_LINES = 100
UNIT_PLACES = Decimal("0.0001")
MAX_QUANTITY = Decimal("999999999")
MAX_UNIT_PRICE = Decimal("99999999999999")


@dataclass(frozen=True)
class DealLineInput:
    """One line as a person or a client gives it. ``unit_price`` None: priced from the catalogue
    (needs ``product_id``); ``tax_rate`` None: the product's category rate, else 0."""

    quantity: Decimal | int | str
    product_id: int | None = None
    description: str = ""
    unit_price: Decimal | int | str | None = None
    discount_percent: Decimal | int | str = ZERO
    tax_rate: Decimal | int | str | None = None


def _number(value: object, field: str, index: int) -> Decimal:
    try:
        return to_decimal(value)
    except (ValidationError, TypeError) as exc:
        raise ValidationError(
            {f"lines[{index}]": [_("%(field)s is not a number.") % {"field": field}]}
        ) from exc


def _convert(unit: Decimal, rate: Decimal, *, from_inclusive: bool, to_inclusive: bool) -> Decimal:
    if from_inclusive == to_inclusive:
        return unit
    factor = 1 + rate
    converted = unit * factor if to_inclusive else unit / factor
    return converted.quantize(UNIT_PLACES, rounding=ROUND_HALF_UP)


def _price(
    product: Product,
    quantity: Decimal,
    *,
    index: int,
    currency: str,
    tax_inclusive: bool,
    customer_id: int,
    on: datetime.date | None,
) -> tuple[Decimal, Decimal]:
    try:
        price = price_for(
            product,
            quantity,
            currency=currency,
            context=PriceContext(customer_id=customer_id, channel="deal", on=on),
        )
    except NoPrice as exc:
        raise ValidationError({f"lines[{index}]": [str(exc)]}) from exc
    unit = _convert(
        price.unit_price,
        price.tax_rate,
        from_inclusive=price.tax_inclusive,
        to_inclusive=tax_inclusive,
    )
    return unit, price.tax_rate


def build_lines(
    inputs: Sequence[DealLineInput],
    *,
    currency: str,
    tax_inclusive: bool,
    customer_id: int,
    on: datetime.date | None = None,
) -> tuple[list[DealLine], Totals]:
    """Unsaved :class:`DealLine` rows for ``inputs`` (priced where asked) and their totals."""
    if len(inputs) > MAX_LINES:
        raise ValidationError({"lines": [_("A deal has at most %(n)s lines.") % {"n": MAX_LINES}]})
    wanted = {i.product_id for i in inputs if i.product_id is not None}
    products = Product.objects.select_related("category").in_bulk(wanted)
    rows: list[DealLine] = []
    for index, item in enumerate(inputs):
        quantity = _number(item.quantity, _("The quantity"), index)
        if not ZERO < quantity <= MAX_QUANTITY:
            raise ValidationError({f"lines[{index}]": [_("The quantity must be more than zero.")]})
        product = products.get(item.product_id) if item.product_id is not None else None
        if item.product_id is not None and product is None:
            raise ValidationError({f"lines[{index}]": [_("There is no such product.")]})
        description = item.description.strip()[:300]
        if product is None and not description:
            raise ValidationError(
                {f"lines[{index}]": [_("Choose a product or describe the line.")]}
            )
        if item.unit_price is not None:
            unit = _number(item.unit_price, _("The unit price"), index)
            rate = product.tax_rate if product is not None else ZERO
        elif product is not None:
            unit, rate = _price(
                product,
                quantity,
                index=index,
                currency=currency,
                tax_inclusive=tax_inclusive,
                customer_id=customer_id,
                on=on,
            )
        else:
            raise ValidationError(
                {f"lines[{index}]": [_("Give the unit price of a line without a product.")]}
            )
        if item.tax_rate is not None:
            rate = _number(item.tax_rate, _("The tax rate"), index)
        if not ZERO <= unit <= MAX_UNIT_PRICE:
            raise ValidationError(
                {f"lines[{index}]": [_("The unit price must be between 0 and 99,999,999,999,999.")]}
            )
        rows.append(
            DealLine(
                product=product,
                description=description or (product.name if product else ""),
                quantity=quantity.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                unit_price=unit.quantize(UNIT_PLACES, rounding=ROUND_HALF_UP),
                discount_percent=_number(item.discount_percent, _("The discount"), index).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                ),
                tax_rate=rate.quantize(UNIT_PLACES, rounding=ROUND_HALF_UP),
                position=index,
            )
        )
    return rows, totals_of(rows, currency=currency, tax_inclusive=tax_inclusive)


def totals_of(lines: Sequence[DealLine], *, currency: str, tax_inclusive: bool) -> Totals:
    """The one totals calculation over stored (or built) lines."""
    return compute_totals(
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
        tax_inclusive=tax_inclusive,
    )


def deal_totals(deal: Deal) -> Totals:
    return totals_of(
        list(deal.lines.all()), currency=deal.currency, tax_inclusive=deal.tax_inclusive
    )
