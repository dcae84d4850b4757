"""The leads pages: list with filters, lead page, status, assign, convert, CSV import with a
dry run, capture forms with their snippet, scoring and assignment rules."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from heartline.core.models import AuditEntry
from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.leads.capture import lead_capture
from heartline.leads.models import AssignmentRule, Lead, LeadForm, ScoreRule
from heartline.sales.models import Deal
from tests.leads.conftest import lead_input

pytestmark = pytest.mark.django_db


def test_the_list_filters_by_status_owner_source_score_and_search(client_for, sales, default_rules):
    mine = lead_capture(
        actor=sales,
        data=lead_input(name="张伟", phone="13800138000", organisation="ACME"),
        source="manual",
        owner=sales,
    ).lead
    other = lead_capture(actor=None, data=lead_input(email="x@qq.com"), source="web_form").lead
    client = client_for(sales)

    def ids(query: str) -> list[int]:
        response = client.get(f"/leads/?{query}")
        assert response.status_code == 200
        return [lead.pk for lead in response.context["leads"]]

    assert ids("") == [other.pk, mine.pk]  # open leads by default
    assert ids("owner=me") == [mine.pk]
    assert ids("owner=none") == [other.pk]
    assert ids("source=web_form") == [other.pk]
    assert ids("min_score=20") == [mine.pk]
    assert ids("q=zhang") == [mine.pk]
    assert ids("q=138+0013+8000") == [mine.pk]
    assert ids("status=converted") == []
    html = client.get("/leads/").content.decode()
    assert 'data-nav="leads"' in html
    assert AuditEntry.objects.filter(object_label="lead list").exists()


def test_the_lead_page_shows_reasons_history_and_duplicates(client_for, sales, default_rules):
    lead = lead_capture(
        actor=None, data=lead_input(name="张伟", email="wei@acme.cn"), source="web_form"
    ).lead
    earlier = lead_capture(
        actor=None, data=lead_input(name="张伟", phone="13700137000"), source="chat"
    ).lead
    # customers made after the capture: the lead is not linked, the page finds them
    customer = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "wei@acme.cn")], name_cjk="张伟"
    )
    namesake = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13900139000")], name_cjk="张伟"
    )
    response = client_for(sales).get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "e-mail at the company domain acme.cn (+15)" in html
    duplicates = response.context["duplicates"]
    assert [(c.customer_id, c.reasons) for c in duplicates.same_identifier] == [
        (customer.pk, ["same e-mail address"])
    ]
    assert [c.customer_id for c in duplicates.similar_name] == [namesake.pk]
    assert duplicates.leads == [(earlier, "same name")]
    assert [r["kind_label"] for r in response.context["history"]] == ["Captured"]
    assert AuditEntry.objects.filter(
        action="view", object_type="leads.lead", object_id=str(lead.pk)
    ).exists()


def test_create_qualify_assign_and_convert_through_the_pages(
    client_for, sales, make_staff, pipeline
):
    client = client_for(sales)
    created = client.post(
        "/leads/new/",
        {"name_cjk": "王芳", "phone": "138 0013 8000", "consent_marketing_email": "on"},
    )
    lead = Lead.objects.get()
    assert created["Location"] == f"/leads/{lead.pk}/"
    assert lead.consents.get().evidence == "recorded by hand by 王芳"

    refused = client.post(f"/leads/{lead.pk}/status/", {"status": "disqualified"})
    assert refused.status_code == 400
    assert "Say why the lead is disqualified." in refused.content.decode()
    client.post(f"/leads/{lead.pk}/status/", {"status": "qualified"})
    colleague = make_staff("sales", username="rep.li")
    client.post(f"/leads/{lead.pk}/assign/", {"owner": colleague.pk})
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("qualified", colleague)

    converted = client.post(
        f"/leads/{lead.pk}/convert/",
        {"pipeline": pipeline.pk, "deal_title": "Tea for ACME", "amount": "980"},
    )
    assert converted.status_code == 302
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    deal = Deal.objects.get()
    assert 'data-testid="lead-customer"' in page
    assert "Tea for ACME" in page
    assert deal.owner == colleague
    again = client.post(f"/leads/{lead.pk}/convert/", {"pipeline": pipeline.pk})
    assert again.status_code == 302
    shown = client.get(f"/leads/{lead.pk}/")
    assert "It cannot be converted twice." in shown.content.decode()
    assert Deal.objects.count() == 1


def test_an_agent_may_work_leads_but_not_convert_them(client_for, make_staff, pipeline):
    agent = make_staff("agent")
    lead = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api").lead
    page = client_for(agent).get(f"/leads/{lead.pk}/")
    assert page.context["can_convert"] is False
    response = client_for(agent).post(f"/leads/{lead.pk}/convert/", {"pipeline": pipeline.pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == "new"


CSV = (
    "姓名,手机,Email,company,consent_marketing_email,source_ref\n"
    "王芳,138 0013 8000,,ACME,是,row-1\n"
    "Emma Smith,,emma@example.org,,no,row-2\n"
    "没有联系方式,,,,,row-3\n"
    "王芳,13800138000,fang@acme.cn,,,row-4\n"
).encode()


def test_csv_import_dry_run_then_for_real(client_for, sales):
    client = client_for(sales)
    upload = SimpleUploadedFile("leads.csv", CSV, content_type="text/csv")
    assert client.post("/leads/import/", {"file": upload}).status_code == 302
    review = client.get("/leads/import/review/")
    form = review.context["form"]
    assert [form[f"col_{i}"].initial for i in range(6)] == [
        "name",
        "phone",
        "email",
        "organisation",
        "consent_marketing_email",
        "source_ref",
    ]
    mapping = {f"col_{i}": form[f"col_{i}"].initial for i in range(6)}
    dry = client.post("/leads/import/review/", mapping)
    report = dry.context["report"]
    assert report.summary == {"created": 2, "added": 1, "repeat": 0, "rejected": 1}
    assert [r.status for r in report.results] == ["created", "created", "rejected", "added"]
    assert Lead.objects.count() == 0  # a dry run writes nothing
    done = client.post("/leads/import/run/")
    assert done.context["report"].summary == {"created": 2, "added": 1, "repeat": 0, "rejected": 1}
    wang = Lead.objects.get(phone="+8613800138000")
    assert (wang.captures, wang.email, wang.source) == (2, "fang@acme.cn", "import")
    assert list(wang.consents.values_list("purpose", "granted")) == [("marketing_email", True)]

    client.post("/leads/import/", {"file": SimpleUploadedFile("leads.csv", CSV)})
    client.post("/leads/import/review/", mapping)
    again = client.post("/leads/import/run/")
    assert again.context["report"].summary == {"created": 0, "added": 0, "repeat": 3, "rejected": 1}
    assert Lead.objects.count() == 2


def test_capture_form_admin_and_its_snippet(client_for, sales):
    client = client_for(sales)
    response = client.post(
        "/leads/forms/new/",
        {
            "name": "Expo 2030",
            "active": "on",
            "fields_shown": ["name", "phone", "email"],
            "allowed_origins": "https://Expo.Example.cn/\nhttp://localhost:8080",
            "max_per_hour": "50",
            "ask_marketing_email": "on",
            "text_marketing_email_en": "E-mail me news",
            "text_marketing_email_zh": "给我发邮件",
        },
    )
    form = LeadForm.objects.get()
    assert response["Location"] == f"/leads/forms/{form.pk}/"
    assert form.allowed_origins == ["http://localhost:8080", "https://expo.example.cn"]
    assert form.consents == [
        {"purpose": "marketing_email", "text_en": "E-mail me news", "text_zh": "给我发邮件"}
    ]
    page = client.get(f"/leads/forms/{form.pk}/")
    snippet = page.context["snippets"]["script"]
    assert snippet == (
        f'<script src="http://127.0.0.1:8000/static/heartline/leadform.js" '
        f'data-form="{form.public_key}" async></script>'
    )
    old_key = form.public_key
    client.post(f"/leads/forms/{form.pk}/new-key/")
    assert LeadForm.objects.get().public_key != old_key

    bad = client.post(
        "/leads/forms/new/",
        {"name": "x", "fields_shown": ["name", "message"], "max_per_hour": "5"},
    )
    assert bad.status_code == 400
    assert "Ask for at least one way to reach the person" in bad.content.decode()


def test_rules_page(client_for, sales, team, no_rules):
    client = client_for(sales)
    client.post("/leads/rules/score/", {"kind": "has_phone", "value": "", "points": "12"})
    assert list(ScoreRule.objects.values_list("kind", "points")) == [("has_phone", 12)]
    client.post(
        "/leads/rules/assignment/",
        {"name": "East", "method": "round_robin", "team": team.pk, "match_territory": "Shanghai"},
    )
    rule = AssignmentRule.objects.get()
    assert (rule.method, rule.team, rule.match_territory) == ("round_robin", team, "Shanghai")
    page = client.get("/leads/rules/").content.decode()
    assert "has a phone number (+12)" in page
    assert "East" in page
    client.post(f"/leads/rules/assignment/{rule.pk}/delete/")
    client.post("/leads/rules/score/reset/")
    assert AssignmentRule.objects.count() == 0
    assert ScoreRule.objects.count() == 8


def test_every_leads_page_is_safe_under_the_csp(client_for, sales, capture_form, pipeline):
    """No inline script or style, the strict CSP, no-store — on every page of the area, and
    on the public form's own page (which anyone may open)."""
    from tests.web.test_csp import assert_safe_page

    lead = lead_capture(
        actor=None,
        data=lead_input(name="<b onclick=alert(1)>x</b>", phone="13800138000", message="<script>"),
        source="web_form",
    ).lead
    client = client_for(sales)
    client.post("/leads/import/", {"file": SimpleUploadedFile("l.csv", CSV)})
    for url in (
        "/leads/",
        "/leads/new/",
        f"/leads/{lead.pk}/",
        "/leads/import/",
        "/leads/import/review/",
        "/leads/forms/",
        "/leads/forms/new/",
        f"/leads/forms/{capture_form.pk}/",
        "/leads/rules/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response, signed_in=True)
    assert "<b onclick" not in client.get(f"/leads/{lead.pk}/").content.decode()
    public_page = client_for(None).get(f"/forms/{capture_form.public_key}/")
    assert_safe_page(public_page, signed_in=False)
