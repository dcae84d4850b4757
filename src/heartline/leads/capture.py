"""``lead_capture``: the one way in for leads from every channel (web form, chat, import, API,
by hand, campaign).

1. The input is checked by :func:`heartline.leads.contact.clean_lead_input` (one way to reach
   the person is enough; identifiers normalised).
2. A capture with a ``source_ref`` already seen from the same source is a repeat: nothing is
   written and the lead it made is returned.
3. An open lead with the same normalised phone, e-mail or handle gets the capture added to its
   history (blank fields filled, consent kept, score recomputed) instead of a second lead.
4. Otherwise a new lead is scored, assigned (rules, else the form's defaults) and, when one of
   its identifiers already belongs to a customer, linked to that customer — which hands the
   customer its consent decisions and its history (``history.hand_over``).

Everything happens in one transaction; two captures racing with the same identifier are
settled by the "one open lead per identifier" unique indexes (the loser joins the winner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers import names
from heartline.customers.models import Customer, Identity
from heartline.leads import assignment, history, scoring
from heartline.leads.contact import LeadInput, clean_lead_input
from heartline.leads.events import LeadAssigned, LeadCaptured
from heartline.leads.models import OPEN_STATUSES, Lead, LeadConsent, LeadEvent, LeadForm

PROFILE_FIELDS = ("name_cjk", "name_pinyin", "name_latin", "organisation", "language", "territory")
IDENTIFIER_FIELDS = ("phone", "email", "handle")


@dataclass(frozen=True)
class CaptureResult:
    lead: Lead
    outcome: str  # created, added (to an open lead), repeat (source_ref seen before)

    @property
    def created(self) -> bool:
        return self.outcome == "created"


def require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def apply_name_keys(lead: Lead) -> None:
    keys = names.search_keys(
        name_cjk=lead.name_cjk, name_pinyin=lead.name_pinyin, name_latin=lead.name_latin
    )
    for key, value in keys.items():
        setattr(lead, key, value)


def _identifier_q(kind: str, provider: str, value: str) -> Q:
    if kind == "handle":
        return Q(handle=value, handle_provider=provider)
    return Q(**{kind: value})


def open_lead_for(data: LeadInput, *, exclude: int | None = None) -> Lead | None:
    """The open lead sharing an identifier with ``data`` (phone first, then e-mail, handle),
    locked for the rest of the transaction."""
    for kind, provider, value in data.identifiers():
        rows = Lead.objects.filter(_identifier_q(kind, provider, value), status__in=OPEN_STATUSES)
        if exclude is not None:
            rows = rows.exclude(pk=exclude)
        found = rows.select_for_update().order_by("id").first()
        if found is not None:
            return found
    return None


def customer_for(data: LeadInput | Lead) -> tuple[Customer, str] | None:
    """The live customer owning one of the identifiers (the unique identity index), and which."""
    for kind, provider, value in _identifiers_of(data):
        identity = (
            Identity.objects.filter(
                kind=kind, provider=provider, value=value, customer__merged_into__isnull=True
            )
            .select_related("customer")
            .first()
        )
        if identity is not None:
            return identity.customer, kind
    return None


def _identifiers_of(data: LeadInput | Lead) -> list[tuple[str, str, str]]:
    if isinstance(data, LeadInput):
        return data.identifiers()
    return LeadInput(
        phone=data.phone, email=data.email, handle=data.handle, handle_provider=data.handle_provider
    ).identifiers()


def granted_purposes(lead: Lead) -> list[str]:
    """Purposes the lead consents to now (the latest decision per purpose)."""
    state: dict[str, bool] = {}
    for purpose, granted in (
        LeadConsent.objects.filter(lead=lead).order_by("id").values_list("purpose", "granted")
    ):
        state[purpose] = granted
    return [p for p, g in state.items() if g]


def rescore(lead: Lead) -> None:
    lead.score, lead.score_reasons = scoring.compute(scoring.facts_of(lead, granted_purposes(lead)))


def _keep_consents(lead: Lead, data: LeadInput, source: str, at: Any) -> None:
    LeadConsent.objects.bulk_create(
        LeadConsent(
            lead=lead,
            purpose=c.purpose,
            granted=c.granted,
            source=source,
            evidence=c.evidence,
            at=at,
        )
        for c in data.consents
    )


def link_customer(*, actor: Any, lead: Lead, customer: Customer, by: str) -> None:
    """Link ``lead`` to ``customer`` and hand it the lead's consent and history."""
    lead.customer = customer
    Lead.objects.filter(pk=lead.pk).update(customer=customer)
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.LINKED,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data={"customer_id": customer.pk, "by": by},
    )
    history.hand_over(actor=actor, lead=lead, customer=customer)


def _staff(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _create(
    actor: Any,
    data: LeadInput,
    source: str,
    source_ref: str,
    form: LeadForm | None,
    chosen: assignment.Assignment | None,
) -> CaptureResult:
    now = timezone.now()
    values = {f: getattr(data, f) for f in (*PROFILE_FIELDS, *IDENTIFIER_FIELDS)}
    lead = Lead(
        **values,
        handle_provider=data.handle_provider,
        message=data.message,
        source=source,
        source_ref=source_ref,
        form=form,
        last_captured_at=now,
    )
    apply_name_keys(lead)
    granted = [c.purpose for c in data.consents if c.granted]
    lead.score, lead.score_reasons = scoring.compute(scoring.facts_of(lead, granted))
    chosen = chosen or assignment.choose(lead, form=form)
    lead.owner, lead.team = chosen.owner, chosen.team
    lead.save()
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.CAPTURED,
        at=now,
        actor=_staff(actor),
        source=source,
        source_ref=source_ref or None,
        message=data.message,
        data={"form": form.public_key if form else "", "score": lead.score},
    )
    _keep_consents(lead, data, source, now)
    if lead.owner_id is not None:
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.ASSIGNED,
            at=now,
            actor=_staff(actor),
            data={"owner_id": lead.owner_id, "owner": str(lead.owner), "how": chosen.how},
        )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=lead,
        changes={
            "source": [None, source],
            "score": [None, lead.score],
            "owner": [None, lead.owner_id],
            "team": [None, lead.team_id],
        },
    )
    match = customer_for(data)
    if match is not None:
        link_customer(actor=actor, lead=lead, customer=match[0], by=match[1])
    publish(LeadCaptured(lead_id=lead.pk, created=True))
    if lead.owner_id is not None:
        publish(LeadAssigned(lead_id=lead.pk, owner_id=lead.owner_id))
        assignment.notify_assignee(lead=lead, owner=lead.owner, actor=actor)
    return CaptureResult(lead, "created")


def _fill(lead: Lead, data: LeadInput) -> list[str]:
    """Fill the lead's blank fields from a later capture; identifiers only where no other open
    lead has them. Returns the names of the fields filled."""
    filled = []
    for name in PROFILE_FIELDS:
        if not getattr(lead, name) and getattr(data, name):
            setattr(lead, name, getattr(data, name))
            filled.append(name)
    for kind, provider, value in data.identifiers():
        if getattr(lead, kind):
            continue
        taken = Lead.objects.filter(
            _identifier_q(kind, provider, value), status__in=OPEN_STATUSES
        ).exclude(pk=lead.pk)
        if not taken.exists():
            setattr(lead, kind, value)
            if kind == "handle":
                lead.handle_provider = provider
            filled.append(kind)
    if not lead.message and data.message:
        lead.message = data.message
        filled.append("message")
    return filled


def _add(
    actor: Any, lead: Lead, data: LeadInput, source: str, source_ref: str, form: LeadForm | None
) -> CaptureResult:
    now = timezone.now()
    before = lead.captures
    filled = _fill(lead, data)
    apply_name_keys(lead)
    lead.captures = before + 1
    lead.last_captured_at = now
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.CAPTURED_AGAIN,
        at=now,
        actor=_staff(actor),
        source=source,
        source_ref=source_ref or None,
        message=data.message,
        data={"form": form.public_key if form else "", "filled": filled},
    )
    _keep_consents(lead, data, source, now)
    rescore(lead)
    lead.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=lead,
        changes={"captures": [before, lead.captures], "filled": [None, filled]},
    )
    if lead.customer_id is not None:
        history.hand_over(actor=actor, lead=lead, customer=lead.customer)  # type: ignore[arg-type]
    elif {"phone", "email", "handle"} & set(filled):
        match = customer_for(lead)
        if match is not None:
            link_customer(actor=actor, lead=lead, customer=match[0], by=match[1])
    publish(LeadCaptured(lead_id=lead.pk, created=False))
    assignment.notify_assignee(lead=lead, owner=lead.owner, actor=actor, again=True)
    return CaptureResult(lead, "added")


def _capture_once(
    actor: Any,
    data: LeadInput,
    source: str,
    source_ref: str,
    form: LeadForm | None,
    chosen: assignment.Assignment | None,
) -> CaptureResult:
    if source_ref:
        seen = (
            LeadEvent.objects.filter(source=source, source_ref=source_ref)
            .select_related("lead")
            .first()
        )
        if seen is not None:
            return CaptureResult(seen.lead, "repeat")
    existing = open_lead_for(data)
    if existing is not None:
        return _add(actor, existing, data, source, source_ref, form)
    return _create(actor, data, source, source_ref, form, chosen)


def lead_capture(
    *,
    actor: Any,
    data: LeadInput,
    source: str,
    source_ref: str = "",
    form: LeadForm | None = None,
    owner: Any = None,
    team: Any = None,
) -> CaptureResult:
    """Capture a lead from any channel (see the module docstring). ``actor`` is None for the
    public web form and other system channels; staff need ``leads.manage``. ``owner``/``team``
    assign a new lead explicitly instead of the assignment rules."""
    require(actor, "leads.manage")
    if source not in Lead.Source.values:
        raise ValidationError({"source": [_("Unknown source %(s)s.") % {"s": source[:20]}]})
    if len(source_ref) > 200:
        raise ValidationError({"source_ref": [_("At most %(limit)s characters.") % {"limit": 200}]})
    clean = clean_lead_input(data)
    if owner is not None and not owner.has_perm("leads.manage"):
        raise ValidationError({"owner": [_("%(who)s may not work leads.") % {"who": owner}]})
    chosen = (
        assignment.Assignment(owner, team or getattr(owner, "team", None), None, "given")
        if owner is not None or team is not None
        else None
    )
    source_ref = source_ref.strip()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _capture_once(actor, clean, source, source_ref, form, chosen)
        except IntegrityError:
            # A concurrent capture took the same source_ref or identifier first: join it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
