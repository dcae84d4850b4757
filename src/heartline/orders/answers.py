"""The customer's answer to a quote, recorded by staff or given through the signed link, and
expiry. Accepting places the order in the same transaction (``writing.place``), so a quote
gives at most one order."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.orders.documents import drafts_of, totals_of
from heartline.orders.events import QuoteAnswered
from heartline.orders.models import Order, Quote
from heartline.orders.quotes import (
    S,
    is_expired,
    locked_quote,
    record_on_timeline,
    refuse,
    require,
)
from heartline.orders.writing import Placing, place


def _answer(
    actor: Any, quote: Quote, status: str, note: str, by: str
) -> tuple[Quote, Order | None]:
    with transaction.atomic():
        locked = locked_quote(quote)
        if locked.status == status:
            order = Order.objects.filter(quote=locked).first()
            return locked, order  # the same answer again (a double click): nothing new
        allowed = (S.SENT,) if by == Quote.AnsweredBy.CUSTOMER else (S.DRAFT, S.SENT)
        if locked.status not in allowed:
            refuse(locked, _("This quote was already answered."))
        if is_expired(locked):
            refuse(locked, _("This quote is no longer valid."))
        before = locked.status
        locked.status, locked.answered_at = status, timezone.now()
        locked.answered_by, locked.answer_note = by, note.strip()[:1000]
        locked.save(
            update_fields=["status", "answered_at", "answered_by", "answer_note", "updated_at"]
        )
        verb = _("accepted") if status == S.ACCEPTED else _("rejected")
        summary = _("Quote %(number)s %(verb)s.") % {"number": locked.number, "verb": verb}
        if locked.answer_note:
            summary = f"{summary} {locked.answer_note}"
        customer = by == Quote.AnsweredBy.CUSTOMER
        record_on_timeline(
            locked,
            actor,
            status,
            summary,
            channel="web" if customer else "system",
            direction="in" if customer else "internal",
        )
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            changes={"status": [before, status], "answered_by": [None, by]},
        )
        publish(
            QuoteAnswered(quote_id=locked.pk, customer_id=locked.customer_id, status=status, by=by)
        )
        order = _order_of(actor, locked) if status == S.ACCEPTED else None
    return locked, order


def _order_of(actor: Any, quote: Quote) -> Order:
    drafts = drafts_of(list(quote.lines.order_by("position", "id")))
    totals = totals_of(
        drafts,
        quote.currency,
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        tax_inclusive=quote.tax_inclusive,
    )
    placing = Placing(
        customer=quote.customer,
        source=Order.Source.QUOTE,
        drafts=drafts,
        totals=totals,
        discount=(quote.discount_percent, quote.discount_amount),
        tax_inclusive=quote.tax_inclusive,
        quote=quote,
        notes=quote.answer_note,
    )
    return place(actor=actor, placing=placing)


def quote_accept(*, actor: Any, quote: Quote, note: str = "") -> tuple[Quote, Order]:
    """Staff record that the customer accepted; the order is placed in the same step."""
    require(actor, "quotes.manage")
    locked, order = _answer(actor, quote, S.ACCEPTED, note, Quote.AnsweredBy.STAFF)
    if order is None:  # accepted earlier without an order: cannot happen (one transaction)
        raise Conflict(_("This quote has no order."), details={"quote_id": locked.pk})
    return locked, order


def quote_reject(*, actor: Any, quote: Quote, note: str = "") -> Quote:
    require(actor, "quotes.manage")
    return _answer(actor, quote, S.REJECTED, note, Quote.AnsweredBy.STAFF)[0]


def quote_answer_by_customer(
    *, quote: Quote, accept: bool, note: str = ""
) -> tuple[Quote, Order | None]:
    """The customer's answer through the signed link (the link was checked by the caller)."""
    status = S.ACCEPTED if accept else S.REJECTED
    return _answer(None, quote, status, note, Quote.AnsweredBy.CUSTOMER)


def quote_expire_if_due(*, quote: Quote) -> bool:
    """Mark a sent quote past its validity as expired (once). True if this call did."""
    if quote.status != S.SENT or not is_expired(quote):
        return False
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=S.SENT).update(
            status=S.EXPIRED, updated_at=timezone.now()
        )
        if not updated:
            return False
        quote.status = S.EXPIRED
        audit.record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            obj=quote,
            changes={"status": [S.SENT, S.EXPIRED]},
        )
        publish(
            QuoteAnswered(
                quote_id=quote.pk, customer_id=quote.customer_id, status=S.EXPIRED, by="system"
            )
        )
    return True
