"""compute_totals: the one totals calculation of deals, quotes and orders, exact to the minor
unit in every currency (hypothesis), worked examples, and refusal of bad input."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from heartline.catalogue.money import currencies, minor_unit, round_money
from heartline.catalogue.totals import LineInput, Totals, compute_totals

CURRENCIES = sorted(currencies())
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def _floor(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_FLOOR)


def _line_off(line: LineInput, currency: str) -> Decimal:
    gross = round_money(line.quantity * line.unit_price, currency)
    return round_money(gross * line.discount_percent / HUNDRED, currency) + round_money(
        line.discount_amount, currency
    )


fractions = st.decimals(min_value=0, max_value=1, places=3)
percents = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def documents(draw):  # type: ignore[no-untyped-def]
    """Random lines in a random currency, each line's discount never above its amount, and a
    document discount (percent, then amount) never above what the lines leave."""
    currency = draw(st.sampled_from(CURRENCIES) | st.sampled_from(["CNY", "JPY", "KWD", "BHD"]))
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        quantity = draw(st.decimals(min_value=Decimal("0.001"), max_value=10_000, places=3))
        unit_price = draw(st.decimals(min_value=0, max_value=100_000, places=4))
        tax_rate = draw(
            st.sampled_from([ZERO, Decimal("0.06"), Decimal("0.09"), Decimal("0.13")])
            | st.decimals(min_value=0, max_value=Decimal("0.17"), places=4)
        )
        percent = draw(percents | st.just(ZERO))
        gross = round_money(quantity * unit_price, currency)
        left = gross - round_money(gross * percent / HUNDRED, currency)
        amount = _floor(left * draw(fractions), currency) if draw(st.booleans()) else ZERO
        lines.append(LineInput(quantity, unit_price, tax_rate, percent, amount))
    base = (
        sum(
            (round_money(ln.quantity * ln.unit_price, currency) - _line_off(ln, currency))
            for ln in lines
        )
        or ZERO
    )
    doc_percent = draw(percents | st.just(ZERO))
    left = base - round_money(base * doc_percent / HUNDRED, currency)
    doc_amount = _floor(left * draw(fractions), currency) if draw(st.booleans()) else ZERO
    return currency, lines, doc_percent, doc_amount, draw(st.booleans())


def _figures(t: Totals) -> list[Decimal]:
    figures = [t.gross, t.discount, t.net, t.tax, t.total, *t.tax_by_rate.values()]
    for line in t.lines:
        figures += [line.gross, line.discount, line.net, line.tax, line.total]
    return figures


@settings(max_examples=400, deadline=None)
@given(documents())
def test_totals_always_add_up_to_the_minor_unit(document):
    currency, lines, doc_percent, doc_amount, inclusive = document
    t = compute_totals(
        lines,
        currency,
        discount_percent=doc_percent,
        discount_amount=doc_amount,
        tax_inclusive=inclusive,
    )
    unit = minor_unit(currency)
    assert t.currency == currency
    assert len(t.lines) == len(lines)
    assert all(figure % unit == 0 for figure in _figures(t))
    for name in ("gross", "discount", "net", "tax", "total"):
        assert getattr(t, name) == sum((getattr(line, name) for line in t.lines), ZERO), name
    assert t.tax == sum(t.tax_by_rate.values(), ZERO)
    assert t.net + t.tax == t.total
    assert t.gross - t.discount == (t.total if inclusive else t.net)
    own_discounts = sum((_line_off(ln, currency) for ln in lines), ZERO)
    base = t.gross - own_discounts
    document_off = round_money(base * doc_percent / HUNDRED, currency) + doc_amount
    assert t.discount == own_discounts + document_off
    for given_line, line in zip(lines, t.lines, strict=True):
        assert line.gross == round_money(given_line.quantity * given_line.unit_price, currency)
        assert line.net + line.tax == line.total
        assert line.gross - line.discount == (line.total if inclusive else line.net)
        assert ZERO <= line.discount <= line.gross
        share = line.discount - _line_off(given_line, currency)
        assert ZERO <= share <= line.gross - _line_off(given_line, currency)
        assert line.tax >= 0
        rate = given_line.tax_rate
        if inclusive:
            assert line.net == round_money(line.total / (1 + rate), currency)
        else:
            assert line.tax == round_money(line.net * rate, currency)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(CURRENCIES),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=10),
    fractions,
)
def test_a_document_discount_is_shared_in_proportion(currency, amounts, fraction):
    """Lines of a given amount each (unit price × 1): the shares differ from the exact
    proportion by less than one minor unit and add up to the discount."""
    unit = minor_unit(currency)
    lines = [LineInput(Decimal(1), a * unit) for a in amounts]
    base = sum(amounts) * unit
    discount = _floor(base * fraction, currency)
    t = compute_totals(lines, currency, discount_amount=discount)
    assert sum(line.discount for line in t.lines) == discount
    for amount, line in zip(amounts, t.lines, strict=True):
        exact = discount * amount * unit / base if base else ZERO
        assert abs(line.discount - exact) < unit


# --- worked examples ------------------------------------------------------------------------
def test_three_at_33_33_with_13_percent_tax_and_10_percent_off():
    line = LineInput(Decimal(3), Decimal("33.33"), Decimal("0.13"), Decimal(10))
    t = compute_totals([line], "CNY")
    assert (t.gross, t.discount, t.net, t.tax, t.total) == (
        Decimal("99.99"),
        Decimal("10.00"),
        Decimal("89.99"),
        Decimal("11.70"),
        Decimal("101.69"),
    )
    assert t.tax_by_rate == {Decimal("0.13"): Decimal("11.70")}
    # the same 10 % as a document discount gives the same figures
    plain_line = LineInput(Decimal(3), Decimal("33.33"), Decimal("0.13"))
    assert compute_totals([plain_line], "CNY", discount_percent=Decimal(10)) == t


def test_the_same_with_tax_inclusive_prices():
    line = LineInput(Decimal(3), Decimal("33.33"), Decimal("0.13"), Decimal(10))
    t = compute_totals([line], "CNY", tax_inclusive=True)
    assert (t.gross, t.discount, t.net, t.tax, t.total) == (
        Decimal("99.99"),
        Decimal("10.00"),
        Decimal("79.64"),
        Decimal("10.35"),
        Decimal("89.99"),
    )


def test_mixed_rates_and_a_shared_discount():
    lines = [
        LineInput(Decimal(2), Decimal("128.00"), Decimal("0.13")),  # 256.00
        LineInput(Decimal("1.5"), Decimal("200"), Decimal("0.06")),  # 300.00
        LineInput(Decimal(1), Decimal("44.00"), Decimal("0.09"), discount_amount=Decimal(4)),
    ]
    t = compute_totals(lines, "CNY", discount_amount=Decimal("10.00"))
    # base 256 + 300 + 40 = 596; shares of 10.00: 4.30 (4.295…), 5.03 (5.033…), 0.67 (0.671…)
    assert [line.discount for line in t.lines] == [
        Decimal("4.30"),
        Decimal("5.03"),
        Decimal("4.67"),
    ]
    assert [line.net for line in t.lines] == [
        Decimal("251.70"),
        Decimal("294.97"),
        Decimal("39.33"),
    ]
    assert [line.tax for line in t.lines] == [Decimal("32.72"), Decimal("17.70"), Decimal("3.54")]
    assert t.tax_by_rate == {
        Decimal("0.13"): Decimal("32.72"),
        Decimal("0.06"): Decimal("17.70"),
        Decimal("0.09"): Decimal("3.54"),
    }
    assert (t.gross, t.discount, t.net, t.tax, t.total) == (
        Decimal("600.00"),
        Decimal("14.00"),
        Decimal("586.00"),
        Decimal("53.96"),
        Decimal("639.96"),
    )


def test_leftover_minor_units_go_to_the_largest_remainders_then_the_first_line():
    lines = [LineInput(Decimal(1), Decimal("10.00")) for _ in range(3)]
    t = compute_totals(lines, "CNY", discount_amount=Decimal("1.00"))
    assert [line.discount for line in t.lines] == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]


def test_yen_has_no_minor_unit():
    line = LineInput(Decimal(3), Decimal(333), Decimal("0.10"))
    t = compute_totals([line], "JPY", discount_percent=Decimal(5))
    assert (t.gross, t.discount, t.net, t.tax, t.total) == (
        Decimal(999),
        Decimal(50),
        Decimal(949),
        Decimal(95),
        Decimal(1044),
    )


def test_dinar_has_three_digits():
    t = compute_totals([LineInput(Decimal(1), Decimal("1.2345"), Decimal("0.05"))], "KWD")
    assert (t.gross, t.tax, t.total) == (Decimal("1.235"), Decimal("0.062"), Decimal("1.297"))
    assert str(t.total) == "1.297"


def test_no_lines_is_zero():
    t = compute_totals([], "CNY")
    assert (t.gross, t.discount, t.net, t.tax, t.total, t.lines) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        (),
    )


# --- refusals -------------------------------------------------------------------------------
def test_floats_are_refused():
    with pytest.raises(TypeError):
        compute_totals([LineInput(3, 33.33)], "CNY")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compute_totals([LineInput(Decimal(1), Decimal(1))], "CNY", discount_percent=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineInput(Decimal(0), Decimal(1)), "The quantity must be more than zero."),
        (LineInput(Decimal(-1), Decimal(1)), "The quantity must be more than zero."),
        (LineInput(Decimal(1), Decimal(-1)), "The unit price must not be negative."),
        (
            LineInput(Decimal(1), Decimal(1), Decimal(1)),
            "The tax rate must be between 0 and 1 (0.13 for 13 %).",
        ),
        (
            LineInput(Decimal(1), Decimal(1), discount_percent=Decimal(101)),
            "A discount percentage must be between 0 and 100.",
        ),
        (
            LineInput(Decimal(1), Decimal(1), discount_amount=Decimal("-0.01")),
            "A discount must not be negative.",
        ),
        (
            LineInput(Decimal(1), Decimal(1), discount_amount=Decimal("1.01")),
            "The discount is larger than the line's amount.",
        ),
        (LineInput(Decimal(10) ** 10, Decimal(10) ** 10), "The line's amount is too large."),
    ],
)
def test_bad_lines_are_refused_with_the_line_named(line, message):
    good = LineInput(Decimal(1), Decimal(1))
    with pytest.raises(ValidationError) as caught:
        compute_totals([good, line], "CNY")
    assert caught.value.message_dict == {"lines[1]": [message]}


def test_bad_document_input_is_refused():
    line = LineInput(Decimal(1), Decimal("10.00"))
    for kwargs, key in [
        ({"discount_percent": Decimal(-1)}, "discount_percent"),
        ({"discount_percent": Decimal("100.01")}, "discount_percent"),
        ({"discount_amount": Decimal("-1")}, "discount_amount"),
        ({"discount_amount": Decimal("10.01")}, "discount_amount"),
    ]:
        with pytest.raises(ValidationError) as caught:
            compute_totals([line], "CNY", **kwargs)
        assert list(caught.value.message_dict) == [key]
    with pytest.raises(ValidationError):
        compute_totals([line], "XYZ")
    with pytest.raises(ValidationError):
        compute_totals([LineInput(Decimal("NaN"), Decimal(1))], "CNY")
