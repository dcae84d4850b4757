"""Writes to leads after capture: details, status (qualify, disqualify with a reason, reopen),
owner. Capture is in ``capture.py``, conversion in ``conversion.py``, forms and rules in
``setup.py``. Each function checks ``leads.manage`` first and runs in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.leads import assignment
from heartline.leads.capture import (
    apply_name_keys,
    customer_for,
    link_customer,
    open_lead_for,
    require,
    rescore,
)
from heartline.leads.contact import LeadInput, clean_lead_input
from heartline.leads.events import LeadAssigned, LeadChanged
from heartline.leads.models import Lead, LeadEvent

EDITABLE = (
    "name_cjk",
    "name_pinyin",
    "name_latin",
    "organisation",
    "phone",
    "email",
    "handle",
    "handle_provider",
    "language",
    "territory",
    "message",
)
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"working", "qualified", "disqualified"}),
    "working": frozenset({"qualified", "disqualified"}),
    "qualified": frozenset({"working", "disqualified"}),
    "disqualified": frozenset({"working"}),
    "converted": frozenset(),
}


class SameIdentifierOpen(Conflict):
    """Another open lead already has this identifier (the API answers 409)."""

    def __init__(self, other: Lead) -> None:
        super().__init__(
            _("Open lead #%(id)s already has this phone, e-mail or handle.") % {"id": other.pk},
            code="lead_identifier_taken",
            details={"existing_lead_id": other.pk},
        )


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _staff(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse_converted(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(
            _("This lead was converted; change the customer or the deal instead."),
            code="lead_converted",
            details={"customer_id": lead.customer_id, "deal_id": lead.deal_id},
        )


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, **fields: Any) -> Lead:
    """Change a lead's details, checked by the same rules as a capture."""
    require(actor, "leads.manage")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    lead = _locked(lead)
    _refuse_converted(lead)
    merged = {name: getattr(lead, name) for name in EDITABLE}
    merged.update({k: ("" if v is None else v) for k, v in fields.items()})
    if "name_cjk" in fields and "name_pinyin" not in fields:
        merged["name_pinyin"] = ""
    clean = clean_lead_input(LeadInput(**merged))
    if lead.is_open:
        other = open_lead_for(clean, exclude=lead.pk)
        if other is not None:
            raise SameIdentifierOpen(other)
    before = {name: getattr(lead, name) for name in EDITABLE}
    for name in EDITABLE:
        setattr(lead, name, getattr(clean, name))
    changes = audit.diff(before, {name: getattr(lead, name) for name in EDITABLE})
    if not changes:
        return lead
    apply_name_keys(lead)
    rescore(lead)
    lead.save()
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.CHANGED,
        at=timezone.now(),
        actor=_staff(actor),
        data={"fields": sorted(changes)},
    )
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=lead, changes=changes)
    if lead.customer_id is None and {"phone", "email", "handle"} & set(changes):
        match = customer_for(lead)
        if match is not None:
            link_customer(actor=actor, lead=lead, customer=match[0], by=match[1])
    publish(LeadChanged(lead_id=lead.pk, fields=sorted(changes)))
    return lead


@transaction.atomic
def lead_set_status(*, actor: Any, lead: Lead, status: str, reason: str = "") -> Lead:
    """Qualify, work, disqualify (a reason is required) or reopen a lead. Conversion is
    ``lead_convert``, which also qualifies."""
    require(actor, "leads.manage")
    reason = reason.strip()
    if status not in Lead.Status.values:
        raise ValidationError({"status": [_("Unknown status %(s)s.") % {"s": status[:20]}]})
    if status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("Convert a lead with the conversion form.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("At most %(limit)s characters.") % {"limit": 300}]})
    lead = _locked(lead)
    _refuse_converted(lead)
    if status == lead.status:
        return lead
    if status not in TRANSITIONS[lead.status]:
        raise ValidationError(
            {
                "status": [
                    _("A lead cannot go from %(a)s to %(b)s.")
                    % {"a": lead.get_status_display(), "b": dict(Lead.Status.choices)[status]}
                ]
            }
        )
    if status == Lead.Status.DISQUALIFIED and not reason:
        raise ValidationError({"reason": [_("Say why the lead is disqualified.")]})
    if lead.status == Lead.Status.DISQUALIFIED:  # reopening: one open lead per identifier
        other = open_lead_for(
            LeadInput(
                phone=lead.phone,
                email=lead.email,
                handle=lead.handle,
                handle_provider=lead.handle_provider,
            ),
            exclude=lead.pk,
        )
        if other is not None:
            raise SameIdentifierOpen(other)
    before = lead.status
    lead.status, lead.status_reason = status, reason
    if status == Lead.Status.QUALIFIED and lead.qualified_at is None:
        lead.qualified_at = timezone.now()
    lead.save(update_fields=["status", "status_reason", "qualified_at", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.STATUS,
        at=timezone.now(),
        actor=_staff(actor),
        data={"from": before, "to": status, "reason": reason},
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=lead,
        changes={"status": [before, status], "status_reason": [None, reason]},
    )
    publish(LeadChanged(lead_id=lead.pk, fields=["status"]))
    return lead


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: Any, team: Any = None) -> Lead:
    """Give the lead to ``owner`` (who must be able to work leads); None leaves it unassigned
    in ``team``. The new owner is notified."""
    require(actor, "leads.manage")
    if owner is not None and (not owner.is_active or not owner.has_perm("leads.manage")):
        raise ValidationError({"owner": [_("%(who)s may not work leads.") % {"who": owner}]})
    lead = _locked(lead)
    _refuse_converted(lead)
    team = team if team is not None else getattr(owner, "team", None) or lead.team
    if lead.owner_id == getattr(owner, "pk", None) and lead.team_id == getattr(team, "pk", None):
        return lead
    before = {"owner": lead.owner_id, "team": lead.team_id}
    lead.owner, lead.team = owner, team
    lead.save(update_fields=["owner", "team", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGNED,
        at=timezone.now(),
        actor=_staff(actor),
        data={"owner_id": lead.owner_id, "owner": str(owner or "—"), "how": "given"},
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=lead,
        changes=audit.diff(before, {"owner": lead.owner_id, "team": lead.team_id}),
    )
    publish(LeadAssigned(lead_id=lead.pk, owner_id=lead.owner_id))
    assignment.notify_assignee(lead=lead, owner=owner, actor=actor)
    return lead
