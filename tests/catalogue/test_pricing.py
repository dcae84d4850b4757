"""price_for: list price by currency, day, priority and quantity break, then the adjusters."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from heartline.catalogue import services
from heartline.catalogue.pricing import (
    NoPrice,
    Price,
    PriceContext,
    price_for,
    register_adjuster,
    unregister_adjuster,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 1)


def on(day: datetime.date = DAY, **kwargs: object) -> PriceContext:
    return PriceContext(on=day, **kwargs)  # type: ignore[arg-type]


def test_quantity_breaks(catalogue):
    prices = {
        q: price_for(catalogue.tea, q, context=on()).unit_price for q in ("1", "9.999", "10", "250")
    }
    assert prices == {
        "1": Decimal("128.0000"),
        "9.999": Decimal("128.0000"),
        "10": Decimal("118.0000"),
        "250": Decimal("118.0000"),
    }
    ten = price_for(catalogue.tea, 10, context=on())
    assert ten.reasons == ("List price from Retail 零售 (from 10)",)
    assert (ten.currency, ten.tax_rate, ten.tax_inclusive, ten.price_list_id) == (
        "CNY",
        Decimal("0.1300"),
        True,
        catalogue.retail.pk,
    )
    assert ten.quantity == Decimal(10)


def test_below_the_smallest_break_there_is_no_price(catalogue):
    services.price_list_item_set(
        actor=None,
        price_list=catalogue.usd,
        product=catalogue.install,
        unit_price="30",
        min_quantity="2",
    )
    with pytest.raises(NoPrice) as caught:
        price_for(catalogue.install, 1, currency="USD", context=on())
    assert str(caught.value) == "SRV-INSTALL has no price in USD on 2025-06-01."
    assert price_for(catalogue.install, 2, currency="usd", context=on()).unit_price == 30


def test_currency_picks_the_list(catalogue):
    usd = price_for(catalogue.tea, 1, currency="USD", context=on())
    assert (usd.unit_price, usd.currency, usd.tax_inclusive, usd.price_list_id) == (
        Decimal("17.5000"),
        "USD",
        False,
        catalogue.usd.pk,
    )
    with pytest.raises(NoPrice):
        price_for(catalogue.tea, 1, currency="EUR", context=on())
    with pytest.raises(ValidationError):
        price_for(catalogue.tea, 1, currency="XYZ", context=on())


def test_validity_dates_are_inclusive(catalogue):
    summer = services.price_list_create(
        actor=None,
        name="Summer sale",
        currency="CNY",
        valid_from=datetime.date(2025, 6, 1),
        valid_until=datetime.date(2025, 6, 30),
        tax_inclusive=True,
        priority=1,
    )
    services.price_list_item_set(
        actor=None, price_list=summer, product=catalogue.tea, unit_price="99"
    )
    by_day = {
        day: price_for(catalogue.tea, 1, context=on(day)).unit_price
        for day in (
            datetime.date(2025, 5, 31),
            datetime.date(2025, 6, 1),
            datetime.date(2025, 6, 30),
            datetime.date(2025, 7, 1),
        )
    }
    assert list(by_day.values()) == [Decimal(128), Decimal(99), Decimal(99), Decimal(128)]


def test_the_lowest_priority_number_wins_and_ties_go_to_the_older_list(catalogue):
    vip = services.price_list_create(
        actor=None, name="VIP", currency="CNY", priority=5, tax_inclusive=True
    )
    twin = services.price_list_create(actor=None, name="Twin", currency="CNY", priority=5)
    services.price_list_item_set(actor=None, price_list=twin, product=catalogue.tea, unit_price="1")
    services.price_list_item_set(
        actor=None, price_list=vip, product=catalogue.tea, unit_price="100"
    )
    price = price_for(catalogue.tea, 20, context=on())
    # VIP (priority 5) beats Retail (10) even though Retail has a break at 10 for this quantity
    assert (price.unit_price, price.price_list_id) == (Decimal(100), vip.pk)
    services.price_list_update(actor=None, price_list=vip, priority=50)
    assert price_for(catalogue.tea, 20, context=on()).price_list_id == twin.pk


def test_inactive_lists_and_products_have_no_price(catalogue):
    services.price_list_update(actor=None, price_list=catalogue.usd, active=False)
    with pytest.raises(NoPrice):
        price_for(catalogue.tea, 1, currency="USD", context=on())
    services.product_update(actor=None, product=catalogue.tea, active=False)
    catalogue.tea.refresh_from_db()
    with pytest.raises(NoPrice) as caught:
        price_for(catalogue.tea, 1, context=on())
    assert str(caught.value) == "TEA-001 is no longer sold."


def test_an_explicit_list_is_used_as_it_is(catalogue):
    price = price_for(catalogue.tea, 1, context=on(), price_list=catalogue.usd)
    assert (price.currency, price.unit_price) == ("USD", Decimal("17.5000"))


@pytest.mark.parametrize("quantity", ["0", "-1", 0])
def test_quantity_must_be_positive(catalogue, quantity):
    with pytest.raises(ValidationError) as caught:
        price_for(catalogue.tea, quantity, context=on())
    assert caught.value.message_dict == {"quantity": ["The quantity must be more than zero."]}


def test_floats_are_refused(catalogue):
    with pytest.raises(TypeError):
        price_for(catalogue.tea, 1.5, context=on())  # type: ignore[arg-type]


def test_a_product_without_category_has_no_tax(catalogue):
    loose = services.product_create(actor=None, sku="gift-card", name_en="Gift card")
    services.price_list_item_set(
        actor=None, price_list=catalogue.retail, product=loose, unit_price="50"
    )
    assert price_for(loose, 1, context=on()).tax_rate == Decimal(0)


def member_discount(price: Price, context: PriceContext) -> Price:
    if context.customer_id is None:
        return price
    return replace(
        price,
        unit_price=(price.unit_price * Decimal("0.9")).quantize(Decimal("0.01")),
        reasons=(*price.reasons, "Member price: 10 % off"),
    )


def below_zero(price: Price, context: PriceContext) -> Price:
    return replace(price, unit_price=Decimal(-5), reasons=(*price.reasons, "Too generous"))


def test_adjusters_change_the_price_and_say_why(catalogue):
    register_adjuster(member_discount)
    register_adjuster(member_discount)  # once only
    try:
        anonymous = price_for(catalogue.tea, 1, context=on())
        member = price_for(catalogue.tea, 1, context=on(customer_id=7, channel="web"))
    finally:
        unregister_adjuster(member_discount)
    assert anonymous.unit_price == Decimal(128)
    assert (member.unit_price, member.list_price) == (Decimal("115.20"), Decimal(128))
    assert member.reasons == ("List price from Retail 零售", "Member price: 10 % off")
    after = price_for(catalogue.tea, 1, context=on(customer_id=7))
    assert (after.unit_price, after.reasons) == (Decimal(128), ("List price from Retail 零售",))
    unregister_adjuster(member_discount)  # unregistering twice is harmless


def test_an_adjuster_cannot_make_a_price_negative(catalogue):
    register_adjuster(below_zero)
    try:
        price = price_for(catalogue.tea, 1, context=on())
    finally:
        unregister_adjuster(below_zero)
    assert (price.unit_price, price.reasons[-1]) == (Decimal(0), "Too generous")
