"""lead_capture: normalised identifiers, de-duplication against open leads and customers,
idempotent source_ref, consent kept on the lead and handed to the customer's ledger."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from heartline.customers import services as customers
from heartline.customers.models import ConsentEvent
from heartline.customers.services import IdentityInput
from heartline.leads import services
from heartline.leads.capture import lead_capture
from heartline.leads.contact import one_way_to_reach_message
from heartline.leads.models import Lead, LeadConsent, LeadEvent
from heartline.timeline.models import Interaction
from tests.leads.conftest import lead_input

pytestmark = pytest.mark.django_db


def test_a_phone_alone_makes_a_lead_with_normalised_identifier_and_name_keys(sales, no_rules):
    result = lead_capture(
        actor=sales,
        data=lead_input(name="张伟", phone="138 0013 8000", message="想了解绿茶礼盒"),
        source="manual",
    )
    lead = Lead.objects.get()
    assert result.outcome == "created"
    assert result.lead == lead
    assert (lead.phone, lead.email, lead.handle) == ("+8613800138000", "", "")
    assert (lead.name_cjk, lead.name_pinyin, lead.name_latin) == ("张伟", "Zhāng Wěi", "")
    assert (lead.key_cjk, lead.key_pinyin) == ("张伟", "zhangwei")
    assert (lead.status, lead.source, lead.captures, lead.score) == ("new", "manual", 1, 0)
    events = list(lead.events.values_list("kind", "source", "message", "actor_id"))
    assert events == [("captured", "manual", "想了解绿茶礼盒", sales.pk)]


def test_a_latin_name_goes_to_the_latin_field_and_a_wechat_handle_is_enough(sales):
    lead = lead_capture(
        actor=sales,
        data=lead_input(name="Emma Smith", handle=" emma_s ", handle_provider=""),
        source="chat",
    ).lead
    assert (lead.name_latin, lead.name_cjk, lead.key_latin) == ("Emma Smith", "", "emmasmith")
    assert (lead.handle, lead.handle_provider) == ("emma_s", "wechat")


def test_without_a_way_to_reach_the_person_nothing_is_stored(sales, counts):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        lead_capture(actor=sales, data=lead_input(name="张伟", organisation="ACME"), source="api")
    assert caught.value.message_dict == {"contact": [one_way_to_reach_message()]}
    assert counts() == before


def test_a_bad_phone_is_its_own_error_not_the_missing_identifier(sales):
    with pytest.raises(ValidationError) as caught:
        lead_capture(actor=sales, data=lead_input(phone="12"), source="api")
    assert caught.value.message_dict == {"phone": ["“12” is not a valid phone number."]}


def test_staff_without_leads_manage_may_not_capture(make_staff, counts):
    analyst = make_staff("analyst")
    before = counts()
    with pytest.raises(PermissionDenied):
        lead_capture(actor=analyst, data=lead_input(phone="13800138000"), source="manual")
    assert counts() == before


def test_same_identifier_as_an_open_lead_is_added_to_its_history(sales, no_rules):
    first = lead_capture(
        actor=None,
        data=lead_input(phone="+86 138 0013 8000", message="第一次"),
        source="web_form",
    ).lead
    again = lead_capture(
        actor=sales,
        data=lead_input(
            name="Wei Zhang",
            phone="008613800138000",
            email="Wei@ACME.cn",
            organisation="ACME",
            message="second time",
        ),
        source="chat",
    )
    assert again.outcome == "added"
    assert again.lead.pk == first.pk
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert (lead.captures, lead.email, lead.name_latin, lead.organisation, lead.message) == (
        2,
        "wei@acme.cn",
        "Wei Zhang",
        "ACME",
        "第一次",
    )
    history = list(lead.events.values_list("kind", "source", "message", "data"))
    assert history == [
        ("captured", "web_form", "第一次", {"form": "", "score": 0}),
        (
            "captured_again",
            "chat",
            "second time",
            {"form": "", "filled": ["name_latin", "organisation", "email"]},
        ),
    ]


def test_e_mail_of_an_open_lead_matches_whatever_its_case(sales):
    first = lead_capture(actor=None, data=lead_input(email="Li.Na@Example.CN"), source="api").lead
    again = lead_capture(actor=None, data=lead_input(email="li.na@example.cn "), source="api")
    assert (again.outcome, again.lead.pk) == ("added", first.pk)


def test_an_identifier_of_another_open_lead_is_not_taken_over(sales):
    by_phone = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api").lead
    by_mail = lead_capture(actor=None, data=lead_input(email="x@acme.cn"), source="api").lead
    again = lead_capture(
        actor=None, data=lead_input(phone="13800138000", email="x@acme.cn"), source="api"
    )
    assert again.lead.pk == by_phone.pk  # phone matches first
    assert Lead.objects.get(pk=by_phone.pk).email == ""  # still the other lead's
    assert Lead.objects.get(pk=by_mail.pk).email == "x@acme.cn"


def test_a_closed_lead_does_not_absorb_a_new_capture(sales):
    old = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api").lead
    services.lead_set_status(actor=sales, lead=old, status="disqualified", reason="student")
    new = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api")
    assert new.outcome == "created"
    assert new.lead.pk != old.pk
    # …and reopening the old one would give two open leads for one phone: refused.
    with pytest.raises(ValidationError) as caught:
        services.lead_set_status(actor=sales, lead=old, status="working")
    assert caught.value.messages == [
        f"Open lead #{new.lead.pk} already has this phone, e-mail or handle."
    ]


def test_the_database_keeps_one_open_lead_per_identifier(sales):
    lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(phone="+8613800138000", source="api")


def test_a_source_ref_seen_before_is_a_repeat_and_writes_nothing(sales, counts):
    first = lead_capture(
        actor=sales, data=lead_input(phone="13800138000"), source="api", source_ref="crm-7"
    )
    before = counts()
    repeat = lead_capture(
        actor=sales,
        data=lead_input(phone="13900139000", message="changed"),
        source="api",
        source_ref="crm-7",
    )
    assert (repeat.outcome, repeat.lead.pk) == ("repeat", first.lead.pk)
    assert counts() == before
    other_source = lead_capture(
        actor=sales, data=lead_input(phone="13900139000"), source="import", source_ref="crm-7"
    )
    assert other_source.outcome == "created"


def test_identical_phone_of_a_customer_links_the_lead_and_hands_over_consent_and_history(
    sales,
):
    customer = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")], name_cjk="张伟"
    )
    result = lead_capture(
        actor=None,
        data=lead_input(
            phone="138-0013-8000",
            message="Price of the tea box?",
            consents=[("marketing_email", True), ("marketing_sms", False)],
        ),
        source="web_form",
    )
    lead = Lead.objects.get()
    assert lead.customer_id == customer.pk
    linked = lead.events.get(kind="linked")
    assert linked.data == {"customer_id": customer.pk, "by": "phone"}
    ledger = list(
        ConsentEvent.objects.filter(customer=customer)
        .order_by("id")
        .values_list("purpose", "granted", "source", "evidence")
    )
    assert ledger == [
        ("marketing_email", True, "web_form", f"lead #{lead.pk}: test"),
        ("marketing_sms", False, "web_form", f"lead #{lead.pk}: test"),
    ]
    assert LeadConsent.objects.filter(lead=lead, transferred_at__isnull=True).count() == 0
    rows = list(
        Interaction.objects.filter(customer=customer)
        .order_by("id")
        .values_list(
            "channel", "direction", "topic", "summary", "link_type", "source", "source_ref"
        )
    )
    captured = lead.events.get(kind="captured")
    assert rows == [
        (
            "web",
            "in",
            "Enquiry (lead, Web form)",
            "Price of the tea box?",
            "lead",
            "lead",
            f"{lead.pk}:{captured.pk}",
        ),
        (
            "system",
            "internal",
            "Lead linked to this customer",
            "",
            "lead",
            "lead",
            f"{lead.pk}:{linked.pk}",
        ),
    ]
    assert result.outcome == "created"


def test_an_unticked_box_never_withdraws_a_consent_the_customer_gave(sales):
    customer = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "li@acme.cn")]
    )
    customers.consent_record(
        actor=None, customer=customer, purpose="marketing_email", granted=True, source="store"
    )
    lead_capture(
        actor=None,
        data=lead_input(email="li@acme.cn", consents=[("marketing_email", False)]),
        source="web_form",
    )
    ledger = list(
        ConsentEvent.objects.filter(customer=customer).values_list("purpose", "granted", "source")
    )
    assert ledger == [("marketing_email", True, "store")]


def test_consent_waits_on_the_lead_until_there_is_a_customer(sales):
    lead = lead_capture(
        actor=None,
        data=lead_input(email="new@acme.cn", consents=[("marketing_email", True)]),
        source="web_form",
    ).lead
    kept = list(
        LeadConsent.objects.filter(lead=lead).values_list(
            "purpose", "granted", "source", "evidence", "transferred_at"
        )
    )
    assert kept == [("marketing_email", True, "web_form", "test", None)]
    assert ConsentEvent.objects.count() == 0
    assert LeadEvent.objects.filter(lead=lead, kind="linked").count() == 0


def test_a_later_capture_adding_a_customers_phone_links_the_lead(sales):
    customer = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")]
    )
    lead = lead_capture(actor=None, data=lead_input(email="wei@acme.cn"), source="api").lead
    assert lead.customer_id is None
    lead_capture(
        actor=None, data=lead_input(email="wei@acme.cn", phone="13800138000"), source="api"
    )
    assert Lead.objects.get(pk=lead.pk).customer_id == customer.pk


def test_a_merge_moves_the_duplicates_leads_to_the_survivor(make_staff):
    manager = make_staff("manager")
    survivor = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")]
    )
    duplicate = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "wei@acme.cn")]
    )
    lead = lead_capture(actor=None, data=lead_input(email="wei@acme.cn"), source="api").lead
    assert lead.customer_id == duplicate.pk
    from heartline.customers.merge import customer_merge

    customer_merge(actor=manager, survivor=survivor, duplicate=duplicate)
    assert Lead.objects.get(pk=lead.pk).customer_id == survivor.pk
