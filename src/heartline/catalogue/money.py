"""Money: exact decimals in an ISO 4217 currency, rounded to the currency's minor unit.

Amounts are :class:`decimal.Decimal` everywhere, never floats. A currency's minor unit comes
from the CLDR data shipped with Babel (CNY and USD 2 digits, JPY 0, KWD 3). Rounding is half
up ("四舍五入"), the convention of Chinese invoices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_CURRENCY = "CNY"
ZERO = Decimal(0)


@cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 code Babel knows."""
    return frozenset(list_currencies())


def currency_code(value: str) -> str:
    """``value`` as an upper-case ISO 4217 code, or a ValidationError a person can act on."""
    text = value if isinstance(value, str) else ""
    code = text.strip().upper()
    if code not in currencies():
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (for example CNY, USD, EUR).")
            % {"code": text[:10] or "—"},
            code="currency",
        )
    return code


@cache
def minor_digits(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (CNY 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for CNY (one fen), 1 for JPY."""
    return Decimal(1).scaleb(-minor_digits(currency))


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from a Decimal, int or string; floats are refused (they are inexact)."""
    if isinstance(value, float):
        raise TypeError("Money amounts must not be floats; pass a Decimal or a string")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(_("%(value)s is not a number.") % {"value": str(value)[:40]}) from exc
    if not result.is_finite():
        raise ValidationError(_("Amounts must be finite numbers."))
    return result


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the minor unit of ``currency``."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount already rounded to the minor unit, as an integer count of minor units."""
    return int(amount.scaleb(minor_digits(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_digits(currency)).quantize(minor_unit(currency))


def plain(value: Decimal) -> str:
    """``value`` written out without an exponent: ``10`` (not ``1E+1``), ``0.125``."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def price_text(amount: Decimal, currency: str) -> str:
    """A unit price as text: at least the currency's minor digits (``33.30``), more only when
    the price has them (``0.0125``)."""
    rounded = round_money(amount, currency)
    if rounded == amount:
        return f"{rounded:f}"
    return plain(amount)


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """``amount`` for people: ``CN¥1,234.50`` in English, ``¥1,234.50`` in Chinese."""
    babel_locale = "zh_Hans_CN" if locale.lower().startswith("zh") else "en"
    return format_currency(amount, currency, locale=babel_locale)
