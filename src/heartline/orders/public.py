"""The customer's accept/reject link of a quote: signed, and holding the quote's secret token.

``/quotes/answer/<id>.<token>:<signature>/`` — the signature (Django's signing with the
secret key) proves Heartline made the link; the token (random, stored on the quote) ties it
to that quote, so a link leaked from another quote, or one forged without the key, opens
nothing. The link works while the quote is sent and valid (``valid_until``).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core import signing
from django.urls import reverse

from heartline.orders.models import Quote

SALT = "heartline.orders.quote-answer"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def answer_token(quote: Quote) -> str:
    return _signer().sign(f"{quote.pk}.{quote.public_token}")


def answer_path(quote: Quote) -> str:
    return reverse("web:quote_answer", args=[answer_token(quote)])


def answer_url(quote: Quote) -> str:
    return settings.PUBLIC_BASE_URL + answer_path(quote)


def quote_from_token(token: str) -> Quote | None:
    """The quote a link names, or None for a tampered, forged or unknown link."""
    if len(token) > 200:
        return None
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    pk_text, _, secret = value.partition(".")
    if not pk_text.isdigit() or not secret:
        return None
    quote = Quote.objects.select_related("customer").filter(pk=int(pk_text)).first()
    if quote is None or not hmac.compare_digest(quote.public_token, secret):
        return None
    return quote
