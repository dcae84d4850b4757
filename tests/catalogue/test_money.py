"""Exact money: ISO 4217 minor units, half-up rounding, parsing that refuses floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from heartline.catalogue.money import (
    currencies,
    currency_code,
    format_money,
    from_minor,
    minor_digits,
    minor_unit,
    plain,
    price_text,
    round_money,
    to_decimal,
    to_minor,
)

CURRENCIES = sorted(currencies())


def test_minor_units_come_from_iso_4217():
    assert {"CNY", "USD", "EUR", "JPY", "KWD", "BHD"} <= currencies()
    assert [minor_digits(c) for c in ("CNY", "USD", "JPY", "KRW", "KWD", "BHD")] == [
        2,
        2,
        0,
        0,
        3,
        3,
    ]
    assert minor_unit("CNY") == Decimal("0.01")
    assert minor_unit("JPY") == Decimal(1)
    assert minor_unit("KWD") == Decimal("0.001")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "CNY", "0.01"),
        ("0.004999", "CNY", "0.00"),
        ("2.675", "CNY", "2.68"),
        ("-0.005", "CNY", "-0.01"),
        ("2.5", "JPY", "3"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "BHD", "1.234"),
    ],
)
def test_rounding_is_half_up(amount, currency, expected):
    assert str(round_money(Decimal(amount), currency)) == expected


def test_currency_codes_are_checked_and_normalised():
    assert currency_code(" cny ") == "CNY"
    for bad in ("XYZ", "", "人民币", "CNYY"):
        with pytest.raises(ValidationError) as caught:
            currency_code(bad)
        assert caught.value.code == "currency"
    with pytest.raises(ValidationError):
        currency_code(None)  # type: ignore[arg-type]


def test_to_decimal_refuses_floats_and_non_numbers():
    assert to_decimal("12.30") == Decimal("12.30")
    assert to_decimal(7) == Decimal(7)
    with pytest.raises(TypeError):
        to_decimal(0.1)
    for bad in ("abc", "NaN", "Infinity", "-inf", "1e"):
        with pytest.raises(ValidationError):
            to_decimal(bad)


def test_formatting():
    assert format_money(Decimal("1234.5"), "CNY") == "CN¥1,234.50"
    assert format_money(Decimal("1234.5"), "CNY", "zh-hans") == "¥1,234.50"
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert plain(Decimal("10.000")) == "10"
    assert plain(Decimal("1E+2")) == "100"
    assert plain(Decimal("-0.00")) == "0"
    assert price_text(Decimal("33.3000"), "CNY") == "33.30"
    assert price_text(Decimal("0.0125"), "CNY") == "0.0125"
    assert price_text(Decimal("500.0000"), "JPY") == "500"


@given(st.sampled_from(CURRENCIES), st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip(currency, units):
    amount = from_minor(units, currency)
    assert amount % minor_unit(currency) == 0
    assert to_minor(amount, currency) == units


@given(
    st.sampled_from(CURRENCIES),
    st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False),
)
def test_rounding_lands_on_the_nearest_minor_unit(currency, amount):
    rounded = round_money(amount, currency)
    unit = minor_unit(currency)
    assert rounded % unit == 0
    assert abs(rounded - amount) <= unit / 2
    if abs(rounded - amount) == unit / 2:  # a tie goes away from zero
        assert abs(rounded) > abs(amount)
