"""The quote e-mail: text and HTML in the quote's language, the document attached as HTML, and
the customer's accept/reject link. Sent through Django's configured backend (SMTP in
production; see docs/configuration.md)."""

from __future__ import annotations

from email.header import Header
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from heartline.orders.models import Quote
from heartline.orders.rendering import document_context, render_document


class QuoteEmail(EmailMultiAlternatives):
    """Django's message, with a non-ASCII subject folded by an RFC 2047 ``Header`` that knows
    its name: the first encoded word then starts on the "Subject:" line, instead of the
    default "Subject:" + fold that leaves a leading space in what clients unfold."""

    def message(self, *args: Any, **kwargs: Any) -> Any:
        msg = super().message(*args, **kwargs)
        if not str(self.subject).isascii():
            msg.replace_header("Subject", Header(str(self.subject), "utf-8", header_name="Subject"))
        return msg


def subject_of(quote: Quote, company_name: str) -> str:
    with translation.override(quote.language):
        return _("Quote %(number)s from %(company)s") % {
            "number": quote.number,
            "company": company_name,
        }


def attachment_name(quote: Quote) -> str:
    return f"{quote.number}.html"


def quote_message(
    quote: Quote, *, to: str, note: str, link: str, reply_to: str = ""
) -> EmailMultiAlternatives:
    """The e-mail for ``quote`` (not sent)."""
    context: dict[str, Any] = {**document_context(quote, answer_url=link), "note": note}
    with translation.override(quote.language):
        text = render_to_string("orders/email/quote.txt", context)
        html = render_to_string("orders/email/quote.html", context)
    message = QuoteEmail(
        subject=subject_of(quote, context["company"]["name"]),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(html, "text/html")
    message.attach(
        attachment_name(quote),
        render_document(quote, for_email=True, answer_url=link),
        "text/html",
    )
    return message
