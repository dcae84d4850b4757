"""A visitor sends the capture form embedded in a shop's page on another origin; a salesperson
sees the lead, converts it, and finds the customer (with the enquiry on the timeline) and the
deal. Runs under both sites' real CSP conditions: no inline script, no console error."""

from __future__ import annotations

from typing import Any

import pytest

from heartline.customers.models import ConsentEvent, Customer
from heartline.leads import publicform, setup
from heartline.leads.models import Lead
from heartline.sales.models import Deal, Pipeline, Stage
from tests.e2e.conftest import off_loop
from tests.e2e.leads_steps import (
    convert_lead,
    open_lead_from_list,
    submit_embedded_form,
    visitor_site,
    write_shop_page,
)
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _seed(site: str) -> tuple[Any, Any]:
    pipeline = Pipeline.objects.create(name_en="New business", name_zh="新业务")
    Stage.objects.create(pipeline=pipeline, name_en="Contacted", position=1, probability=10)
    Stage.objects.create(pipeline=pipeline, name_en="Proposal", position=2, probability=40)
    form = setup.leadform_create(
        actor=None,
        name="Shop contact",
        fields=["name", "organisation", "phone", "email", "message"],
        consents=[
            {"purpose": "marketing_email", "text_en": "E-mail me tea news", "text_zh": "邮件资讯"},
            {"purpose": "marketing_sms", "text_en": "Text me offers", "text_zh": "短信优惠"},
        ],
        allowed_origins=[site],
        thank_you_en="Thank you — we will be in touch within a day.",
    )
    return pipeline, form


def test_visitor_to_lead_to_customer_and_deal(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(publicform, "MIN_FILL_SECONDS", 1)
    base = asgi_server
    off_loop(make_staff, "sales", username="rep.wang", display_name="王芳")
    with visitor_site(tmp_path) as site:
        _pipeline, form = off_loop(_seed, site)
        write_shop_page(tmp_path, base, form.public_key)

        visitor: Any = open_page()
        thanks = submit_embedded_form(
            visitor,
            site,
            {
                "name": "李娜",
                "organisation": "ACME 茶业",
                "phone": "139 1234 5678",
                "email": "Li.Na@acme-tea.cn",
                "message": "Quote for 300 gift boxes, please.",
            },
            consents=["marketing_email"],
        )
        visitor.screenshot(path="/tmp/heartline-leadform-embedded.png", full_page=True)
    assert thanks == "Thank you — we will be in touch within a day."
    lead = off_loop(lambda: Lead.objects.get())
    assert (lead.phone, lead.email, lead.source, lead.status) == (
        "+8613912345678",
        "li.na@acme-tea.cn",
        "web_form",
        "new",
    )

    rep: Any = open_page()
    sign_in(rep, base, "rep.wang")
    lead_id = open_lead_from_list(rep, base, "李娜")
    assert lead_id == lead.pk
    assert rep.locator("[data-testid=lead-message]").inner_text() == (
        "Quote for 300 gift boxes, please."
    )
    convert_lead(
        rep,
        pipeline_label="New business",
        stage_label="New business › Proposal",
        title="300 gift boxes for ACME",
        amount="36000",
    )
    assert rep.locator("[data-testid=lead-status]").inner_text() == "Converted"
    assert rep.locator("[data-testid=lead-deal]").inner_text() == "300 gift boxes for ACME"
    rep.screenshot(path="/tmp/heartline-lead.png", full_page=True)
    customer, deal = off_loop(lambda: (Customer.objects.get(), Deal.objects.get()))
    assert (deal.customer_id, deal.stage.name_en, str(deal.amount)) == (
        customer.pk,
        "Proposal",
        "36000.0000",
    )
    consents = off_loop(
        lambda: list(ConsentEvent.objects.values_list("purpose", "granted").order_by("id"))
    )
    assert consents == [("marketing_email", True), ("marketing_sms", False)]

    rep.click("[data-testid=lead-customer]")
    rep.wait_for_url(f"{base}/customers/{customer.pk}/")
    assert rep.locator("[data-testid=customer-name]").inner_text() == "李娜"
    timeline = rep.locator("#timeline").inner_text()
    assert "Enquiry (lead, Web form)" in timeline
    assert "Lead converted into a deal" in timeline
    rep.screenshot(path="/tmp/heartline-lead-converted.png", full_page=True)
