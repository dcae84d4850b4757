"""Reads of leads, shared by the pages and the API; each checks ``leads.view`` first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.models import AuditEntry
from heartline.customers import identities, names
from heartline.customers.duplicates import Candidate, candidates_for_new
from heartline.customers.models import Identity
from heartline.leads.models import Lead, LeadConsent, LeadEvent, LeadForm
from heartline.timeline.hot import Rows, Section, aware

LIST_LIMIT = 50
VIEWED_FIELDS = ["consents", "contact", "history", "message", "profile"]


def _require_view(user: Any) -> None:
    if not user.has_perm("leads.view"):
        raise PermissionDenied("leads.view")


def leads_for_user(user: Any) -> QuerySet[Lead]:
    """Every lead the user may see (one shared base: all of them, for leads.view)."""
    _require_view(user)
    return Lead.objects.all()


def lead_for_user(user: Any, lead_id: int) -> Lead:
    lead = leads_for_user(user).select_related("owner", "team", "customer", "deal", "form")
    found = lead.filter(pk=lead_id).first()
    if found is None:
        raise Lead.DoesNotExist(f"No lead {lead_id}.")
    return found


def lead_detail(user: Any, lead_id: int) -> Lead:
    """A lead for display, recorded in the audit trail as a view of personal data."""
    lead = lead_for_user(user, lead_id)
    audit.record_view(actor=user, obj=lead, fields=VIEWED_FIELDS)
    return lead


@dataclass(frozen=True)
class LeadFilters:
    status: str = ""
    owner_id: int | None = None
    unassigned: bool = False
    source: str = ""
    min_score: int | None = None
    q: str = ""


def _search(q: str) -> Q:
    """Identifier typed in any format, a name (characters, pinyin, Latin) or an organisation."""
    text = q.strip()[:100]
    found = Q(organisation__icontains=text)
    for kind in ("phone", "email"):
        try:
            found |= Q(**{kind: identities.normalise(kind, text)})
        except Exception:  # noqa: S112 — not that kind of identifier
            continue
    found |= Q(handle=text)
    if names.has_cjk(text):
        found |= Q(key_cjk__startswith=names.simplified(text))
    else:
        folded = names.fold(text)
        if len(folded) >= 2:
            found |= Q(key_pinyin__startswith=folded) | Q(key_latin__startswith=folded)
    return found


def filtered(user: Any, filters: LeadFilters) -> QuerySet[Lead]:
    """The leads matching ``filters`` (unordered)."""
    rows = leads_for_user(user)
    if filters.status == "open":
        rows = rows.filter(status__in=("new", "working", "qualified"))
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.unassigned:
        rows = rows.filter(owner__isnull=True)
    elif filters.owner_id is not None:
        rows = rows.filter(owner_id=filters.owner_id)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.min_score is not None:
        rows = rows.filter(score__gte=filters.min_score)
    if filters.q.strip():
        rows = rows.filter(_search(filters.q))
    return rows


def lead_list(
    user: Any, filters: LeadFilters, *, before: int | None = None, limit: int = LIST_LIMIT
) -> list[Lead]:
    """A page of leads, newest first (keyset on id), filtered; recorded as a view."""
    rows = filtered(user, filters)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.select_related("owner").order_by("-id")[:limit])
    if page:
        audit.record(
            actor=user,
            action=AuditEntry.Action.VIEW,
            object_type="leads.lead",
            object_label="lead list",
            changes={"fields": ["list"], "leads": [lead.pk for lead in page]},
        )
    return page


def lead_history(user: Any, lead: Lead) -> list[LeadEvent]:
    _require_view(user)
    return list(LeadEvent.objects.filter(lead=lead).select_related("actor").order_by("-at", "-id"))


def lead_consents(user: Any, lead: Lead) -> list[LeadConsent]:
    _require_view(user)
    return list(LeadConsent.objects.filter(lead=lead).order_by("id"))


@dataclass
class Duplicates:
    """Possible duplicates of a lead: customers with an identical identifier (certain),
    customers with a similar name (the customer memory's own matching), and other leads."""

    same_identifier: list[Candidate] = field(default_factory=list)
    similar_name: list[Candidate] = field(default_factory=list)
    leads: list[tuple[Lead, str]] = field(default_factory=list)


def _identity_reason(kind: str) -> str:
    return {
        "phone": _("same phone number"),
        "email": _("same e-mail address"),
        "handle": _("same WeChat or other handle"),
    }[kind]


def lead_duplicates(user: Any, lead: Lead) -> Duplicates:
    """See :class:`Duplicates`. Customers are shown only to those who may see customers."""
    _require_view(user)
    found = Duplicates()
    pairs = [("phone", "", lead.phone), ("email", "", lead.email)]
    pairs.append(("handle", lead.handle_provider, lead.handle))
    if user.has_perm("customers.view"):
        exact: dict[int, Candidate] = {}
        for kind, provider, value in pairs:
            if not value:
                continue
            rows = Identity.objects.filter(
                kind=kind, provider=provider, value=value, customer__merged_into__isnull=True
            ).select_related("customer")
            if lead.customer_id is not None:
                rows = rows.exclude(customer_id=lead.customer_id)
            for identity in rows[:5]:
                hit = exact.setdefault(
                    identity.customer_id,
                    Candidate(identity.customer_id, identity.customer.display_name, 100, []),
                )
                hit.reasons.append(_identity_reason(kind))
        found.same_identifier = list(exact.values())
        similar = candidates_for_new(
            user, name_cjk=lead.name_cjk, name_latin=lead.name_latin, name_pinyin=lead.name_pinyin
        )
        found.similar_name = [
            c for c in similar if c.customer_id not in exact and c.customer_id != lead.customer_id
        ]
    others = Q(pk__in=[])
    for kind, provider, value in pairs:
        if value:
            others |= (
                Q(handle=value, handle_provider=provider)
                if kind == "handle"
                else Q(**{kind: value})
            )
    for key in ("key_cjk", "key_latin", "key_pinyin"):
        if getattr(lead, key):
            others |= Q(**{key: getattr(lead, key)})
    for other in Lead.objects.filter(others).exclude(pk=lead.pk).order_by("-id")[:10]:
        same = [k for k, _p, v in pairs if v and getattr(other, k) == v]
        reason = _identity_reason(same[0]) if same else _("same name")
        found.leads.append((other, reason))
    return found


def forms_for_user(user: Any) -> QuerySet[LeadForm]:
    _require_view(user)
    return LeadForm.objects.select_related("default_owner", "default_team").order_by("name", "id")


LEAD_SECTION_LIMIT = 10
LEAD_SECTION_FIELDS = ("id", "status", "source", "score", "created_at", "deal_id")


def _lead_section_rows(rows: Rows) -> list[dict[str, Any]]:
    leads = [dict(zip(LEAD_SECTION_FIELDS, row, strict=True)) for row in rows]
    for lead in leads:
        lead["created_at"] = aware(lead["created_at"])
    return leads


# The customer 360's "leads" section: this customer's leads, newest first — one query through
# lead_customer_idx, run on the 360's cursor. Called alone, it runs by itself.
leads_of_customer = Section(
    permission="leads.view",
    sql=(
        "SELECT id, status, source, score, created_at, deal_id FROM leads_lead"
        " WHERE customer_id = %s ORDER BY id DESC LIMIT %s"
    ),
    params=lambda customer_id: [customer_id, LEAD_SECTION_LIMIT],
    shape=_lead_section_rows,
)
