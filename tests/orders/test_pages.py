"""The quote and order pages: editor with live totals, document, send dialog, answers, orders,
lifecycle buttons, a customer's order history, the deal fragment and the 360 section."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.customers.models import Customer
from heartline.orders.models import Order, Quote
from heartline.orders.quotes import quote_create_from_deal, quote_send
from heartline.orders.selectors import orders_section
from heartline.orders.services import OrderLineRequest, order_create, order_transition
from heartline.timeline.selectors import customer_360
from tests.orders.test_order_services import counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client_for, sales_rep) -> Client:  # type: ignore[no-untyped-def]
    return client_for(sales_rep)


@pytest.fixture
def quote(deal, sales_rep) -> Quote:  # type: ignore[no-untyped-def]
    return quote_create_from_deal(actor=sales_rep, deal=deal, language="en")


def editor_data(**extra: str) -> dict[str, str]:
    data = {
        "title": "Tea for the office",
        "language": "en",
        "valid_until": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        "discount_percent": "",
        "discount_amount": "",
        "terms": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-sku": "TEA-001",
        "lines-0-quantity": "2",
        "lines-1-description": "Delivery",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "20",
        "lines-1-tax_percent": "6",
    }
    data.update(extra)
    return data


def test_the_editor_shows_the_quote_and_saves_lines(quote, rep):
    page = rep.get(f"/quotes/{quote.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert quote.number in html
    assert 'value="TEA-001"' in html
    assert f'hx-post="/quotes/{quote.pk}/totals/"' in html
    response = rep.post(f"/quotes/{quote.pk}/", editor_data())
    assert response.status_code == 302
    quote.refresh_from_db()
    # 2 × 88.00 (list price, 13 %) + 20.00 (6 %): net 196.00, tax 22.88 + 1.20
    assert (quote.net, quote.tax, quote.total) == (
        Decimal("196.00"),
        Decimal("24.08"),
        Decimal("220.08"),
    )
    assert list(quote.lines.values_list("description", "unit_price", "tax_rate")) == [
        ("Longjing green tea 250 g", Decimal("88.0000"), Decimal("0.1300")),
        ("Delivery", Decimal("20.0000"), Decimal("0.0600")),
    ]


def test_the_editor_shows_a_line_error_on_its_line_and_saves_nothing(quote, rep):
    before = (quote.total, quote.lines.count())
    response = rep.post(f"/quotes/{quote.pk}/", editor_data(**{"lines-0-sku": "NOPE"}))
    assert response.status_code == 400
    assert "Unknown SKU NOPE." in response.content.decode()
    quote.refresh_from_db()
    assert (quote.total, quote.lines.count()) == before


def test_live_totals_come_from_the_one_calculation_without_saving(quote, rep):
    before = counts()
    response = rep.post(
        f"/quotes/{quote.pk}/totals/", editor_data(discount_percent="10"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    # 196.00 − 10 % = 176.40 net: 158.40 at 13 % (20.59) + 18.00 at 6 % (1.08)
    assert 'data-total="net">CN¥176.40<' in html
    assert 'data-total="total">CN¥198.07<' in html
    assert "VAT 13%" in html
    assert "VAT 6%" in html
    assert counts() == before
    bad = rep.post(f"/quotes/{quote.pk}/totals/", editor_data(**{"lines-0-sku": "NOPE"}))
    assert "Unknown SKU NOPE." in bad.content.decode()


def test_the_document_is_in_the_quotes_language_not_the_viewers(deal, sales_rep, rep):
    chinese = quote_create_from_deal(actor=sales_rep, deal=deal)  # zh-hans, the customer's
    rep.cookies["django_language"] = "en"
    html = rep.get(f"/quotes/{chinese.pk}/document/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "龙井绿茶 250克" in html
    assert "¥1,193.11" in html
    assert "CN¥" not in html
    assert "heartline/quote-document.css" in html
    assert "<style>" not in html
    english = quote_create_from_deal(actor=sales_rep, deal=deal, language="en")
    rep.cookies["django_language"] = "zh-hans"
    html = rep.get(f"/quotes/{english.pk}/document/").content.decode()
    assert '<html lang="en">' in html
    assert "Quotation" in html
    assert "CN¥1,193.11" in html


def test_the_company_and_logo_are_printed(quote, rep, settings, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    settings.COMPANY_NAME = "Example Tea Co."
    settings.COMPANY_TAX_ID = "91310000MA1FL0XX0X"
    settings.COMPANY_LOGO = str(logo)
    html = rep.get(f"/quotes/{quote.pk}/document/").content.decode()
    assert "Example Tea Co." in html
    assert "91310000MA1FL0XX0X" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html


def test_the_send_dialog_then_sending(quote, rep, mailoutbox):
    dialog = rep.get(f"/quotes/{quote.pk}/send/", HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200
    html = dialog.content.decode()
    assert html.startswith("<dialog open")
    assert 'value="li.na@example.com"' in html
    sent = rep.post(f"/quotes/{quote.pk}/send/", {"to": "li.na@example.com", "note": "Hi"})
    assert sent.status_code == 302
    assert len(mailoutbox) == 1
    quote.refresh_from_db()
    assert quote.status == "sent"
    bad = rep.post(f"/quotes/{quote.pk}/send/", {"to": "nope"})
    assert bad.status_code == 400
    assert len(mailoutbox) == 1


def test_marking_accepted_places_the_order_and_opens_it(quote, rep, mailoutbox, sales_rep):
    quote_send(actor=sales_rep, quote=quote)
    response = rep.post(f"/quotes/{quote.pk}/answer/", {"answer": "accept", "note": "OK"})
    order = Order.objects.get(quote=quote)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    page = rep.get(f"/orders/{order.pk}/").content.decode()
    assert order.number in page
    assert 'data-testid="to-paid"' in page


def test_order_lifecycle_buttons(shop, customer, sales_rep, rep):
    order, _ = order_create(
        actor=sales_rep,
        customer=customer,
        lines=[OrderLineRequest(sku="TEA-001", quantity=1)],
        idempotency_key="k1",
    )
    assert rep.post(f"/orders/{order.pk}/status/", {"status": "paid"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"
    before = counts()
    response = rep.post(f"/orders/{order.pk}/status/", {"status": "cancelled"})
    assert response.status_code == 302
    assert counts() == before
    page = rep.get(response["Location"]).content.decode()
    assert "An order that is paid cannot become cancelled." in page


def test_only_orders_manage_moves_orders_and_csrf_is_required(
    shop, customer, sales_rep, client_for, make_staff
):
    order, _ = order_create(
        actor=sales_rep,
        customer=customer,
        lines=[OrderLineRequest(sku="TEA-001", quantity=1)],
        idempotency_key="k1",
    )
    agent = client_for(make_staff("agent"))
    assert agent.get(f"/orders/{order.pk}/").status_code == 200  # orders.view
    before = counts()
    assert agent.post(f"/orders/{order.pk}/status/", {"status": "paid"}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(sales_rep)
    assert strict.post(f"/orders/{order.pk}/status/", {"status": "paid"}).status_code == 403
    assert counts() == before
    marketing = client_for(make_staff("marketing"))
    assert marketing.get(f"/orders/{order.pk}/").status_code == 403
    assert marketing.get(f"/customers/{customer.pk}/orders/").status_code == 403


def test_a_customers_order_history_pages_newest_first_in_a_fixed_number_of_queries(
    shop, customer, sales_rep, rep
):
    start = timezone.now() - datetime.timedelta(days=200)
    ids = []
    for i in range(60):
        order, _ = order_create(
            actor=sales_rep,
            customer=customer,
            lines=[OrderLineRequest(sku="CUP-002", quantity=1)],
            idempotency_key=f"h{i}",
            placed_at=start + datetime.timedelta(days=i),
        )
        ids.append(order.pk)
    cancelled = Order.objects.get(pk=ids[0])
    order_transition(actor=sales_rep, order=cancelled, to_status="cancelled")
    with CaptureQueriesContext(connection) as first_queries:
        page = rep.get(f"/customers/{customer.pk}/orders/")
    html = page.content.decode()
    assert html.count('data-testid="order-row"') == 50
    newest = Order.objects.get(pk=ids[-1]).number
    assert html.index(newest) < html.index(Order.objects.get(pk=ids[-2]).number)
    assert "60 orders" in html
    assert "CN¥2,367.08" in html
    link = html.split('href="?before_at=')[1].split('"')[0].replace("&amp;", "&")
    with CaptureQueriesContext(connection) as second_queries:
        second = rep.get(f"/customers/{customer.pk}/orders/?before_at={link}").content.decode()
    assert second.count('data-testid="order-row"') == 10
    assert Order.objects.get(pk=ids[0]).number in second
    # the customer, one page, the totals: the same three reads on any page
    for queries in (first_queries, second_queries):
        sqls = [q["sql"] for q in queries.captured_queries]
        assert sum('FROM "orders_order"' in q for q in sqls) == 2
        assert sum('FROM "customers_customer"' in q for q in sqls) == 1


def test_history_of_a_merged_customer_goes_to_the_survivor(customer, rep):
    other = Customer.objects.create(name_cjk="合并")
    Customer.objects.filter(pk=other.pk).update(merged_into=customer)
    response = rep.get(f"/customers/{other.pk}/orders/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/orders/"
    assert rep.get("/customers/987654/orders/").status_code == 404


def test_the_360_section_is_one_query_with_recent_orders_and_lifetime_totals(
    shop, customer, sales_rep, django_assert_num_queries
):
    for i, sku in enumerate(["TEA-001", "CUP-002", "BOOK-003"]):
        order, _ = order_create(
            actor=sales_rep,
            customer=customer,
            lines=[OrderLineRequest(sku=sku, quantity=1)],
            idempotency_key=f"s{i}",
        )
    order_transition(actor=sales_rep, order=order, to_status="cancelled")
    with django_assert_num_queries(1):
        section = orders_section(customer.pk)
    assert [o["total"] for o in section["recent"]] == ["65.29", "40.12", "99.44"]
    assert [o["status"] for o in section["recent"]] == ["cancelled", "placed", "placed"]
    assert section["count"] == 3
    assert section["spent"] == [{"currency": "CNY", "amount": "139.56"}]
    assert customer_360(sales_rep, customer.pk)["sections"]["orders"]["count"] == 3


def test_the_deal_fragment_lists_its_quotes(deal, quote, rep, client_for, make_staff):
    html = rep.get(f"/quotes/for-deal/{deal.pk}/").content.decode()
    assert quote.number in html
    assert f'action="/quotes/from-deal/{deal.pk}/"' in html
    created = rep.post(f"/quotes/from-deal/{deal.pk}/")
    assert created.status_code == 302
    assert Quote.objects.filter(deal=deal).count() == 2


def test_quote_and_order_lists(quote, rep):
    assert quote.number in rep.get("/quotes/").content.decode()
    assert rep.get("/quotes/?status=sent").content.decode().count(quote.number) == 0
    assert rep.get("/orders/").status_code == 200
