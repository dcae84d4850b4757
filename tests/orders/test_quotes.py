"""Quotes: from a deal, edited while a draft, sent by e-mail, answered by staff or the customer."""

from __future__ import annotations

import datetime
import email
import email.policy
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from heartline.core.errors import Conflict
from heartline.orders import public
from heartline.orders.answers import quote_accept, quote_reject
from heartline.orders.documents import LineDraft
from heartline.orders.mail import subject_of
from heartline.orders.models import Order, Quote
from heartline.orders.quotes import quote_create_from_deal, quote_send, quote_update
from heartline.timeline.models import Interaction
from tests.orders.test_order_services import counts

pytestmark = pytest.mark.django_db


def test_a_quote_from_a_deal_copies_its_lines_and_prices_what_has_no_price(deal, sales_rep):
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    assert quote.number == f"Q-{timezone.localdate().year}-{quote.pk:06d}"
    assert (quote.status, quote.language, quote.customer_id, quote.deal_id) == (
        "draft",
        "zh-hans",  # the customer's language
        deal.customer_id,
        deal.pk,
    )
    assert quote.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    lines = list(quote.lines.order_by("position"))
    assert [(x.description, x.quantity, x.unit_price, x.discount_percent) for x in lines] == [
        ("龙井绿茶 250克", Decimal("12.000"), Decimal("80.0000"), Decimal("0.00")),
        ("Tea cup, white", Decimal("3.000"), Decimal("35.5000"), Decimal("10.00")),
    ]
    # 960.00 + (106.50 − 10.65) = 1055.85 net; tax 124.80 + 12.46 = 137.26
    quote.refresh_from_db()
    assert (quote.gross, quote.discount, quote.net, quote.tax, quote.total) == (
        Decimal("1066.5000"),
        Decimal("10.6500"),
        Decimal("1055.8500"),
        Decimal("137.2600"),
        Decimal("1193.1100"),
    )
    assert quote.tax_breakdown == {"0.13": "137.26"}
    assert len(quote.public_token) >= 40


def test_quotes_need_quotes_manage(deal, make_staff):
    agent = make_staff("agent")
    before = Quote.objects.count()
    with pytest.raises(PermissionDenied):
        quote_create_from_deal(actor=agent, deal=deal)
    assert Quote.objects.count() == before


def test_a_draft_can_be_edited_and_its_totals_follow(deal, sales_rep):
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    quote = quote_update(
        actor=sales_rep,
        quote=quote,
        lines=[
            LineDraft("茶经", Decimal(1), Decimal("59.90"), Decimal("0.09"), product_id=None),
            LineDraft("Service", Decimal("2.5"), Decimal("100"), Decimal("0.06")),
        ],
        discount_amount="9.90",
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
        language="en",
    )
    # 59.90 + 250.00 = 309.90, minus 9.90 shared 59.90:250.00 → 1.91 / 7.99
    # net 57.99 (tax 5.22) + 242.01 (tax 14.52) = 300.00, tax 19.74
    assert (quote.gross, quote.discount, quote.net, quote.tax, quote.total) == (
        Decimal("309.90"),
        Decimal("9.90"),
        Decimal("300.00"),
        Decimal("19.74"),
        Decimal("319.74"),
    )
    assert quote.tax_breakdown == {"0.06": "14.52", "0.09": "5.22"}
    assert quote.lines.count() == 2


def test_a_sent_quote_cannot_be_edited(deal, sales_rep, mailoutbox):
    quote = quote_send(actor=sales_rep, quote=quote_create_from_deal(actor=sales_rep, deal=deal))
    with pytest.raises(Conflict):
        quote_update(actor=sales_rep, quote=quote, lines=[])


def test_sending_mails_the_quote_with_its_document_and_link(deal, sales_rep, mailoutbox, settings):
    settings.COMPANY_NAME = "Example Tea Co."
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    quote = quote_create_from_deal(actor=sales_rep, deal=deal, language="en")
    quote = quote_send(actor=sales_rep, quote=quote, note="As discussed on the phone.")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject == f"Quote {quote.number} from Example Tea Co."
    assert mail.to == ["li.na@example.com"]  # the customer's first e-mail
    assert mail.from_email == "Heartline <heartline@localhost>"
    assert mail.reply_to == ["wang@heartline.example"]
    assert [(name, mimetype) for name, _content, mimetype in mail.attachments] == [
        (f"{quote.number}.html", "text/html")
    ]
    link = "https://crm.example.com" + public.answer_path(quote)
    assert link in mail.body
    assert "As discussed on the phone." in mail.body
    assert "CN¥1,193.11" in mail.body
    html, kind = mail.alternatives[0]
    assert kind == "text/html"
    assert link in html
    document = mail.attachments[0][1]
    assert "<style>" in document
    assert "@page { size: A4" in document
    assert "Quotation" in document
    assert "VAT 13%" in document
    assert "CN¥137.26" in document
    # recorded: status, the e-mail on the timeline, the event
    quote.refresh_from_db()
    assert (quote.status, quote.sent_to, quote.times_sent) == ("sent", "li.na@example.com", 1)
    row = Interaction.objects.get(source="quote", source_ref=f"{quote.pk}:sent:1")
    assert (row.channel, row.direction, row.customer_id, row.link_type) == (
        "email",
        "out",
        quote.customer_id,
        "quote",
    )


def test_the_mail_is_rfc_5322_with_a_utf8_chinese_subject(deal, sales_rep, mailoutbox, settings):
    settings.COMPANY_NAME_ZH = "示例茶叶有限公司"
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)  # Chinese: the customer's
    quote_send(actor=sales_rep, quote=quote, to="buyer@example.org")
    raw = mailoutbox[0].message().as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii()  # headers are 7-bit: the Chinese subject is RFC 2047 encoded
    encoded = email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"]
    assert "=?utf-8?" in str(encoded)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject_of(quote, "示例茶叶有限公司")
    assert "示例茶叶有限公司" in parsed["Subject"]
    assert parsed["To"] == "buyer@example.org"
    assert parsed["From"] == "Heartline <heartline@localhost>"
    assert parsed["Message-ID"]
    assert parsed["Date"]
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == "utf-8"
    assert "龙井绿茶 250克" in html.get_content()
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_filename() == f"{quote.number}.html"
    assert attachment.get_content_disposition() == "attachment"
    assert 'lang="zh-Hans"' in attachment.get_content()
    assert "¥1,193.11" in attachment.get_content()  # Chinese money format


def test_a_refused_mail_records_nothing(deal, sales_rep, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    before = counts()
    with pytest.raises(ValidationError) as info:
        quote_send(actor=sales_rep, quote=quote)
    assert info.value.messages == [
        "The e-mail could not be sent (ConnectionRefusedError); nothing was recorded."
    ]
    assert counts() == before
    quote.refresh_from_db()
    assert quote.status == "draft"


def test_a_customer_without_an_e_mail_needs_an_address(deal, sales_rep, mailoutbox):
    deal.customer.identities.filter(kind="email").delete()
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    with pytest.raises(ValidationError) as info:
        quote_send(actor=sales_rep, quote=quote)
    assert info.value.message_dict == {"to": ["The customer has no e-mail address: type one."]}
    with pytest.raises(ValidationError):
        quote_send(actor=sales_rep, quote=quote, to="not an address")
    assert mailoutbox == []


def test_accepting_places_the_order_in_the_same_step(deal, sales_rep, mailoutbox):
    quote = quote_send(actor=sales_rep, quote=quote_create_from_deal(actor=sales_rep, deal=deal))
    quote, order = quote_accept(actor=sales_rep, quote=quote, note="Signed PO 4711")
    assert (quote.status, quote.answered_by, quote.answer_note) == (
        "accepted",
        "staff",
        "Signed PO 4711",
    )
    assert (order.source, order.quote_id, order.customer_id, order.status) == (
        "quote",
        quote.pk,
        quote.customer_id,
        "placed",
    )
    assert (order.net, order.tax, order.total) == (quote.net, quote.tax, quote.total)
    assert list(order.lines.values_list("description", "quantity", "unit_price")) == list(
        quote.lines.values_list("description", "quantity", "unit_price")
    )
    refs = set(Interaction.objects.values_list("source", "source_ref"))
    assert {("quote", f"{quote.pk}:accepted"), ("order", f"{order.pk}:placed")} <= refs
    # accepting again is harmless; rejecting now is refused
    _again, same = quote_accept(actor=sales_rep, quote=quote)
    assert same.pk == order.pk
    assert Order.objects.count() == 1
    with pytest.raises(Conflict):
        quote_reject(actor=sales_rep, quote=quote)


def test_an_expired_quote_cannot_be_accepted(deal, sales_rep, mailoutbox):
    quote = quote_send(actor=sales_rep, quote=quote_create_from_deal(actor=sales_rep, deal=deal))
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    quote.refresh_from_db()
    before = counts()
    with pytest.raises(Conflict) as info:
        quote_accept(actor=sales_rep, quote=quote)
    assert info.value.messages == ["This quote is no longer valid."]
    assert counts() == before


# --- The customer's link ---------------------------------------------------------------------
@pytest.fixture
def sent_quote(deal, sales_rep, mailoutbox) -> Quote:  # type: ignore[no-untyped-def]
    return quote_send(actor=sales_rep, quote=quote_create_from_deal(actor=sales_rep, deal=deal))


def test_the_customer_accepts_through_the_link(sent_quote):
    client = Client(enforce_csrf_checks=True)
    path = public.answer_path(sent_quote)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="zh-Hans"' in html
    assert sent_quote.number in html
    assert 'data-testid="customer-accept"' in html
    token = page.cookies["csrftoken"].value
    answer = client.post(path, {"answer": "accept", "note": "好的", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert answer["Location"] == path
    sent_quote.refresh_from_db()
    assert (sent_quote.status, sent_quote.answered_by, sent_quote.answer_note) == (
        "accepted",
        "customer",
        "好的",
    )
    order = Order.objects.get(quote=sent_quote)
    assert order.created_by is None
    row = Interaction.objects.get(source="quote", source_ref=f"{sent_quote.pk}:accepted")
    assert (row.channel, row.direction, row.staff_id) == ("web", "in", None)
    after = client.get(path)
    assert 'data-status="accepted"' in after.content.decode()


def test_the_customer_rejects_through_the_link(sent_quote):
    client = Client()
    path = public.answer_path(sent_quote)
    client.post(path, {"answer": "reject", "note": "Too expensive"})
    sent_quote.refresh_from_db()
    assert sent_quote.status == "rejected"
    assert not Order.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(sent_quote):
    client = Client(enforce_csrf_checks=True)
    response = client.post(public.answer_path(sent_quote), {"answer": "accept"})
    assert response.status_code == 403
    sent_quote.refresh_from_db()
    assert sent_quote.status == "sent"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token.replace(".", ".x", 1),  # secret changed, old signature
        lambda token: "1" + token,  # another id, old signature
        lambda token: token.split(":")[0],  # no signature
    ],
)
def test_a_tampered_link_opens_nothing(sent_quote, forge):
    path = f"/quotes/answer/{forge(public.answer_token(sent_quote))}/"
    client = Client()
    assert client.get(path).status_code == 404
    assert client.post(path, {"answer": "accept"}).status_code == 404
    sent_quote.refresh_from_db()
    assert sent_quote.status == "sent"


def test_a_link_signed_for_another_secret_opens_nothing(sent_quote):
    from django.core import signing

    forged = signing.Signer(salt=public.SALT).sign(f"{sent_quote.pk}.guessed-secret")
    assert Client().get(f"/quotes/answer/{forged}/").status_code == 404


def test_an_expired_link_shows_so_and_accepts_nothing(sent_quote):
    Quote.objects.filter(pk=sent_quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    client = Client()
    path = public.answer_path(sent_quote)
    page = client.get(path)
    assert page.status_code == 200
    assert 'data-status="expired"' in page.content.decode()
    sent_quote.refresh_from_db()
    assert sent_quote.status == "expired"
    response = client.post(path, {"answer": "accept"})
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_a_draft_has_no_working_link(deal, sales_rep):
    quote = quote_create_from_deal(actor=sales_rep, deal=deal)
    assert Client().get(public.answer_path(quote)).status_code == 404
