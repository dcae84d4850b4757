"""Who gets a new lead: ordered assignment rules (by territory, language, source), each giving
the lead to a person or round-robin within a team; otherwise the capture form's default owner
and team. The assignee is told through a notification.

Round-robin keeps, on the rule, the member who got the last lead; the rule's row is locked
while the next member is chosen, so concurrent captures never hand two leads to the same
person out of turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from heartline.core.notifications import notification_create
from heartline.core.permissions import ROLE_PERMISSIONS
from heartline.leads.models import AssignmentRule, Lead, LeadForm


@dataclass(frozen=True)
class Assignment:
    owner: Any
    team: Any
    rule_id: int | None = None
    how: str = ""  # rule, round_robin, form, given, none


def lead_roles() -> list[str]:
    return [str(role) for role, codes in ROLE_PERMISSIONS.items() if "leads.manage" in codes]


def eligible_members(team: Any) -> list[Any]:
    """Active members of ``team`` who may work leads, in a stable order (by id)."""
    user_model = get_user_model()
    rows = user_model.objects.filter(team=team, is_active=True, role__in=lead_roles())
    return list(rows.order_by("id"))


def _matches(rule: AssignmentRule, lead: Lead) -> bool:
    if rule.match_territory and rule.match_territory.lower() != lead.territory.lower():
        return False
    if rule.match_language and rule.match_language.lower() != lead.language:
        return False
    return not (rule.match_source and rule.match_source != lead.source)


def _round_robin(rule: AssignmentRule) -> Any:
    members = eligible_members(rule.team)
    if not members:
        return None
    after = rule.last_user_id or 0
    chosen = next((m for m in members if m.pk > after), members[0])
    AssignmentRule.objects.filter(pk=rule.pk).update(last_user=chosen)
    return chosen


def choose(lead: Lead, *, form: LeadForm | None) -> Assignment:
    """The first matching rule's assignee, else the form's defaults. Call inside the capture's
    transaction: round-robin rules are locked and advanced."""
    rules = AssignmentRule.objects.filter(active=True).order_by("position", "id")
    for rule in rules.select_related("user", "team"):
        if not _matches(rule, lead):
            continue
        if rule.method == AssignmentRule.Method.USER:
            if rule.user is not None and rule.user.is_active:
                return Assignment(rule.user, rule.team or rule.user.team, rule.pk, "rule")
            continue
        if rule.team_id is None:
            continue
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        chosen = _round_robin(locked)
        if chosen is not None:
            return Assignment(chosen, rule.team, rule.pk, "round_robin")
    if form is not None and (form.default_owner_id or form.default_team_id):
        owner = form.default_owner if form.default_owner_id else None
        if owner is not None and not owner.is_active:
            owner = None
        return Assignment(owner, form.default_team or getattr(owner, "team", None), None, "form")
    return Assignment(None, None, None, "none")


def notify_assignee(*, lead: Lead, owner: Any, actor: Any, again: bool = False) -> None:
    """Tell ``owner`` (in their language) that a lead is theirs, or that it got in touch again;
    nobody is told about what they did themselves."""
    if owner is None or (actor is not None and getattr(actor, "pk", None) == owner.pk):
        return
    with translation.override(getattr(owner, "language", None) or "en"):
        if again:
            text = _("Your lead %(name)s got in touch again.") % {"name": lead.display_name}
        else:
            text = _("New lead for you: %(name)s (score %(score)s).") % {
                "name": lead.display_name,
                "score": lead.score,
            }
    notification_create(recipient=owner, text=text, link=reverse("web:lead_detail", args=[lead.pk]))


def rules_for_display() -> list[AssignmentRule]:
    return list(
        AssignmentRule.objects.select_related("user", "team", "last_user").order_by(
            "position", "id"
        )
    )
