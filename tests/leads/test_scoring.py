"""Rule-based scoring: exact scores and reasons, with the default rules and with custom ones."""

from __future__ import annotations

import pytest

from heartline.catalogue.models import Product
from heartline.leads import scoring, services, setup
from heartline.leads.capture import lead_capture
from heartline.leads.models import ScoreRule
from tests.leads.conftest import lead_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(db) -> Product:  # type: ignore[no-untyped-def]
    return Product.objects.create(sku="HL-TEA-01", name_en="Green tea gift box", name_zh="绿茶礼盒")


def test_default_rules_add_up_exactly(default_rules, tea):
    lead = lead_capture(
        actor=None,
        data=lead_input(
            name="王芳",
            phone="13800138000",
            email="fang.wang@acme-trading.cn",
            organisation="ACME Trading 艾克美贸易",
            message="我们想订 200 份绿茶礼盒作为员工礼品",
        ),
        source="web_form",
    ).lead
    assert lead.score == 10 + 5 + 15 + 10 + 20 + 5
    assert lead.score_reasons == [
        {"kind": "has_phone", "value": "", "points": 10},
        {"kind": "has_email", "value": "", "points": 5},
        {"kind": "corporate_email", "value": "acme-trading.cn", "points": 15},
        {"kind": "has_organisation", "value": "", "points": 10},
        {"kind": "mentions_product", "value": "绿茶礼盒", "points": 20},
        {"kind": "source", "value": "web_form", "points": 5},
    ]
    assert [scoring.label(r) for r in lead.score_reasons] == [
        "has a phone number (+10)",
        "has an e-mail address (+5)",
        "e-mail at the company domain acme-trading.cn (+15)",
        "organisation given (+10)",
        "message mentions the product 绿茶礼盒 (+20)",
        "came from Web form (+5)",
    ]


def test_free_mail_is_not_corporate_and_an_import_costs_points(default_rules, tea):
    lead = lead_capture(
        actor=None, data=lead_input(email="fang1988@qq.com", message="hi"), source="import"
    ).lead
    assert lead.score == 0  # 5 - 5
    assert [r["kind"] for r in lead.score_reasons] == ["has_email", "source"]


def test_the_sku_counts_as_a_product_mention(default_rules, tea):
    lead = lead_capture(
        actor=None,
        data=lead_input(phone="13800138000", message="Quote for hl-tea-01 please"),
        source="manual",
    ).lead
    assert lead.score == 30
    assert lead.score_reasons[-1] == {
        "kind": "mentions_product",
        "value": "HL-TEA-01",
        "points": 20,
    }


def test_an_inactive_product_is_not_a_mention(default_rules, tea):
    tea.active = False
    tea.save()
    lead = lead_capture(
        actor=None, data=lead_input(phone="13800138000", message="绿茶礼盒"), source="manual"
    ).lead
    assert lead.score == 10


def test_custom_rules_words_territory_language_consent_and_the_bounds(no_rules):
    setup.score_rule_add(actor=None, kind="mentions_word", value="报价, quote", points=7)
    setup.score_rule_add(actor=None, kind="territory", value="Shanghai", points=12)
    setup.score_rule_add(actor=None, kind="language", value="en", points=3)
    setup.score_rule_add(actor=None, kind="consent", value="marketing_email", points=4)
    setup.score_rule_add(actor=None, kind="has_handle", points=2)
    lead = lead_capture(
        actor=None,
        data=lead_input(
            handle="li_na",
            territory="shanghai",
            language="en-GB",
            message="Please send a QUOTE",
            consents=[("marketing_email", True)],
        ),
        source="chat",
    ).lead
    assert lead.score == 7 + 12 + 3 + 4 + 2
    assert [(r["kind"], r["value"]) for r in lead.score_reasons] == [
        ("mentions_word", "quote"),
        ("territory", "Shanghai"),
        ("language", "en"),
        ("consent", "marketing_email"),
        ("has_handle", ""),
    ]

    setup.score_rule_add(actor=None, kind="has_handle", points=-100)
    low = lead_capture(actor=None, data=lead_input(handle="bot"), source="chat").lead
    assert low.score == 0  # 2 - 100, kept within 0–100
    for _ in range(2):
        setup.score_rule_add(actor=None, kind="source", value="campaign", points=100)
    high = lead_capture(actor=None, data=lead_input(phone="13900139000"), source="campaign").lead
    assert high.score == 100


def test_changing_a_lead_rescores_it(default_rules, make_staff):
    rep = make_staff("sales")
    lead = lead_capture(actor=None, data=lead_input(email="a@qq.com"), source="api").lead
    assert lead.score == 5
    lead = services.lead_update(actor=rep, lead=lead, organisation="ACME", phone="13800138000")
    assert lead.score == 25
    assert lead.events.filter(kind="changed").get().data == {"fields": ["organisation", "phone"]}


def test_rules_are_checked(no_rules):
    from django.core.exceptions import ValidationError

    for kwargs in (
        {"kind": "source", "value": "fax", "points": 1},
        {"kind": "consent", "value": "spam", "points": 1},
        {"kind": "mentions_word", "value": "", "points": 1},
        {"kind": "has_phone", "points": 101},
        {"kind": "teleport", "points": 1},
    ):
        with pytest.raises(ValidationError):
            setup.score_rule_add(actor=None, **kwargs)
    assert ScoreRule.objects.count() == 0
