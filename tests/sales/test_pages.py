"""The deal pages: the board (columns, totals, paging, the move by htmx), the list, the deal
page with its move form, a new deal from the customer desk, editing lines, the import."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heartline.core.models import AuditEntry
from heartline.sales import services
from heartline.sales.lines import DealLineInput
from heartline.sales.models import Deal, DealLine, Pipeline, StageChange
from tests.sales.conftest import stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(seller) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(seller)
    return client


def _deal(seller, customer, pipeline, title="Kiosks", **extra):  # type: ignore[no-untyped-def]
    return services.deal_create(
        actor=seller, customer=customer, title=title, pipeline=pipeline, **extra
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_board_columns_cards_and_totals(browser, seller, customer, pipeline):
    _deal(seller, customer, pipeline, title="Kiosks", amount="1000.00")
    _deal(seller, customer, pipeline, title="Tills", amount="333.33", owner=None)
    usd = _deal(seller, customer, pipeline, title="Export", amount="50", currency="USD")
    services.deal_move(actor=seller, deal=usd, to_stage=stage(pipeline, "Qualified"), via="form")
    response = browser.get(f"/deals/board/{pipeline.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    lead, qualified = stage(pipeline, "Lead"), stage(pipeline, "Qualified")
    head = _text(html.split(f'id="column-head-{lead.pk}"')[1].split("</header>")[0])
    assert head.endswith("Lead 10 % 2 deals · weighted CN¥133.33")  # (1,000.00 + 333.33) × 10 %
    head = _text(html.split(f'id="column-head-{qualified.pk}"')[1].split("</header>")[0])
    assert "1 deal · weighted $15.00 Requires: owner" in head
    cards = re.findall(r'data-testid="deal-card">(.*?)</li>', html, flags=re.S)
    assert [_text(c) for c in cards] == [
        "Tills 张伟 CN¥333.33 no owner",
        "Kiosks 张伟 CN¥1,000.00 Sam Seller",
        "Export 张伟 $50.00 Sam Seller",
    ]
    assert f'data-live-pipeline="{pipeline.pk}"' in html
    assert 'data-kind="won"' in html
    assert 'data-kind="lost"' in html
    assert "/static/heartline/vendor/sortable.min.js" in html
    assert "<script>" not in html  # the CSP forbids inline script: board.js wires it
    entry = AuditEntry.objects.filter(action="view").latest("id")
    assert (entry.object_type, entry.object_label, entry.changes) == (
        "customers.customer",
        "pipeline board",
        {"fields": ["name"], "customers": [customer.pk]},
    )


def test_board_queries_do_not_grow_with_the_deals_and_columns_page(
    browser, seller, customer, pipeline
):
    lead = stage(pipeline, "Lead")
    for n in range(3):
        _deal(seller, customer, pipeline, title=f"Deal {n}")
    browser.get(f"/deals/board/{pipeline.pk}/")  # the session's first request writes it
    with CaptureQueriesContext(connection) as few:
        browser.get(f"/deals/board/{pipeline.pk}/columns/")
    Deal.objects.bulk_create(
        Deal(
            title=f"Bulk {n}",
            customer=customer,
            pipeline=pipeline,
            stage=lead,
            rank=1000 + n,
            amount=Decimal(1),
        )
        for n in range(60)
    )
    with CaptureQueriesContext(connection) as many:
        response = browser.get(f"/deals/board/{pipeline.pk}/columns/")
    # session, user, pipeline, its stages, totals, a column, the audit entry of the names shown
    assert len(many) == len(few) == 7
    html = response.content.decode()
    assert html.count('data-testid="deal-card"') == 50
    assert "63 deals" in html
    last = Deal.objects.filter(stage=lead).order_by("rank", "id")[49]
    more = re.search(r'hx-get="([^"]+/more/\?[^"]+)"', html)
    assert more is not None
    assert more.group(1).replace("&amp;", "&") == (
        f"/deals/board/stages/{lead.pk}/more/?after_rank={last.rank}&after_id={last.pk}"
    )
    rest = browser.get(more.group(1).replace("&amp;", "&")).content.decode()
    assert rest.count('data-testid="deal-card"') == 13
    assert f'id="more-{lead.pk}" hx-swap-oob="true"></div>' in rest  # nothing more after
    assert browser.get(f"/deals/board/stages/{lead.pk}/more/?after_rank=x").status_code == 400


def test_a_drop_on_the_board_moves_the_deal_and_answers_the_column_heads(
    browser, seller, customer, pipeline
):
    a = _deal(seller, customer, pipeline, title="A")
    b = _deal(seller, customer, pipeline, title="B")  # on top
    qualified, lead = stage(pipeline, "Qualified"), stage(pipeline, "Lead")
    response = browser.post(
        f"/deals/{b.pk}/move/",
        {"stage": qualified.pk, "after": "", "before": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="column-head-{lead.pk}" hx-swap-oob="true"' in html
    assert f'id="column-head-{qualified.pk}" hx-swap-oob="true"' in html
    assert 'hx-swap-oob="delete"' not in html
    assert StageChange.objects.filter(deal=b).latest("id").via == "board"
    # a drop within the column: a new place, no stage change
    c = _deal(seller, customer, pipeline, title="C")
    browser.post(f"/deals/{c.pk}/move/", {"stage": lead.pk, "after": a.pk}, HTTP_HX_REQUEST="true")
    assert list(
        Deal.objects.filter(stage=lead).order_by("rank").values_list("title", flat=True)
    ) == [
        "A",
        "C",
    ]
    won = browser.post(
        f"/deals/{a.pk}/move/", {"stage": stage(pipeline, "Won").pk}, HTTP_HX_REQUEST="true"
    )
    assert f'<li id="deal-{a.pk}" hx-swap-oob="delete"></li>' in won.content.decode()
    assert Deal.objects.get(pk=a.pk).status == "won"


def test_the_move_needs_the_csrf_token_and_deals_edit(customer, pipeline, seller, staff_by_role):
    deal = _deal(seller, customer, pipeline)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(seller)
    assert (
        strict.post(
            f"/deals/{deal.pk}/move/", {"stage": stage(pipeline, "Qualified").pk}
        ).status_code
        == 403
    )
    agent = Client()
    agent.force_login(staff_by_role["agent"])
    assert (
        agent.post(
            f"/deals/{deal.pk}/move/", {"stage": stage(pipeline, "Qualified").pk}
        ).status_code
        == 403
    )
    assert agent.get(f"/deals/board/{pipeline.pk}/").status_code == 403
    assert StageChange.objects.count() == 1
    analyst = Client()
    analyst.force_login(staff_by_role["analyst"])
    assert analyst.get("/deals/").status_code == 403


def test_deal_page_move_form_and_history(browser, seller, customer, pipeline, lost_reason, product):
    deal = _deal(
        seller, customer, pipeline, lines=[DealLineInput(quantity=2, product_id=product.pk)]
    )
    page = browser.get(f"/deals/{deal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="lines-net">CN¥2,000.00<' in html
    assert 'data-testid="lines-total">CN¥2,260.00<' in html
    assert "Deal opened" in html
    assert AuditEntry.objects.filter(action="view", object_id=str(customer.pk)).count() == 1
    refused = browser.post(f"/deals/{deal.pk}/move/", {"stage": stage(pipeline, "Lost").pk})
    assert refused.status_code == 400
    assert "Choose why the deal was lost before moving it to “Lost”." in refused.content.decode()
    moved = browser.post(
        f"/deals/{deal.pk}/move/",
        {"stage": stage(pipeline, "Lost").pk, "lost_reason": lost_reason.pk, "lost_note": "budget"},
    )
    assert (moved.status_code, moved["Location"]) == (302, f"/deals/{deal.pk}/")
    history = _text(
        browser.get(f"/deals/{deal.pk}/")
        .content.decode()
        .split('data-testid="stage-history"')[1]
        .split("</ol>")[0]
    )
    assert "Lead Sam Seller · form" in history
    assert "Lead → Lost Sam Seller · form" in history
    other = browser.post(f"/deals/{deal.pk}/move/", {"stage": 999999})
    assert other.status_code == 400


def test_new_deal_from_the_customer_desk(browser, seller, customer, pipeline):
    desk = browser.get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/deals/new/?customer={customer.pk}"' in desk
    form = browser.get(f"/deals/new/?customer={customer.pk}").content.decode()
    assert f'value="#{customer.pk}"' in form
    response = browser.post(
        "/deals/new/",
        {
            "customer": f"#{customer.pk}",
            "title": "Scanners",
            "pipeline": pipeline.pk,
            "amount": "",
            "currency": "",
            "expected_close": "2027-04-30",
            "owner": seller.pk,
            "competitors": "Acme，Zebra",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "",
            "lines-0-description": "Set-up",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "880",
            "lines-0-discount_percent": "",
            "lines-1-sku": "",
            "lines-1-description": "",
            "lines-1-quantity": "",
            "lines-1-unit_price": "",
            "lines-1-discount_percent": "",
        },
    )
    deal = Deal.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/deals/{deal.pk}/")
    assert (deal.customer_id, deal.amount, deal.competitors, deal.expected_close) == (
        customer.pk,
        Decimal("880.0000"),
        ["Acme", "Zebra"],
        datetime.date(2027, 4, 30),
    )
    desk = browser.get(f"/customers/{customer.pk}/").content.decode()
    section = _text(desk.split('data-testid="customer-deals"')[1].split("</section>")[0])
    assert "Scanners Lead · 10 % 880.00 CNY 2027-04-30" in section
    unknown = browser.post(
        "/deals/new/",
        {
            "customer": "13000000000",
            "title": "X",
            "pipeline": pipeline.pk,
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
    )
    assert unknown.status_code == 400
    assert "No customer has the identifier 13000000000." in unknown.content.decode()
    assert Deal.objects.count() == 1


def test_edit_replaces_the_lines_and_keeps_the_stage_rules(
    browser, seller, customer, pipeline, product
):
    deal = _deal(seller, customer, pipeline, amount="10", expected_close=datetime.date(2027, 1, 1))
    services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="form")
    base = {
        "title": "Kiosks",
        "currency": "CNY",
        "owner": seller.pk,
        "competitors": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "hl-100",
        "lines-0-description": "",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "",
        "lines-0-discount_percent": "",
    }
    refused = browser.post(f"/deals/{deal.pk}/edit/", {**base, "expected_close": "", "amount": ""})
    assert refused.status_code == 400
    assert (
        "“Proposal” requires expected close date: it stays filled while the deal is there."
        in refused.content.decode()
    )
    assert DealLine.objects.count() == 0
    saved = browser.post(
        f"/deals/{deal.pk}/edit/", {**base, "expected_close": "2027-02-01", "amount": ""}
    )
    assert saved.status_code == 302
    deal.refresh_from_db()
    assert (deal.amount, DealLine.objects.get().unit_price) == (
        Decimal("9000.0000"),
        Decimal("900.0000"),
    )


def test_list_filters(browser, seller, customer, make_customer, pipeline):
    a = _deal(seller, customer, pipeline, title="Kiosks", expected_close=datetime.date(2027, 1, 5))
    other = make_customer("李娜", "13900139000")
    b = _deal(seller, other, pipeline, title="Tills", owner=None)

    def titles(query: str) -> list[str]:
        html = browser.get(f"/deals/?{query}").content.decode()
        return re.findall(r'<a href="/deals/\d+/">([^<]+)</a>', html)

    assert titles("") == ["Tills", "Kiosks"]
    assert titles("q=李") == ["Tills"]
    assert titles(f"owner={seller.pk}") == ["Kiosks"]
    assert titles("close_from=2027-01-01&close_to=2027-01-31") == ["Kiosks"]
    assert titles("status=won") == []
    assert titles(f"stage={stage(pipeline, 'Lead').pk}&pipeline={pipeline.pk}") == [
        "Tills",
        "Kiosks",
    ]
    assert browser.get("/deals/?close_from=yesterday").status_code == 200
    assert (a.pk, b.pk) != (0, 0)


def test_import_page_reports_row_by_row(browser, seller, customer, pipeline):
    data = (
        "customer,title,pipeline,stage,amount,expected_close\n"
        f"#{customer.pk},Kiosks,New business,Qualified,1200,2027-03-01\n"
        f"+86 138 0013 8000,Tills,新业务,Proposal,,\n"
        "nobody@example.com,Ghost,New business,,,\n"
    ).encode()
    upload = SimpleUploadedFile("deals.csv", data, content_type="text/csv")
    response = browser.post("/deals/import/", {"file": upload, "dry_run": ""})
    assert response.status_code == 200
    rows = re.findall(
        r'<tr data-row="(\d+)" data-status="(\w+)">(.*?)</tr>',
        response.content.decode(),
        flags=re.S,
    )
    assert [(n, s, _text(r).split(" ", 2)[-1]) for n, s, r in rows] == [
        ("1", "created", f"#{Deal.objects.get(title='Kiosks').pk}"),
        ("2", "rejected", "Before a deal enters “Proposal”, fill in: amount, expected close date."),
        ("3", "rejected", "customer: No customer has the identifier nobody@example.com."),
    ]
    assert list(Deal.objects.values_list("title", "stage__name_en", "amount")) == [
        ("Kiosks", "Qualified", Decimal("1200.0000"))
    ]
    bad = browser.post("/deals/import/", {"file": SimpleUploadedFile("x.csv", b"name\nx\n")})
    assert bad.status_code == 400
    assert "The file has no column(s): customer, title, pipeline." in bad.content.decode()


def _stage_rows(rows: list[dict]) -> dict:
    data = {"stages-TOTAL_FORMS": str(len(rows)), "stages-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"stages-{index}-{key}"] = value
    return data


def test_pipelines_are_configured_by_managers_only(staff_by_role, seller, customer, pipeline):
    manager = Client()
    manager.force_login(staff_by_role["manager"])
    sales = Client()
    sales.force_login(seller)
    assert sales.get("/deals/pipelines/").status_code == 403
    created = manager.post(
        "/deals/pipelines/", {"name_en": "Partners", "name_zh": "渠道", "currency": "usd"}
    )
    partners = Pipeline.objects.get(name_en="Partners")
    assert (created.status_code, created["Location"]) == (302, f"/deals/pipelines/{partners.pk}/")
    assert partners.currency == "USD"
    head = {"name_en": "Partners", "name_zh": "渠道", "currency": "USD", "no_skipping": "on"}
    rows = [
        {"name_en": "Intro", "kind": "open", "probability": "20"},
        {
            "name_en": "Contract",
            "kind": "open",
            "probability": "70",
            "required_fields": ["amount", "owner"],
        },
        {"name_en": "Signed", "kind": "won", "probability": ""},
        {"name_en": "", "name_zh": "", "kind": "open", "probability": ""},  # the blank row
    ]
    saved = manager.post(f"/deals/pipelines/{partners.pk}/", {**head, **_stage_rows(rows)})
    assert saved.status_code == 302
    partners.refresh_from_db()
    assert partners.no_skipping is True
    assert list(
        partners.stages.order_by("position").values_list(
            "name_en", "kind", "probability", "required_fields"
        )
    ) == [
        ("Intro", "open", 20, []),
        ("Contract", "open", 70, ["amount", "owner"]),
        ("Signed", "won", 100, []),
    ]
    page = manager.get(f"/deals/pipelines/{pipeline.pk}/")
    assert page.content.decode().count('data-testid="stage-row"') == 6  # five and a blank one
    # a stage with deals keeps its kind
    _deal(seller, customer, pipeline)
    rows = [
        {
            "name_en": s.name_en,
            "name_zh": s.name_zh,
            "kind": s.kind,
            "probability": str(s.probability),
        }
        for s in pipeline.stages.order_by("position")
    ]
    rows[0]["kind"] = "won"
    refused = manager.post(
        f"/deals/pipelines/{pipeline.pk}/",
        {"name_en": "New business", "name_zh": "新业务", "currency": "CNY", **_stage_rows(rows)},
    )
    assert refused.status_code == 400
    assert "Move the deals out of this stage before changing its kind." in refused.content.decode()
    assert stage(pipeline, "Lead").kind == "open"
