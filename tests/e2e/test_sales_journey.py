"""The sales journey of issue 4 in one go, in a real Chromium, as a sales rep: a visitor's enquiry
through the form embedded in a Chinese shop page becomes a lead; the rep converts it into a
customer and a deal, gives the deal what the next stage requires, drags it there on the board
(it stays after a reload), makes a quote from the deal page and sends it (the e-mail goes to
the customer, in Chinese), records that the customer accepted, and finds the order on the
customer's timeline. Each step is the one the area's own browser test drives."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from heartline.customers.models import Customer
from heartline.leads import publicform, setup
from heartline.leads.models import Lead, LeadForm
from heartline.orders.models import Order, Quote
from heartline.sales.models import Deal, Pipeline, StageChange
from heartline.sales.pipelines import StageInput, pipeline_create
from tests.e2e.conftest import off_loop
from tests.e2e.leads_steps import (
    convert_lead,
    open_lead_from_list,
    submit_embedded_form,
    visitor_site,
    write_shop_page,
)
from tests.e2e.test_deal_board import card, column
from tests.e2e.test_shell import sign_in
from tests.orders.conftest import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THANKS_ZH = "谢谢！我们会在一个工作日内联系您。"


def _seed(site: str) -> tuple[Pipeline, LeadForm]:
    make_shop()  # TEA-001 (80.00 from 10), CUP-002 (35.50), 13 % VAT
    pipeline = pipeline_create(
        actor=None,
        name_en="New business",
        name_zh="新业务",
        stages=[
            StageInput("Qualified", "需求确认", "open", 30, ["owner"]),
            StageInput("Proposal", "方案报价", "open", 60, ["amount", "expected_close"]),
            StageInput("Won", "赢单", "won"),
            StageInput("Lost", "输单", "lost"),
        ],
    )
    form = setup.leadform_create(
        actor=None,
        name="Shop contact",
        fields=["name", "organisation", "phone", "email", "message"],
        consents=[
            {"purpose": "marketing_email", "text_en": "E-mail me tea news", "text_zh": "邮件资讯"},
        ],
        allowed_origins=[site],
        thank_you_zh=THANKS_ZH,
    )
    return pipeline, form


def _capture(open_page: Any, base: str, directory: Any) -> None:
    """A visitor sends the form embedded in the shop's Chinese page."""
    with visitor_site(directory) as site:
        _pipeline, form = off_loop(_seed, site)
        write_shop_page(directory, base, form.public_key, lang="zh-Hans")
        thanks = submit_embedded_form(
            open_page(),
            site,
            {
                "name": "李娜",
                "organisation": "ACME 茶业",
                "phone": "139 1234 5678",
                "email": "Li.Na@acme-tea.cn",
                "message": "想要十二盒龙井和六个茶杯的报价。",
            },
            consents=["marketing_email"],
        )
    assert thanks == THANKS_ZH


def _satisfy_proposal(page: Any, close: datetime.date) -> None:
    """On the deal page: Edit, the expected close date and the products, Save."""
    page.click("[data-testid=deal-edit]")
    page.wait_for_selector("[data-testid=deal-form]")
    page.fill("#id_expected_close", close.isoformat())
    page.fill("#id_lines-0-sku", "TEA-001")
    page.fill("#id_lines-0-quantity", "12")
    page.fill("#id_lines-1-sku", "CUP-002")
    page.fill("#id_lines-1-quantity", "6")
    page.click("[data-testid=deal-save]")
    page.wait_for_selector("[data-testid=deal-lines]")


def test_lead_to_board_to_quote_to_order_on_the_timeline(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page, tmp_path, monkeypatch, settings
) -> None:
    monkeypatch.setattr(publicform, "MIN_FILL_SECONDS", 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMPANY_NAME, settings.COMPANY_NAME_ZH = "Mingxin Tea", "茗心茶业"
    mail.outbox = []
    base = asgi_server
    off_loop(make_staff, "sales", username="rep.wang", display_name="王芳", email="wang@x.example")

    # 1. The lead, captured through the embedded form in the visitor's language.
    _capture(open_page, base, tmp_path)
    lead = off_loop(lambda: Lead.objects.get())
    assert (lead.email, lead.language, lead.status) == ("li.na@acme-tea.cn", "zh-hans", "new")

    # 2. Converted into a customer and a deal in the first stage.
    page: Any = open_page()
    sign_in(page, base, "rep.wang")
    assert open_lead_from_list(page, base, "李娜") == lead.pk
    convert_lead(
        page,
        pipeline_label="New business",
        stage_label="New business › Qualified",
        title="Longjing for ACME",
        amount="1000",
    )
    assert page.locator("[data-testid=lead-status]").inner_text() == "Converted"
    customer, deal = off_loop(lambda: (Customer.objects.get(), Deal.objects.get()))
    assert (customer.language, deal.customer_id, deal.stage.name_en) == (
        "zh-hans",
        customer.pk,
        "Qualified",
    )

    # 3. What "Proposal" requires, given on the deal page; then the drag on the board.
    page.click("[data-testid=lead-deal]")
    page.wait_for_url(f"{base}/deals/{deal.pk}/")
    close = timezone.localdate() + datetime.timedelta(days=30)
    _satisfy_proposal(page, close)
    assert page.locator("[data-testid=deal-amount]").inner_text() == "CN¥1,173.00"
    pipeline = deal.pipeline
    stages = {s.name_en: s for s in off_loop(lambda: list(pipeline.stages.all()))}
    page.click("#main-nav a[data-nav=deal_board]")
    page.wait_for_url(f"{base}/deals/board/{pipeline.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_selector("[data-live-pipeline][data-live-state=subscribed]")
    card(page, "Longjing for ACME").drag_to(column(page, pipeline, "Proposal"))
    head = page.locator(f"[data-testid=column-count-{stages['Proposal'].pk}]")
    head.filter(has_text="1 deal").wait_for()
    page.reload()
    page.wait_for_load_state("load")
    assert column(page, pipeline, "Proposal").locator(".deal-title").all_inner_texts() == [
        "Longjing for ACME"
    ]
    assert column(page, pipeline, "Qualified").locator(".deal-card").count() == 0
    move = off_loop(lambda: StageChange.objects.filter(deal=deal).latest("id"))
    assert (move.from_stage_id, move.to_stage_id, move.via) == (
        stages["Qualified"].pk,
        stages["Proposal"].pk,
        "board",
    )

    # 4. A quote from the deal page, sent to the customer.
    card(page, "Longjing for ACME").locator(".deal-title").click()
    page.wait_for_url(f"{base}/deals/{deal.pk}/")
    page.click("[data-testid=new-quote]")  # the deal page's quotes section (htmx)
    page.wait_for_url(re.compile(rf"{base}/quotes/\d+/$"))
    page.wait_for_load_state("load")
    quote = off_loop(lambda: Quote.objects.get(deal=deal))
    assert page.locator("[data-testid=quote-status]").inner_text() == "Draft"
    assert (quote.language, quote.net, quote.tax, quote.total) == (
        "zh-hans",
        Decimal("1173.00"),
        Decimal("152.49"),
        Decimal("1325.49"),
    )
    page.click("[data-testid=send-quote]")
    page.wait_for_selector("[data-testid=send-dialog]")
    assert page.input_value("#id_to") == "li.na@acme-tea.cn"
    page.fill("#id_note", "李女士您好，报价如下，请查收。")
    page.click("[data-testid=send-submit]")
    page.wait_for_selector("[data-testid=quote-status]:has-text('Sent')")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    with translation.override("zh-hans"):
        subject = gettext("Quote %(number)s from %(company)s") % {
            "number": quote.number,
            "company": "茗心茶业",  # the Chinese name: the quote is in the customer's language
        }
    assert (sent.to, sent.subject, sent.reply_to) == (
        ["li.na@acme-tea.cn"],
        subject,
        ["wang@x.example"],
    )
    html, kind = sent.alternatives[0]
    assert (kind, '<html lang="zh-Hans">' in html) == ("text/html", True)
    assert "龙井绿茶 250克 × 12" in html
    assert "李女士您好，报价如下，请查收。" in sent.body
    assert 'lang="zh-Hans"' in sent.attachments[0][1]

    # 5. The customer said yes: marked accepted, the order opens.
    page.fill("#answer-note", "电话确认")
    page.click("[data-testid=mark-accepted]")
    page.wait_for_url(re.compile(rf"{base}/orders/\d+/$"))
    order = off_loop(lambda: Order.objects.get(quote=quote))
    assert page.locator("[data-testid=order-number]").inner_text() == order.number
    assert page.locator("[data-testid=order-total]").inner_text() == "CN¥1,325.49"

    # 6. On the customer's timeline.
    page.click("[data-testid=order-customer]")
    page.wait_for_url(f"{base}/customers/{customer.pk}/")
    row = page.locator("#timeline li.interaction", has_text=f"Order {order.number}")
    assert row.locator("p").inner_text() == (
        f"Order {order.number} placed (Quote): 2 line(s), total CN¥1,325.49."
    )
    timeline = page.locator("#timeline").inner_text()
    assert f"Quote {quote.number} accepted. 电话确认" in timeline
    assert "Lead converted into a deal" in timeline
    page.screenshot(path="/tmp/heartline-sales-journey.png", full_page=True)
