"""The quote as a document: a printable, branded HTML page in the quote's own language.

The same template serves the page staff print (``web:quote_document``), the customer's
answer page and the e-mail attachment; only the style differs in how it arrives — a
stylesheet link on pages (the CSP forbids inline styles), inlined in the attachment (a file
on its own). The language is the quote's, whatever the viewer's interface language is.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from heartline.catalogue.money import format_money, round_money
from heartline.orders.models import Quote, QuoteLine

logger = logging.getLogger(__name__)

STYLESHEET = "heartline/quote-document.css"
LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
LOGO_TYPES[".svg"] = "image/svg+xml"


@lru_cache(maxsize=4)
def _logo(path: str) -> str:
    """The logo file as a data: URI (allowed by the CSP's img-src), or "" when unusable."""
    if not path:
        return ""
    file = Path(path)
    kind = LOGO_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(path)[0] or ""
    try:
        data = file.read_bytes()
    except OSError:
        logger.warning("HEARTLINE_COMPANY_LOGO %s cannot be read; documents show no logo", path)
        return ""
    if kind not in LOGO_TYPES.values() or len(data) > LOGO_MAX_BYTES:
        logger.warning("HEARTLINE_COMPANY_LOGO must be a PNG, JPEG or SVG of at most 512 KiB")
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def company(language: str) -> dict[str, str]:
    chinese = language.startswith("zh")
    name = (settings.COMPANY_NAME_ZH if chinese else "") or settings.COMPANY_NAME
    return {
        "name": name,
        "address": settings.COMPANY_ADDRESS,
        "contact": settings.COMPANY_CONTACT,
        "tax_id": settings.COMPANY_TAX_ID,
        "logo": _logo(settings.COMPANY_LOGO),
    }


@lru_cache(maxsize=1)
def inline_css() -> str:
    found = finders.find(STYLESHEET)
    path = found[0] if isinstance(found, list) else found
    return Path(path).read_text(encoding="utf-8") if path else ""


def plain(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros: 10, 0.125."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def price_text(amount: Decimal, currency: str) -> str:
    """A unit price with the currency's minor digits (33.30), more only when it has them."""
    rounded = round_money(amount, currency)
    return f"{rounded:f}" if rounded == amount else plain(amount)


def percent(rate: Decimal) -> str:
    """0.13 → "13%", 0.065 → "6.5%"."""
    return f"{plain(rate * 100)}%"


def line_view(row: QuoteLine, currency: str, locale: str) -> dict[str, Any]:
    return {
        "position": row.position + 1,
        "sku": row.sku,
        "description": row.description,
        "unit": row.unit,
        "quantity": plain(row.quantity),
        "unit_price": price_text(row.unit_price, currency),
        "discount_percent": plain(row.discount_percent) if row.discount_percent else "",
        "tax_rate": percent(row.tax_rate),
        "net": format_money(row.net, currency, locale),
        "total": format_money(row.total, currency, locale),
    }


def document_context(quote: Quote, *, answer_url: str = "") -> dict[str, Any]:
    """Everything the document shows, formatted in the quote's language."""
    currency, locale = quote.currency, quote.language
    lines = list(quote.lines.all())
    money = {
        name: format_money(getattr(quote, name), currency, locale)
        for name in ("gross", "discount", "net", "tax", "total")
    }
    taxes = [
        {"rate": percent(Decimal(rate)), "amount": format_money(Decimal(amount), currency, locale)}
        for rate, amount in quote.tax_breakdown.items()
    ]
    return {
        "quote": quote,
        "customer_name": quote.customer.display_name,
        "company": company(quote.language),
        "lines": [line_view(row, currency, locale) for row in lines],
        "money": money,
        "has_discount": quote.discount > 0,
        "taxes": taxes,
        "answer_url": answer_url,
        "language": quote.language,
        "html_lang": "zh-Hans" if quote.language.startswith("zh") else "en",
    }


def render_document(quote: Quote, *, for_email: bool = False, answer_url: str = "") -> str:
    """The document's HTML, in the quote's language."""
    context = document_context(quote, answer_url=answer_url)
    context.update(for_email=for_email, inline_css=inline_css() if for_email else "")
    with translation.override(quote.language):
        return render_to_string("orders/quote_document.html", context)
