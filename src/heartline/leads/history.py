"""What a lead hands to its customer once it is linked (on capture, by an identical identifier)
or converted: its consent decisions, into the customer's consent ledger, and its history, onto
the customer's timeline.

Both are idempotent: a consent row is marked transferred; a timeline row is keyed by
``source="lead"``, ``source_ref="<lead id>:<event id>"``, so copying again writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heartline.customers.models import Customer
from heartline.customers.selectors import consent_state
from heartline.customers.services import consent_record
from heartline.leads.models import Lead, LeadConsent, LeadEvent
from heartline.timeline.services import interaction_record

TIMELINE_SOURCE = "lead"
CHANNEL_OF_SOURCE = {
    "web_form": "web",
    "chat": "chat",
    "campaign": "campaign",
    "import": "system",
    "api": "system",
    "manual": "system",
}


def transfer_consents(*, actor: Any, lead: Lead, customer: Customer) -> int:
    """Write the lead's pending consent decisions to the customer's ledger; returns how many.

    A grant is always written. A box left unticked is written as a refusal only when the
    customer has never decided on that purpose: it must not withdraw a consent the customer
    gave elsewhere, explicitly."""
    pending = list(LeadConsent.objects.filter(lead=lead, transferred_at__isnull=True))
    if not pending:
        return 0
    state = consent_state(customer.pk)
    now, written = timezone.now(), 0
    for row in pending:
        event_id = None
        if row.granted or row.purpose not in state:
            event = consent_record(
                actor=actor,
                customer=customer,
                purpose=row.purpose,
                granted=row.granted,
                source=row.source,
                evidence=f"lead #{lead.pk}: {row.evidence}"[:300],
            )
            event_id, written = event.pk, written + 1
            state[row.purpose] = {"granted": row.granted}
        LeadConsent.objects.filter(pk=row.pk).update(
            transferred_at=now, customer_consent_id=event_id
        )
    return written


def _summary(lead: Lead, event: LeadEvent) -> tuple[str, str, str]:
    """(channel, direction, topic) and the summary of one history event on the timeline."""
    kind, data = event.kind, event.data or {}
    if kind in (LeadEvent.Kind.CAPTURED, LeadEvent.Kind.CAPTURED_AGAIN):
        channel = CHANNEL_OF_SOURCE.get(event.source or lead.source, "system")
        source_label = dict(Lead.Source.choices).get(event.source or lead.source, event.source)
        return channel, "in", _("Enquiry (lead, %(source)s)") % {"source": source_label}
    if kind == LeadEvent.Kind.STATUS:
        status = dict(Lead.Status.choices).get(data.get("to", ""), data.get("to", ""))
        return "system", "internal", _("Lead status: %(status)s") % {"status": status}
    if kind == LeadEvent.Kind.ASSIGNED:
        return (
            "system",
            "internal",
            _("Lead assigned to %(owner)s") % {"owner": data.get("owner", "—")},
        )
    if kind == LeadEvent.Kind.LINKED:
        return "system", "internal", _("Lead linked to this customer")
    if kind == LeadEvent.Kind.CONVERTED:
        return "system", "internal", _("Lead converted into a deal")
    return "system", "internal", _("Lead details changed")


def _text(lead: Lead, event: LeadEvent) -> str:
    parts = []
    if event.kind in (LeadEvent.Kind.CAPTURED, LeadEvent.Kind.CAPTURED_AGAIN):
        if lead.organisation and event.kind == LeadEvent.Kind.CAPTURED:
            parts.append(_("Organisation: %(org)s") % {"org": lead.organisation})
        parts.append(event.message)
    elif event.kind == LeadEvent.Kind.STATUS:
        parts.append(str((event.data or {}).get("reason", "")))
    elif event.kind == LeadEvent.Kind.CONVERTED:
        parts.append(str((event.data or {}).get("deal_title", "")))
    elif event.kind == LeadEvent.Kind.CHANGED:
        parts.append(", ".join((event.data or {}).get("fields", [])))
    return "\n".join(p for p in parts if p)[:4000]


def copy_to_timeline(*, actor: Any, lead: Lead, customer: Customer) -> int:
    """Put every history event of the lead on the customer's timeline (once); returns how many
    rows were new. Written in the installation's language: the timeline is shared."""
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        for event in (
            LeadEvent.objects.filter(lead=lead).select_related("actor").order_by("at", "id")
        ):
            channel, direction, topic = _summary(lead, event)
            deal_id = (event.data or {}).get("deal_id")
            _row, new = interaction_record(
                actor=actor,
                customer=customer,
                channel=channel,
                direction=direction,
                occurred_at=event.at,
                topic=topic[:100],
                summary=_text(lead, event),
                staff=event.actor or lead.owner,
                link_type="deal" if event.kind == LeadEvent.Kind.CONVERTED and deal_id else "lead",
                link_id=str(
                    deal_id if event.kind == LeadEvent.Kind.CONVERTED and deal_id else lead.pk
                ),
                source=TIMELINE_SOURCE,
                source_ref=f"{lead.pk}:{event.pk}",
            )
            created += int(new)
    return created


def hand_over(*, actor: Any, lead: Lead, customer: Customer) -> None:
    """Consent and history of a linked lead to its customer (idempotent)."""
    transfer_consents(actor=actor, lead=lead, customer=customer)
    copy_to_timeline(actor=actor, lead=lead, customer=customer)
