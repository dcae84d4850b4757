"""prices_for: many lines priced with one query, exactly as price_for prices each of them.

The oracle is the calculation as it was written for one line (one ORM query per line, kept
here): list price by currency, day (inclusive validity), priority (then the older list) and
quantity break. prices_for over every (product, quantity, day) must give, item by item, what
the oracle gives and what price_for gives — including NoPrice and its message."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from heartline.catalogue import services
from heartline.catalogue.models import PriceList, PriceListItem, Product
from heartline.catalogue.pricing import (
    NoPrice,
    Price,
    PriceContext,
    lists_valid_on,
    price_for,
    prices_for,
    register_adjuster,
    unregister_adjuster,
)
from tests.catalogue.test_pricing import DAY, member_discount, on

pytestmark = pytest.mark.django_db

DAYS = [
    datetime.date(2025, 5, 31),
    DAY,
    datetime.date(2025, 6, 30),
    datetime.date(2025, 7, 1),
    datetime.date(2025, 12, 31),
]
QUANTITIES = ["1", "4.999", "5", "9.999", "10", "49", "50", "1000"]


def oracle(product: Product, quantity: Decimal, currency: str, day: datetime.date) -> str:
    """The list price of one line the way it was computed line by line, as text."""
    if not product.active:
        return f"NoPrice: {product.sku} is no longer sold."
    item = (
        PriceListItem.objects.filter(product=product, min_quantity__lte=quantity)
        .filter(price_list__in=PriceList.objects.filter(lists_valid_on(currency, day)))
        .select_related("price_list")
        .order_by("price_list__priority", "price_list_id", "-min_quantity")
        .first()
    )
    if item is None:
        return f"NoPrice: {product.sku} has no price in {currency} on {day.isoformat()}."
    return f"{item.unit_price} {item.price_list.currency} list {item.price_list_id}"


def text(result: Price | NoPrice) -> str:
    if isinstance(result, NoPrice):
        return f"NoPrice: {result}"
    return f"{result.unit_price} {result.currency} list {result.price_list_id}"


@pytest.fixture
def crowded(catalogue):  # type: ignore[no-untyped-def]
    """The test catalogue plus overlapping lists: a summer sale (priority 1, June only,
    breaks at 1 and 50), a wholesale list (priority 10 like Retail, so the older Retail wins
    ties; breaks at 5 and 50), an inactive list (priority 0), a list valid from July (priority
    2, only the service), an inactive product and a product without a category."""
    summer = services.price_list_create(
        actor=None,
        name="Summer",
        currency="CNY",
        priority=1,
        valid_from=datetime.date(2025, 6, 1),
        valid_until=datetime.date(2025, 6, 30),
        tax_inclusive=True,
    )
    wholesale = services.price_list_create(
        actor=None, name="Wholesale", currency="CNY", priority=10
    )
    dormant = services.price_list_create(
        actor=None, name="Dormant", currency="CNY", priority=0, active=False
    )
    autumn = services.price_list_create(
        actor=None, name="Autumn", currency="CNY", priority=2, valid_from=datetime.date(2025, 7, 1)
    )
    retired = services.product_create(actor=None, sku="OLD-1", name_en="Retired kettle")
    loose = services.product_create(actor=None, sku="GIFT-1", name_en="Gift card")
    gift_only = services.product_create(actor=None, sku="WRAP-1", name_en="Gift wrap")
    for plist, product, price, qty in [
        (summer, catalogue.tea, "99", "1"),
        (summer, catalogue.tea, "90", "50"),
        (wholesale, catalogue.tea, "100", "5"),
        (wholesale, catalogue.tea, "95", "50"),
        (wholesale, catalogue.install, "150", "5"),
        (dormant, catalogue.tea, "1", "1"),
        (dormant, catalogue.install, "1", "1"),
        (autumn, catalogue.install, "180", "1"),
        (catalogue.retail, retired, "30", "1"),
        (catalogue.retail, loose, "50", "1"),
        (wholesale, gift_only, "2", "10"),  # no price below 10
    ]:
        services.price_list_item_set(
            actor=None, price_list=plist, product=product, unit_price=price, min_quantity=qty
        )
    services.product_update(actor=None, product=retired, active=False)
    return [
        Product.objects.select_related("category").get(pk=p.pk)
        for p in (catalogue.tea, catalogue.install, retired, loose, gift_only)
    ]


@pytest.mark.parametrize("currency", ["CNY", "USD", "EUR"])
def test_prices_for_gives_what_price_for_and_the_oracle_give_item_by_item(crowded, currency):
    products = crowded
    for day in DAYS:
        items = [(p, Decimal(q)) for p, q in itertools.product(products, QUANTITIES)]
        batch = prices_for(items, currency=currency, context=on(day))
        assert len(batch) == len(items)
        for (product, quantity), result in zip(items, batch, strict=True):
            try:
                single = text(price_for(product, quantity, currency=currency, context=on(day)))
            except NoPrice as exc:
                single = f"NoPrice: {exc}"
            expected = oracle(product, quantity, currency, day)
            assert (text(result), single) == (expected, expected), (product.sku, quantity, day)


def test_the_choices_are_the_ones_the_rules_say(crowded):
    tea, install, retired, loose, gift_only = crowded
    items = [
        (tea, "1"),
        (tea, "50"),
        (install, "5"),
        (install, "1"),
        (retired, "1"),
        (loose, "3"),
        (gift_only, "9.999"),
        (gift_only, "10"),
    ]
    june = {i: text(r) for i, r in enumerate(prices_for(items, context=on(DAY)))}
    retail = tea.prices.get(price_list__name="Retail 零售", min_quantity=1)
    assert june == {
        0: f"99.0000 CNY list {tea.prices.get(unit_price=99).price_list_id}",  # summer wins
        1: f"90.0000 CNY list {tea.prices.get(unit_price=90).price_list_id}",  # summer's break
        2: f"200.0000 CNY list {retail.price_list_id}",  # Retail is older than Wholesale
        3: f"200.0000 CNY list {retail.price_list_id}",
        4: "NoPrice: OLD-1 is no longer sold.",
        5: f"50.0000 CNY list {retail.price_list_id}",
        6: "NoPrice: WRAP-1 has no price in CNY on 2025-06-01.",
        7: f"2.0000 CNY list {gift_only.prices.get().price_list_id}",
    }
    july = prices_for([(install, "1")], context=on(datetime.date(2025, 7, 1)))[0]
    assert isinstance(july, Price)
    assert (july.unit_price, july.reasons) == (Decimal("180.0000"), ("List price from Autumn",))
    breaks = prices_for([(tea, "50")], context=on(datetime.date(2025, 7, 1)))[0]
    assert isinstance(breaks, Price)
    assert breaks.reasons == ("List price from Retail 零售 (from 10)",)


def test_one_query_for_many_products_and_quantities(crowded, django_assert_num_queries):
    items = [(p, Decimal(q)) for p, q in itertools.product(crowded, QUANTITIES)]
    with django_assert_num_queries(1):
        prices_for(items, context=on())
    with django_assert_num_queries(0):  # nothing to price, nothing asked
        assert prices_for([], context=on()) == []
    retired = crowded[2]
    with django_assert_num_queries(0):  # an inactive product needs no query
        assert isinstance(prices_for([(retired, 1)], context=on())[0], NoPrice)


def test_items_of_several_days_cost_one_query_a_day(crowded, django_assert_num_queries):
    tea = crowded[0]
    days = [DAY, DAY, datetime.date(2025, 7, 1)]
    with django_assert_num_queries(2):
        found = prices_for(
            [(tea, 1)] * 3, contexts=[PriceContext(customer_id=1, on=day) for day in days]
        )
    assert [r.unit_price for r in found if isinstance(r, Price)] == [
        Decimal("99.0000"),
        Decimal("99.0000"),
        Decimal("128.0000"),
    ]


def test_each_item_gets_its_own_context_for_the_adjusters(crowded):
    tea = crowded[0]
    register_adjuster(member_discount)
    try:
        found = prices_for(
            [(tea, 1), (tea, 1)],
            contexts=[on(datetime.date(2025, 7, 1)), on(datetime.date(2025, 7, 1), customer_id=7)],
        )
        single = price_for(tea, 1, context=on(datetime.date(2025, 7, 1), customer_id=7))
    finally:
        unregister_adjuster(member_discount)
    assert [(r.unit_price, r.reasons) for r in found if isinstance(r, Price)] == [
        (Decimal("128.0000"), ("List price from Retail 零售",)),
        (Decimal("115.20"), ("List price from Retail 零售", "Member price: 10 % off")),
    ]
    assert found[1] == single


def test_an_adjuster_cannot_make_a_batch_price_negative(crowded):
    def below_zero(price: Price, context: PriceContext) -> Price:
        return replace(price, unit_price=Decimal(-5))

    register_adjuster(below_zero)
    try:
        found = prices_for([(crowded[0], 1)], context=on())
    finally:
        unregister_adjuster(below_zero)
    assert isinstance(found[0], Price)
    assert found[0].unit_price == Decimal(0)


def test_an_explicit_list_is_used_as_it_is(crowded, catalogue):
    tea, install = crowded[0], crowded[1]
    found = prices_for([(tea, 1), (install, 1)], context=on(), price_list=catalogue.usd)
    assert text(found[0]) == f"17.5000 USD list {catalogue.usd.pk}"
    assert text(found[1]) == "NoPrice: SRV-INSTALL has no price in CNY on 2025-06-01."


def test_bad_quantities_are_named_by_item_and_price_nothing(crowded, django_assert_num_queries):
    tea = crowded[0]
    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        prices_for([(tea, 1), (tea, 0), (tea, "-2")], context=on())
    assert caught.value.message_dict == {
        "items[1]": ["The quantity must be more than zero."],
        "items[2]": ["The quantity must be more than zero."],
    }
    with pytest.raises(TypeError):
        prices_for([(tea, 1.5)], context=on())  # type: ignore[list-item]
    with pytest.raises(ValueError, match="one context per item"):
        prices_for([(tea, 1)], contexts=[])
    with pytest.raises(ValidationError):
        prices_for([(tea, 1)], currency="XYZ", context=on())
