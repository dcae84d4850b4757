"""A sales rep makes a quote from a deal, edits it with live totals, sends it, records that the
customer accepted, and finds the order on the customer's timeline — in a real Chromium."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from heartline.orders.models import Order, Quote
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in
from tests.orders.conftest import make_customer, make_deal, make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quote_from_deal_sent_accepted_and_the_order_on_the_timeline(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rep = off_loop(make_staff, "sales", username="rep.zhao", email="zhao@heartline.example")
    shop, customer = off_loop(make_shop), off_loop(make_customer)
    deal = off_loop(make_deal, customer, shop, rep)
    base = asgi_server
    page: Any = open_page()
    sign_in(page, base, "rep.zhao")

    page.goto(f"{base}/deals/{deal.pk}/")
    page.click("[data-testid=new-quote]")  # in the deal page's quotes section (htmx)
    page.wait_for_url(re.compile(rf"{base}/quotes/\d+/$"))
    page.wait_for_load_state("load")
    quote = Quote.objects.get(deal=deal)
    assert page.locator("[data-testid=quote-status]").inner_text() == "Draft"

    # Edit: a third line and 5 % off the whole quote; the totals follow as one types.
    page.fill("#id_lines-2-sku", "BOOK-003")
    page.fill("#id_lines-2-quantity", "2")
    page.fill("#id_discount_percent", "5")
    # 1055.85 + 119.80 = 1175.65; −5 % = 1116.87 net; tax 130.40 + 10.24 = 140.64
    page.wait_for_selector("[data-total=net]:has-text('CN¥1,116.87')")
    assert page.locator("[data-total=total]").inner_text() == "CN¥1,257.51"
    page.screenshot(path="/tmp/heartline-quote-editor.png", full_page=True)
    page.click("[data-testid=save-quote]")
    page.wait_for_selector("text=saved")
    quote.refresh_from_db()
    assert (quote.net, quote.total) == (Decimal("1116.87"), Decimal("1257.51"))

    # The document, in the customer's language (Chinese) whatever the interface language.
    document = page.context.new_page()
    document.goto(f"{base}/quotes/{quote.pk}/document/")
    assert document.locator("html").get_attribute("lang") == "zh-Hans"
    assert "龙井绿茶 250克" in document.locator("[data-testid=quote-document]").inner_text()
    assert document.locator("[data-testid=grand-total]").inner_text() == "¥1,257.51"
    document.screenshot(path="/tmp/heartline-quote-document-zh.png", full_page=True)
    document.close()

    # Send it from the dialog.
    page.click("[data-testid=send-quote]")
    page.wait_for_selector("[data-testid=send-dialog]")
    assert page.input_value("#id_to") == "li.na@example.com"
    page.fill("#id_note", "如有问题请随时联系。")
    page.click("[data-testid=send-submit]")
    page.wait_for_selector("[data-testid=quote-status]:has-text('Sent')")
    assert [m.to for m in mail.outbox] == [["li.na@example.com"]]

    # The customer said yes on the phone: mark it accepted; the order opens.
    page.fill("#answer-note", "Confirmed by phone")
    page.click("[data-testid=mark-accepted]")
    page.wait_for_url(re.compile(rf"{base}/orders/\d+/$"))
    order = Order.objects.get(quote=quote)
    assert page.locator("[data-testid=order-number]").inner_text() == order.number
    assert page.locator("[data-testid=order-total]").inner_text() == "CN¥1,257.51"

    # Paid, then to the customer's timeline.
    page.click("[data-testid=to-paid]")
    page.wait_for_selector("[data-testid=order-status]:has-text('Paid')")
    page.click("[data-testid=order-customer]")
    page.wait_for_url(f"{base}/customers/{customer.pk}/")
    timeline = page.locator("#main").inner_text()
    assert f"Order {order.number} placed (Quote)" in timeline
    assert f"Quote {quote.number} accepted." in timeline
    assert f"Order {order.number} is now paid." in timeline
    page.screenshot(path="/tmp/heartline-quote-to-order.png", full_page=True)
