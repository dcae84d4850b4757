"""Hypothesis: whatever the lines, discounts, taxes and currency, the totals a quote or an order
stores (read back from the database) are what the one calculation says, and add up to the
minor unit (the fen for CNY)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heartline.catalogue.money import minor_unit
from heartline.catalogue.totals import LineInput, compute_totals
from heartline.orders.documents import LineDraft
from heartline.orders.models import Order, Quote
from heartline.orders.quotes import quote_create
from heartline.orders.services import OrderLineRequest, order_create

pytestmark = pytest.mark.django_db

CURRENCIES = ["CNY", "USD", "JPY", "KWD", "EUR"]
RATES = [Decimal(0), Decimal("0.03"), Decimal("0.06"), Decimal("0.09"), Decimal("0.13")]


def decimals(high: int, places: int, low: int = 0) -> st.SearchStrategy[Decimal]:
    scale = 10**places
    return st.integers(low, high * scale).map(lambda n: Decimal(n).scaleb(-places))


line_strategy = st.fixed_dictionaries(
    {
        "quantity": decimals(9_999, 3, low=1),
        "unit_price": decimals(99_999, 4),
        "tax_rate": st.sampled_from(RATES),
        "discount_percent": st.one_of(st.just(Decimal(0)), decimals(100, 2)),
    }
)
document_strategy = st.fixed_dictionaries(
    {
        "lines": st.lists(line_strategy, min_size=1, max_size=5),
        "currency": st.sampled_from(CURRENCIES),
        "tax_inclusive": st.booleans(),
        "discount_percent": st.one_of(st.just(Decimal(0)), decimals(100, 2)),
        "discount_amount": st.one_of(st.just(Decimal(0)), decimals(5_000, 2)),
    }
)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def expected(doc: dict):  # type: ignore[no-untyped-def]
    return compute_totals(
        [LineInput(**line) for line in doc["lines"]],
        doc["currency"],
        discount_percent=doc["discount_percent"],
        discount_amount=doc["discount_amount"],
        tax_inclusive=doc["tax_inclusive"],
    )


def check_stored(stored: Order | Quote, doc: dict) -> None:
    stored.refresh_from_db()
    want = expected(doc)
    fen = minor_unit(doc["currency"])
    got = (stored.gross, stored.discount, stored.net, stored.tax, stored.total)
    assert got == (want.gross, want.discount, want.net, want.tax, want.total)
    for amount in got:
        assert amount % fen == 0  # whole minor units
    assert stored.net + stored.tax == stored.total
    assert stored.tax == sum((Decimal(v) for v in stored.tax_breakdown.values()), Decimal(0))
    lines = list(stored.lines.order_by("position"))
    assert len(lines) == len(doc["lines"])
    for name in ("gross", "discount", "net", "tax", "total"):
        assert sum((getattr(line, name) for line in lines), Decimal(0)) == getattr(stored, name)
    for line, want_line in zip(lines, want.lines, strict=True):
        assert (line.net, line.tax, line.total) == (want_line.net, want_line.tax, want_line.total)
        assert line.net + line.tax == line.total


def refused(doc: dict) -> bool:
    try:
        expected(doc)
    except ValidationError:
        return True
    return False


@SETTINGS
@given(doc=document_strategy)
def test_orders_store_exactly_the_one_calculation(doc, customer, sales_rep):
    before = Order.objects.count()
    requests = [
        OrderLineRequest(
            description=f"Item {i}",
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            tax_rate=line["tax_rate"],
            discount_percent=line["discount_percent"],
        )
        for i, line in enumerate(doc["lines"])
    ]
    arguments = {
        "actor": sales_rep,
        "customer": customer,
        "lines": requests,
        "currency": doc["currency"],
        "tax_inclusive": doc["tax_inclusive"],
        "discount_percent": doc["discount_percent"],
        "discount_amount": doc["discount_amount"],
        "idempotency_key": f"h-{before}",
    }
    if refused(doc):  # e.g. a discount larger than the lines: refused, nothing written
        with pytest.raises(ValidationError):
            order_create(**arguments)
        assert Order.objects.count() == before
        return
    order, created = order_create(**arguments)
    assert created
    check_stored(order, doc)


@SETTINGS
@given(doc=document_strategy)
def test_quotes_store_exactly_the_one_calculation(doc, customer, sales_rep):
    before = Quote.objects.count()
    drafts = [LineDraft(description=f"Item {i}", **line) for i, line in enumerate(doc["lines"])]
    arguments = {
        "actor": sales_rep,
        "customer": customer,
        "lines": drafts,
        "currency": doc["currency"],
        "tax_inclusive": doc["tax_inclusive"],
        "discount_percent": doc["discount_percent"],
        "discount_amount": doc["discount_amount"],
    }
    if refused(doc):
        with pytest.raises(ValidationError):
            quote_create(**arguments)
        assert Quote.objects.count() == before
        return
    check_stored(quote_create(**arguments), doc)
