"""Template filters of the catalogue pages: exact amounts, quantities and rates as text."""

from __future__ import annotations

from decimal import Decimal

from django import template

from heartline.catalogue.money import plain, price_text

register = template.Library()


@register.filter
def unit_price(amount: Decimal, currency: str) -> str:
    """``{{ item.unit_price|unit_price:list.currency }}`` → ``33.30`` (more digits if any)."""
    return price_text(amount, currency)


@register.filter
def quantity(value: Decimal) -> str:
    """``10`` rather than ``10.000``."""
    return plain(value)


@register.filter
def percent(rate: Decimal) -> str:
    """A tax rate of ``0.1300`` as ``13``."""
    return plain(rate * 100)
