"""A quote from a deal names its products in the quote's language, whatever the interface
language the deal's lines were entered in (a deal line given only a product stores the
product's name in that language as its description); a description typed for the line stays.

Regression: a sales rep working in English made a deal for a Chinese customer; its quote, in
Chinese, listed "Longjing green tea 250 g" instead of "龙井绿茶 250克"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from heartline.orders.quotes import quote_create_from_deal
from heartline.sales import services as sales
from heartline.sales.lines import DealLineInput
from heartline.sales.models import Pipeline, Stage

pytestmark = pytest.mark.django_db


def _deal_entered_in(language, customer, shop, rep):  # type: ignore[no-untyped-def]
    pipeline = Pipeline.objects.create(name_en="B2B", name_zh="企业销售")
    Stage.objects.create(pipeline=pipeline, name_en="Proposal", position=1)
    with translation.override(language):  # the rep's interface language
        return sales.deal_create(
            actor=rep,
            customer=customer,
            title="Tea for the office",
            pipeline=pipeline,
            lines=[
                DealLineInput(quantity=12, product_id=shop.tea.pk),
                DealLineInput(quantity=6, product_id=shop.cup.pk, description="白色茶杯"),
                DealLineInput(quantity=2, product_id=shop.book.pk),
            ],
        )


def test_a_chinese_quote_of_a_deal_entered_in_english_names_products_in_chinese(
    customer, shop, sales_rep
):
    deal = _deal_entered_in("en", customer, shop, sales_rep)
    assert list(deal.lines.order_by("position").values_list("description", flat=True)) == [
        "Longjing green tea 250 g",
        "白色茶杯",
        "The Classic of Tea",
    ]
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    assert quote.language == "zh-hans"
    lines = quote.lines.order_by("position").values_list("description", "quantity", "unit_price")
    assert list(lines) == [
        ("龙井绿茶 250克", Decimal("12.000"), Decimal("80.0000")),
        ("白色茶杯", Decimal("6.000"), Decimal("35.5000")),  # typed: kept as typed
        ("茶经", Decimal("2.000"), Decimal("59.9000")),
    ]


def test_an_english_quote_of_a_deal_entered_in_chinese_names_products_in_english(
    customer, shop, sales_rep
):
    deal = _deal_entered_in("zh-hans", customer, shop, sales_rep)
    quote = quote_create_from_deal(actor=sales_rep, deal=deal, language="en")
    assert list(quote.lines.order_by("position").values_list("description", flat=True)) == [
        "Longjing green tea 250 g",
        "白色茶杯",
        "The Classic of Tea",
    ]
