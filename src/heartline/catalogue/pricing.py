"""The one price calculation: what a product costs a customer, in a currency, on a day.

Deals, quotes, orders and (later) the portal and the IVR all ask :func:`price_for` (or
:func:`prices_for` for many lines at once: the same calculation, one query). The list
price comes from the active price list in the currency valid on the day (lowest priority
number first) and its quantity break; then every registered adjuster may change it — this is
where the Contact Rules will add member and rule-based prices — and says why, so the agent
and the customer see the same explanation on every channel.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.models import PriceList, PriceListItem, Product
from heartline.catalogue.money import DEFAULT_CURRENCY, currency_code, plain, to_decimal


class NoPrice(LookupError):
    """The product has no price in that currency on that day."""


@dataclass(frozen=True)
class Price:
    product_id: int
    currency: str
    quantity: Decimal
    unit_price: Decimal
    list_price: Decimal
    tax_rate: Decimal
    tax_inclusive: bool
    price_list_id: int | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PriceContext:
    """What an adjuster may look at: who buys, on which channel, and anything the caller adds."""

    customer_id: int | None = None
    channel: str = ""
    on: datetime.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Adjuster = Callable[[Price, PriceContext], Price]
_ADJUSTERS: list[Adjuster] = []


def register_adjuster(adjuster: Adjuster) -> None:
    """Add a step after the list price (e.g. the Contact Rules' member prices)."""
    if adjuster not in _ADJUSTERS:
        _ADJUSTERS.append(adjuster)


def unregister_adjuster(adjuster: Adjuster) -> None:
    if adjuster in _ADJUSTERS:
        _ADJUSTERS.remove(adjuster)


def lists_valid_on(currency: str, on: datetime.date) -> Q:
    return (
        Q(currency=currency, active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )


def _positive(quantity: Decimal | int | str) -> Decimal:
    value = to_decimal(quantity)
    if value <= 0:
        raise ValidationError({"quantity": [_("The quantity must be more than zero.")]})
    return value


def price_for(
    product: Product,
    quantity: Decimal | int | str = 1,
    *,
    currency: str = DEFAULT_CURRENCY,
    context: PriceContext | None = None,
    price_list: PriceList | None = None,
) -> Price:
    """The unit price of ``quantity`` of ``product``; raises :class:`NoPrice` when none.

    An inactive product has no price; a quantity of zero or less is a ValidationError.
    (:func:`prices_for` of one item: there is one price calculation.)
    """
    result = prices_for(
        [(product, _positive(quantity))], currency=currency, context=context, price_list=price_list
    )[0]
    if isinstance(result, NoPrice):
        raise result
    return result


# One candidate price: (min_quantity, unit_price, list id, priority, list name, list currency,
# list tax_inclusive), as the one query of :func:`_candidates` reads them.
_Row = tuple[Decimal, Decimal, int, int, str, str, bool]
_ROW_FIELDS = (
    "product_id",
    "min_quantity",
    "unit_price",
    "price_list_id",
    "price_list__priority",
    "price_list__name",
    "price_list__currency",
    "price_list__tax_inclusive",
)


def _candidates(
    product_ids: set[int],
    top: Decimal,
    *,
    currency: str,
    on: datetime.date,
    price_list: PriceList | None,
) -> dict[int, list[_Row]]:
    """Every price the products could take up to quantity ``top``, in one query, each
    product's best first: lowest priority number, then the older list, then the largest
    break (the first one whose break a quantity reaches is its price)."""
    items = PriceListItem.objects.filter(product_id__in=product_ids, min_quantity__lte=top)
    if price_list is not None:
        items = items.filter(price_list=price_list)
    else:
        items = items.filter(price_list__in=PriceList.objects.filter(lists_valid_on(currency, on)))
    found: dict[int, list[_Row]] = {}
    rows = items.order_by("price_list__priority", "price_list_id", "-min_quantity").values_list(
        *_ROW_FIELDS
    )
    for product_id, *row in rows:
        found.setdefault(product_id, []).append(tuple(row))
    return found


def _list_price(
    product: Product,
    quantity: Decimal,
    rows: list[_Row],
    *,
    currency: str,
    on: datetime.date,
) -> Price | NoPrice:
    if not product.active:
        return NoPrice(_("%(product)s is no longer sold.") % {"product": product.sku})
    row = next((r for r in rows if r[0] <= quantity), None)
    if row is None:
        return NoPrice(
            _("%(product)s has no price in %(currency)s on %(day)s.")
            % {"product": product.sku, "currency": currency, "day": on.isoformat()}
        )
    min_quantity, unit_price, list_id, _priority, list_name, list_currency, inclusive = row
    reason = _("List price from %(list)s") % {"list": list_name}
    if min_quantity > 1:
        reason += " " + _("(from %(qty)s)") % {"qty": plain(min_quantity)}
    return Price(
        product_id=product.pk,
        currency=list_currency,
        quantity=quantity,
        unit_price=unit_price,
        list_price=unit_price,
        tax_rate=product.tax_rate,
        tax_inclusive=inclusive,
        price_list_id=list_id,
        reasons=(reason,),
    )


def _adjusted(price: Price, context: PriceContext) -> Price:
    for adjust in list(_ADJUSTERS):
        adjusted = adjust(price, context)
        if adjusted.unit_price < 0:
            adjusted = replace(adjusted, unit_price=Decimal(0))
        price = adjusted
    return price


def prices_for(
    items: Sequence[tuple[Product, Decimal | int | str]],
    *,
    currency: str = DEFAULT_CURRENCY,
    context: PriceContext | None = None,
    contexts: Sequence[PriceContext] | None = None,
    price_list: PriceList | None = None,
) -> list[Price | NoPrice]:
    """The price of each ``(product, quantity)``, in order: a :class:`Price`, or the
    :class:`NoPrice` (returned, not raised) that says why there is none.

    The same rules as :func:`price_for` with one query for all the items of a day: the
    valid lists in ``currency`` (or ``price_list``), the lowest priority number first, then
    the older list, then the quantity break; then every adjuster. ``contexts`` gives each
    item its own context (a batch of orders for different customers); otherwise every item
    has ``context``. A quantity of zero or less is a ValidationError naming the item
    (``items[2]``); products should come with their category (``select_related``).
    """
    if contexts is not None and len(contexts) != len(items):
        raise ValueError("prices_for() needs one context per item")
    each = list(contexts) if contexts is not None else [context or PriceContext()] * len(items)
    quantities: list[Decimal] = []
    errors: dict[str, list[str]] = {}
    for index, (_product, quantity) in enumerate(items):
        try:
            quantities.append(_positive(quantity))
        except ValidationError as exc:
            errors[f"items[{index}]"] = exc.messages
    if errors:
        raise ValidationError(errors)
    currency = currency_code(currency)
    today = timezone.localdate()
    days: dict[datetime.date, list[int]] = {}  # one query per day asked about (usually one)
    for index, ctx in enumerate(each):
        days.setdefault(ctx.on or today, []).append(index)
    results: dict[int, Price | NoPrice] = {}
    for on, indexes in days.items():
        sold = [i for i in indexes if items[i][0].active]
        rows: dict[int, list[_Row]] = {}
        if sold:
            rows = _candidates(
                {items[i][0].pk for i in sold},
                max(quantities[i] for i in sold),
                currency=currency,
                on=on,
                price_list=price_list,
            )
        for i in indexes:
            product = items[i][0]
            found = _list_price(
                product, quantities[i], rows.get(product.pk, []), currency=currency, on=on
            )
            results[i] = found if isinstance(found, NoPrice) else _adjusted(found, each[i])
    return [results[i] for i in range(len(items))]
