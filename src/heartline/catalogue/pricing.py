"""The one price calculation: what a product costs a customer, in a currency, on a day.

Deals, quotes, orders and (later) the portal and the IVR all ask :func:`price_for`. The list
price comes from the active price list in the currency valid on the day (lowest priority
number first) and its quantity break; then every registered adjuster may change it — this is
where the Contact Rules will add member and rule-based prices — and says why, so the agent
and the customer see the same explanation on every channel.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
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
    """
    context = context or PriceContext()
    quantity = to_decimal(quantity)
    if quantity <= 0:
        raise ValidationError({"quantity": [_("The quantity must be more than zero.")]})
    currency = currency_code(currency)
    on = context.on or timezone.localdate()
    if not product.active:
        raise NoPrice(_("%(product)s is no longer sold.") % {"product": product.sku})
    items = PriceListItem.objects.filter(product=product, min_quantity__lte=quantity)
    if price_list is not None:
        items = items.filter(price_list=price_list)
    else:
        items = items.filter(price_list__in=PriceList.objects.filter(lists_valid_on(currency, on)))
    item = (
        items.select_related("price_list")
        .order_by("price_list__priority", "price_list_id", "-min_quantity")
        .first()
    )
    if item is None:
        raise NoPrice(
            _("%(product)s has no price in %(currency)s on %(day)s.")
            % {"product": product.sku, "currency": currency, "day": on.isoformat()}
        )
    reason = _("List price from %(list)s") % {"list": item.price_list.name}
    if item.min_quantity > 1:
        reason += " " + _("(from %(qty)s)") % {"qty": plain(item.min_quantity)}
    price = Price(
        product_id=product.pk,
        currency=item.price_list.currency,
        quantity=quantity,
        unit_price=item.unit_price,
        list_price=item.unit_price,
        tax_rate=product.tax_rate,
        tax_inclusive=item.price_list.tax_inclusive,
        price_list_id=item.price_list_id,
        reasons=(reason,),
    )
    for adjust in list(_ADJUSTERS):
        adjusted = adjust(price, context)
        if adjusted.unit_price < 0:
            adjusted = replace(adjusted, unit_price=Decimal(0))
        price = adjusted
    return price
