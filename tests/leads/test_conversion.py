"""lead_convert: one customer and one deal, the lead's history on the customer's timeline,
consent per purpose on the ledger — in one transaction, and never twice."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.customers import services as customers
from heartline.customers.models import ConsentEvent, Customer, Identity
from heartline.customers.services import IdentityInput
from heartline.leads import history, services
from heartline.leads.capture import lead_capture
from heartline.leads.conversion import AlreadyConverted, lead_convert
from heartline.leads.models import Lead
from heartline.sales.models import Deal, Stage, StageChange
from heartline.timeline.models import Interaction
from tests.leads.conftest import lead_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(sales) -> Lead:  # type: ignore[no-untyped-def]
    captured = lead_capture(
        actor=None,
        data=lead_input(
            name="王芳",
            phone="138 0013 8000",
            email="Fang.Wang@ACME.cn",
            organisation="ACME 艾克美",
            language="zh",
            message="想订 200 份绿茶礼盒",
            consents=[("marketing_email", True), ("marketing_sms", False)],
        ),
        source="web_form",
    ).lead
    return services.lead_set_status(actor=sales, lead=captured, status="working")


def test_conversion_makes_one_customer_one_deal_and_timeline_rows(sales, lead, pipeline):
    proposal = pipeline.stages.get(name_en="Proposal")
    done = lead_convert(
        actor=sales,
        lead=lead,
        pipeline=pipeline,
        stage=proposal,
        deal_title="200 tea gift boxes",
        amount="12800.50",
        expected_close=datetime.date(2030, 3, 31),
    )
    customer = Customer.objects.get()
    deal = Deal.objects.get()
    assert (done.customer, done.deal, done.customer_created) == (customer, deal, True)
    assert (customer.kind, customer.name_cjk, customer.name_pinyin, customer.language) == (
        "person",
        "王芳",
        "Wáng Fāng",
        "zh-hans",
    )
    assert sorted(Identity.objects.values_list("kind", "value")) == [
        ("email", "fang.wang@acme.cn"),
        ("phone", "+8613800138000"),
    ]
    assert (deal.title, deal.customer, deal.pipeline, deal.stage, deal.amount, deal.currency) == (
        "200 tea gift boxes",
        customer,
        pipeline,
        proposal,
        Decimal("12800.50"),
        "CNY",
    )
    assert (deal.owner, deal.source, deal.expected_close) == (
        sales,
        "lead",
        datetime.date(2030, 3, 31),
    )
    assert list(StageChange.objects.values_list("via", flat=True)) == ["lead", "lead"]

    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.status, lead.customer, lead.deal) == ("converted", customer, deal)
    assert lead.converted_at is not None
    assert lead.qualified_at == lead.converted_at
    kinds = list(lead.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["captured", "status", "linked", "converted"]
    assert lead.events.get(kind="linked").data == {"customer_id": customer.pk, "by": "created"}

    copied = list(
        Interaction.objects.filter(source="lead")
        .order_by("occurred_at", "id")
        .values_list("customer_id", "channel", "direction", "topic", "link_type", "link_id")
    )
    assert copied == [
        (customer.pk, "web", "in", "Enquiry (lead, Web form)", "lead", str(lead.pk)),
        (customer.pk, "system", "internal", "Lead status: Working", "lead", str(lead.pk)),
        (customer.pk, "system", "internal", "Lead linked to this customer", "lead", str(lead.pk)),
        (customer.pk, "system", "internal", "Lead converted into a deal", "deal", str(deal.pk)),
    ]
    refs = set(Interaction.objects.filter(source="lead").values_list("source_ref", flat=True))
    assert refs == {f"{lead.pk}:{e}" for e in lead.events.values_list("pk", flat=True)}
    first = Interaction.objects.filter(source="lead").order_by("occurred_at", "id").first()
    assert first is not None
    assert first.summary == "Organisation: ACME 艾克美\n想订 200 份绿茶礼盒"
    # copying again writes nothing
    assert history.copy_to_timeline(actor=sales, lead=lead, customer=customer) == 0


def test_consent_is_recorded_per_purpose_on_the_new_customers_ledger(sales, lead, pipeline):
    done = lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    ledger = list(
        ConsentEvent.objects.filter(customer=done.customer)
        .order_by("id")
        .values_list("purpose", "granted", "source", "evidence", "recorded_by")
    )
    assert ledger == [
        ("marketing_email", True, "web_form", f"lead #{lead.pk}: test", sales.pk),
        ("marketing_sms", False, "web_form", f"lead #{lead.pk}: test", sales.pk),
    ]
    assert done.deal.title == "Deal with ACME 艾克美"
    assert done.deal.stage == pipeline.stages.get(name_en="Contacted")


def test_converting_twice_is_refused_and_changes_nothing(sales, lead, pipeline, counts):
    done = lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    before = counts()
    with pytest.raises(AlreadyConverted) as caught:
        lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    assert caught.value.messages[0].startswith("This lead was already converted on ")
    assert caught.value.messages[0].endswith(
        f": customer #{done.customer.pk}, deal #{done.deal.pk}. It cannot be converted twice."
    )
    assert caught.value.details == {"customer_id": done.customer.pk, "deal_id": done.deal.pk}
    assert counts() == before


def test_a_failure_at_the_last_step_writes_nothing(sales, lead, pipeline, counts, monkeypatch):
    before = counts()

    def broken(**kwargs: object) -> int:
        raise RuntimeError("timeline down")

    monkeypatch.setattr(history, "copy_to_timeline", broken)
    with pytest.raises(RuntimeError):
        lead_convert(actor=sales, lead=lead, pipeline=pipeline, deal_title="x")
    assert counts() == before
    assert Lead.objects.get(pk=lead.pk).status == "working"


def test_a_stage_rule_refusing_the_deal_writes_nothing(sales, lead, pipeline, counts):
    proposal = pipeline.stages.get(name_en="Proposal")
    Stage.objects.filter(pk=proposal.pk).update(required_fields=["expected_close"])
    before = counts()
    with pytest.raises(ValidationError) as caught:
        lead_convert(
            actor=sales, lead=lead, pipeline=pipeline, stage=Stage.objects.get(pk=proposal.pk)
        )
    assert "expected close date" in caught.value.messages[0]
    assert counts() == before


def test_an_existing_customer_is_joined_not_duplicated(sales, pipeline):
    customer = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "fang.wang@acme.cn")]
    )
    lead = lead_capture(
        actor=None,
        data=lead_input(name="王芳", phone="13800138000", email="fang.wang@acme.cn"),
        source="api",
    ).lead
    assert lead.customer_id == customer.pk
    done = lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    assert (done.customer.pk, done.customer_created) == (customer.pk, False)
    assert Customer.objects.count() == 1
    assert sorted(customer.identities.values_list("kind", "value")) == [
        ("email", "fang.wang@acme.cn"),
        ("phone", "+8613800138000"),
    ]
    assert Customer.objects.get(pk=customer.pk).name_cjk == "王芳"  # it had no name


def test_a_chosen_customer_keeps_identifiers_that_belong_to_someone_else_out(sales, pipeline):
    chosen = customers.customer_create(
        actor=None, identities_in=[IdentityInput("member_no", "HL1")], name_cjk="王芳"
    )
    lead = lead_capture(actor=None, data=lead_input(email="f@acme.cn"), source="api").lead
    other = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "f@acme.cn")]
    )
    lead.refresh_from_db()
    done = lead_convert(actor=sales, lead=lead, pipeline=pipeline, customer=chosen)
    assert done.customer == chosen
    assert list(chosen.identities.values_list("kind", flat=True)) == ["member_no"]
    assert other.identities.count() == 1


def test_an_organisation_only_lead_becomes_an_organisation(sales, pipeline):
    lead = lead_capture(
        actor=None,
        data=lead_input(organisation="上海艾克美贸易", phone="13800138000"),
        source="api",
    ).lead
    done = lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    assert (done.customer.kind, done.customer.name_cjk) == ("organisation", "上海艾克美贸易")


def test_a_disqualified_lead_is_not_converted(sales, lead, pipeline, counts):
    services.lead_set_status(actor=sales, lead=lead, status="disqualified", reason="competitor")
    before = counts()
    with pytest.raises(ValidationError):
        lead_convert(actor=sales, lead=lead, pipeline=pipeline)
    assert counts() == before


def test_who_may_not_create_deals_may_not_convert(make_staff, lead, pipeline, counts):
    agent = make_staff("agent")  # works leads, but creates no deals
    before = counts()
    with pytest.raises(PermissionDenied):
        lead_convert(actor=agent, lead=lead, pipeline=pipeline)
    assert counts() == before
