"""Every write to quotes: from a deal, edited while a draft, sent by e-mail (answers: ``answers``).

Totals always come from the one calculation (``documents.totals_of``). Answers come from
staff (recording what the customer said) or from the customer through the signed link
(``orders.public``); an accepted quote becomes an order in the same transaction
(``writing.place``), so a quote gives at most one order.
"""

from __future__ import annotations

import datetime
import secrets
import smtplib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.money import ZERO, currency_code, format_money, to_decimal
from heartline.catalogue.pricing import NoPrice, PriceContext, price_for
from heartline.catalogue.totals import Totals
from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer, Identity
from heartline.orders import mail, public
from heartline.orders.documents import (
    LineDraft,
    apply_totals,
    clean_lines,
    line_rows,
    number_for,
    totals_of,
)
from heartline.orders.events import QuoteCreated, QuoteSent
from heartline.orders.models import Language, Quote, QuoteLine
from heartline.orders.placing import (
    OrderLineRequest,
    convert_price,
    price_lines,
    product_name,
    resolve_products,
)
from heartline.sales.models import Deal
from heartline.timeline.services import interaction_record

S = Quote.Status


def require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def _staff(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def language_for(customer: Customer) -> str:
    return Language.ZH_HANS if customer.language.lower().startswith("zh") else Language.EN


def _clean_language(language: str) -> str:
    if language not in Language.values:
        raise ValidationError({"language": [_("The document is in English or Chinese.")]})
    return language


def _clean_valid_until(valid_until: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if valid_until < today:
        raise ValidationError({"valid_until": [_("A quote cannot be valid until a past day.")]})
    if valid_until > today + datetime.timedelta(days=366):
        raise ValidationError({"valid_until": [_("A quote is valid for a year at most.")]})
    return valid_until


def record_on_timeline(quote: Quote, actor: Any, ref: str, summary: str, **how: Any) -> None:
    interaction_record(
        actor=actor,
        customer=quote.customer,
        channel=how.get("channel", "system"),
        direction=how.get("direction", "internal"),
        topic=_("Quote %(number)s") % {"number": quote.number},
        summary=summary,
        link_type="quote",
        link_id=str(quote.pk),
        source="quote",
        source_ref=f"{quote.pk}:{ref}",
    )


def _deal_drafts(deal: Deal, language: str, tax_inclusive: bool) -> list[LineDraft]:
    """The deal's lines as quote lines; a product line without a price is priced now, and one
    described by its product's name (a deal line's default) gets it in the quote's language."""
    drafts: list[LineDraft] = []
    context = PriceContext(customer_id=deal.customer_id, channel="quote")
    for line in deal.lines.select_related("product", "product__category").order_by("position"):
        product, unit = line.product, line.unit_price
        if product is not None and not unit:
            try:
                price = price_for(product, line.quantity, currency=deal.currency, context=context)
            except NoPrice:
                price = None
            if price is not None:
                unit = convert_price(
                    price.unit_price,
                    price.tax_rate,
                    from_inclusive=price.tax_inclusive,
                    to_inclusive=tax_inclusive,
                )
        name = product_name(product, language) if product is not None else ""
        description = line.description
        if product is not None and description in (product.name_en, product.name_zh):
            description = ""  # the catalogue's name, given by default: in the quote's language
        drafts.append(
            LineDraft(
                description=description or name or deal.title,
                quantity=line.quantity,
                unit_price=unit or ZERO,
                tax_rate=line.tax_rate,
                discount_percent=line.discount_percent,
                product_id=line.product_id,
                sku=product.sku if product is not None else "",
                unit=product.unit if product is not None else "",
            )
        )
    if not drafts and deal.amount:
        drafts.append(
            LineDraft(description=deal.title, quantity=Decimal(1), unit_price=deal.amount)
        )
    return drafts


def quote_create(
    *,
    actor: Any,
    customer: Customer,
    lines: Sequence[LineDraft] = (),
    deal: Deal | None = None,
    currency: str = "CNY",
    tax_inclusive: bool = False,
    discount_percent: Decimal | str = ZERO,
    discount_amount: Decimal | str = ZERO,
    language: str | None = None,
    valid_until: datetime.date | None = None,
    title: str = "",
    terms: str = "",
) -> Quote:
    """A draft quote for ``customer`` (of ``deal`` when given)."""
    require(actor, "quotes.manage")
    if customer.merged_into_id is not None:
        raise ValidationError({"customer": [_("This customer was merged into another.")]})
    language = _clean_language(language or language_for(customer))
    valid_until = _clean_valid_until(
        valid_until or timezone.localdate() + datetime.timedelta(days=settings.QUOTE_VALIDITY_DAYS)
    )
    drafts = clean_lines(lines)
    discount = (to_decimal(discount_percent), to_decimal(discount_amount))
    totals = totals_of(
        drafts,
        currency_code(currency),
        discount_percent=discount[0],
        discount_amount=discount[1],
        tax_inclusive=tax_inclusive,
    )
    with transaction.atomic():
        quote = Quote(
            customer=customer,
            deal=deal,
            title=title.strip()[:200],
            terms=terms.strip()[:4000],
            language=language,
            valid_until=valid_until,
            public_token=secrets.token_urlsafe(32),
            created_by=_staff(actor),
        )
        apply_totals(
            quote,
            totals,
            discount_percent=discount[0],
            discount_amount=discount[1],
            tax_inclusive=tax_inclusive,
        )
        quote.save()
        quote.number = number_for("Q", quote.pk, timezone.localdate().year)
        Quote.objects.filter(pk=quote.pk).update(number=quote.number)
        QuoteLine.objects.bulk_create(line_rows(QuoteLine, {"quote": quote}, drafts, totals))
        audit.record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=quote,
            changes={
                "customer": [None, customer.pk],
                "deal": [None, deal.pk if deal else None],
                "total": [None, quote.total],
            },
        )
        publish(
            QuoteCreated(
                quote_id=quote.pk, customer_id=customer.pk, deal_id=deal.pk if deal else None
            )
        )
    return quote


def quote_create_from_deal(
    *,
    actor: Any,
    deal: Deal,
    language: str | None = None,
    valid_until: datetime.date | None = None,
) -> Quote:
    """A draft quote with the deal's lines (priced from the catalogue where they have none)."""
    require(actor, "quotes.manage")
    require(actor, "deals.view")
    customer = Customer.objects.get(pk=deal.customer_id)
    language = _clean_language(language or language_for(customer))
    inclusive = bool(getattr(deal, "tax_inclusive", False))
    return quote_create(
        actor=actor,
        customer=customer,
        deal=deal,
        lines=_deal_drafts(deal, language, inclusive),
        currency=deal.currency,
        tax_inclusive=inclusive,
        language=language,
        valid_until=valid_until,
        title=deal.title,
    )


def quote_drafts(
    quote: Quote, requests: Sequence[OrderLineRequest], *, tax_inclusive: bool
) -> list[LineDraft]:
    """Lines typed in the editor as drafts: a SKU without a price is priced from the
    catalogue for the quote's customer (in the quote's tax convention); names in the quote's
    language."""
    if not requests:
        return []
    customer = Customer(pk=quote.customer_id, language=quote.language)
    drafts, _inclusive = price_lines(
        requests,
        resolve_products(requests),
        customer=customer,
        currency=quote.currency,
        channel="quote",
        tax_inclusive=tax_inclusive,
    )
    return clean_lines(drafts)


def quote_preview(
    quote: Quote,
    requests: Sequence[OrderLineRequest],
    *,
    tax_inclusive: bool,
    discount_percent: Decimal | str,
    discount_amount: Decimal | str,
) -> Totals:
    """The totals the editor would store, computed without writing (the live totals)."""
    return totals_of(
        quote_drafts(quote, requests, tax_inclusive=tax_inclusive),
        quote.currency,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_inclusive=tax_inclusive,
    )


def locked_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("customer").get(pk=quote.pk)


def refuse(quote: Quote, message: str) -> None:
    raise Conflict(message, code="quote_state", details={"status": quote.status})


def quote_update(
    *,
    actor: Any,
    quote: Quote,
    lines: Sequence[LineDraft],
    discount_percent: Decimal | str = ZERO,
    discount_amount: Decimal | str = ZERO,
    tax_inclusive: bool = False,
    valid_until: datetime.date | None = None,
    language: str | None = None,
    title: str | None = None,
    terms: str | None = None,
) -> Quote:
    """Replace a draft's lines and terms; the totals are computed again."""
    require(actor, "quotes.manage")
    drafts = clean_lines(lines)
    discount = (to_decimal(discount_percent), to_decimal(discount_amount))
    with transaction.atomic():
        locked = locked_quote(quote)
        if locked.status != S.DRAFT:
            refuse(locked, _("Only a draft can be changed; this quote was sent."))
        totals = totals_of(
            drafts,
            locked.currency,
            discount_percent=discount[0],
            discount_amount=discount[1],
            tax_inclusive=tax_inclusive,
        )
        before = audit.snapshot(locked, ["total", "valid_until", "language", "title"])
        if valid_until is not None:
            locked.valid_until = _clean_valid_until(valid_until)
        if language is not None:
            locked.language = _clean_language(language)
        if title is not None:
            locked.title = title.strip()[:200]
        if terms is not None:
            locked.terms = terms.strip()[:4000]
        apply_totals(
            locked,
            totals,
            discount_percent=discount[0],
            discount_amount=discount[1],
            tax_inclusive=tax_inclusive,
        )
        locked.save()
        QuoteLine.objects.filter(quote=locked).delete()
        QuoteLine.objects.bulk_create(line_rows(QuoteLine, {"quote": locked}, drafts, totals))
        after = audit.snapshot(locked, ["total", "valid_until", "language", "title"])
        changes = audit.diff(before, after)
        changes["lines"] = [None, len(drafts)]
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=changes)
    return locked


def first_email(customer: Customer) -> str:
    row = Identity.objects.filter(customer=customer, kind=Identity.Kind.EMAIL).order_by("id")
    return row.values_list("value", flat=True).first() or ""


def is_expired(quote: Quote) -> bool:
    return quote.valid_until < timezone.localdate()


def quote_send(*, actor: Any, quote: Quote, to: str = "", note: str = "") -> Quote:
    """E-mail the quote (again, if it was sent) to ``to`` or the customer's first e-mail.

    The mail goes out inside the transaction: if the server refuses it, nothing is recorded."""
    require(actor, "quotes.manage")
    with transaction.atomic():
        locked = locked_quote(quote)
        if locked.status not in (S.DRAFT, S.SENT):
            refuse(locked, _("This quote was already answered; make a new one."))
        if is_expired(locked):
            refuse(locked, _("This quote is no longer valid; change its validity first."))
        if not locked.lines.exists():
            raise ValidationError({"lines": [_("Add at least one line before sending.")]})
        to = (to or first_email(locked.customer)).strip()
        if not to:
            raise ValidationError({"to": [_("The customer has no e-mail address: type one.")]})
        try:
            validate_email(to)
        except ValidationError as exc:
            raise ValidationError({"to": [_("Enter a valid e-mail address.")]}) from exc
        before = locked.status
        locked.status, locked.sent_at, locked.sent_to = S.SENT, timezone.now(), to[:254]
        locked.times_sent += 1
        locked.save(update_fields=["status", "sent_at", "sent_to", "times_sent", "updated_at"])
        summary = _("Quote %(number)s sent to %(to)s: %(total)s, valid until %(day)s.") % {
            "number": locked.number,
            "to": to,
            "total": format_money(locked.total, locked.currency),
            "day": locked.valid_until.isoformat(),
        }
        record_on_timeline(
            locked,
            actor,
            f"sent:{locked.times_sent}",
            summary,
            channel="email",
            direction="out",
        )
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            changes={"status": [before, S.SENT], "sent_to": [None, to]},
        )
        publish(QuoteSent(quote_id=locked.pk, customer_id=locked.customer_id))
        message = mail.quote_message(
            locked,
            to=to,
            note=note.strip()[:2000],
            link=public.answer_url(locked),
            reply_to=getattr(actor, "email", "") or "",
        )
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise ValidationError(
                _("The e-mail could not be sent (%(error)s); nothing was recorded.")
                % {"error": type(exc).__name__}
            ) from exc
    return locked
