"""Every write to activities: plan, change, reschedule, complete, cancel. One transaction each,
with its audit entry and its event; the permission is checked before anything is written.

Who may change an activity: its owner, or a manager-level user (``staff.view``), who may also
plan activities for someone else. Completing a call, meeting or e-mail about a customer
records the contact on the customer's timeline (``timeline.services.interaction_record``,
source ``activity`` with the activity's id, so it is recorded once however often it is tried).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.activities.events import ActivityChanged
from heartline.activities.models import CONTACT_KINDS, Activity
from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.sales.models import Deal
from heartline.timeline.services import MAX_FUTURE, interaction_record

MANAGE = "activities.manage"
MANAGER_LEVEL = "staff.view"  # may plan for others and change others' activities
MAX_REMIND_MINUTES = 14 * 24 * 60
MAX_LENGTH = datetime.timedelta(days=7)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
ALL_DAY_REMIND_BASE = datetime.time(9, 0)  # an all-day activity's reminder counts from 09:00
# Fields a service accepts; the calendar shows all but owner, customer, deal and the link.
FIELDS = (
    "kind",
    "subject",
    "notes",
    "due_at",
    "all_day",
    "end_at",
    "location",
    "priority",
    "owner",
    "customer",
    "deal",
    "link_type",
    "link_id",
    "remind_minutes_before",
)
CALENDAR_FIELDS = frozenset(FIELDS) - {"owner", "customer", "deal", "link_type", "link_id"}
AUDITED = (*FIELDS, "status", "outcome", "completed_at")


def _require(actor: Any, perm: str = MANAGE) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def may_change(user: Any, activity: Activity) -> bool:
    """The owner, or a manager-level user (None: the system)."""
    if user is None:
        return True
    return bool(activity.owner_id == user.pk or user.has_perm(MANAGER_LEVEL))


def _require_change(actor: Any, activity: Activity) -> None:
    _require(actor)
    if not may_change(actor, activity):
        raise PermissionDenied(_("Only the owner or a manager may change this activity."))


def _local_midnight(value: datetime.datetime) -> datetime.datetime:
    day = timezone.localtime(value).date()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def remind_at_of(activity: Activity) -> datetime.datetime | None:
    """When the reminder is due: ``remind_minutes_before`` before the start (09:00 local for
    an all-day activity); None without a reminder."""
    if activity.remind_minutes_before is None:
        return None
    base = activity.due_at
    if activity.all_day:
        day = timezone.localtime(activity.due_at).date()
        base = timezone.make_aware(datetime.datetime.combine(day, ALL_DAY_REMIND_BASE))
    return base - datetime.timedelta(minutes=activity.remind_minutes_before)


def _check_time(errors: dict[str, list[str]], name: str, value: Any) -> None:
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        errors[name] = [_("Give the date and time with its time zone.")]
    elif not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        errors[name] = [
            _("Give a date between %(a)s and %(b)s.") % {"a": EARLIEST_YEAR, "b": LATEST_YEAR}
        ]


def _check_text(errors: dict[str, list[str]], data: Mapping[str, Any]) -> None:
    limits = {"subject": 200, "notes": 4000, "location": 200, "link_type": 32, "link_id": 64}
    for name, limit in limits.items():
        if name in data and len(data[name]) > limit:
            errors[name] = [_("Keep this under %(n)s characters.") % {"n": limit}]
    if "subject" in data and not data["subject"]:
        errors["subject"] = [_("Say what the activity is about.")]


def _check_people(actor: Any, activity: Activity, data: Mapping[str, Any]) -> None:
    if "owner" not in data:
        return
    owner = data["owner"]
    if owner is None:
        raise ValidationError({"owner": [_("Every activity has an owner.")]})
    if actor is not None and owner.pk != actor.pk and not actor.has_perm(MANAGER_LEVEL):
        raise PermissionDenied(_("Only a manager may plan activities for someone else."))
    if not owner.is_active or not owner.has_perm(MANAGE):
        raise ValidationError({"owner": [_("%(name)s cannot own activities.") % {"name": owner}]})


def _check_links(actor: Any, activity: Activity, data: dict[str, Any]) -> None:
    if "deal" in data and data["deal"] is not None:
        _require(actor, "deals.view")
        if data.get("customer", activity.customer) is None:
            data["customer"] = data["deal"].customer
    customer: Customer | None = data.get("customer", activity.customer)
    deal: Deal | None = data.get("deal", activity.deal)
    changed = "deal" in data or "customer" in data
    if changed and deal is not None and (customer is None or deal.customer_id != customer.pk):
        raise ValidationError({"deal": [_("The deal belongs to another customer.")]})
    if "customer" in data and customer is not None and customer.merged_into_id is not None:
        raise ValidationError({"customer": [_("This customer was merged into another.")]})
    link_type = data.get("link_type", activity.link_type)
    link_id = data.get("link_id", activity.link_id)
    if ("link_type" in data or "link_id" in data) and bool(link_type) != bool(link_id):
        raise ValidationError({"link_type": [_("Give both the link's type and its id.")]})


def _clean(actor: Any, activity: Activity, fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    data = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    if "kind" in data and data["kind"] not in Activity.Kind.values:
        errors["kind"] = [_("Unknown kind %(k)s.") % {"k": data["kind"]}]
    if "priority" in data and data["priority"] not in Activity.Priority.values:
        errors["priority"] = [_("Priority is 0 (low), 1 (normal) or 2 (high).")]
    _check_text(errors, data)
    for name in ("due_at", "end_at"):
        if name in data and (name == "due_at" or data[name] is not None):
            _check_time(errors, name, data[name])
    minutes = data.get("remind_minutes_before")
    if minutes is not None and (
        not isinstance(minutes, int) or not 0 <= minutes <= MAX_REMIND_MINUTES
    ):
        errors["remind_minutes_before"] = [
            _("Remind between 0 and %(n)s minutes before.") % {"n": MAX_REMIND_MINUTES}
        ]
    if errors:
        raise ValidationError(errors)
    _check_people(actor, activity, data)
    _check_links(actor, activity, data)
    return data


def _apply(activity: Activity, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        setattr(activity, name, value)
    if activity.all_day:
        activity.due_at = _local_midnight(activity.due_at)
        activity.end_at = None
    if activity.end_at is not None:
        if activity.end_at < activity.due_at:
            raise ValidationError({"end_at": [_("An activity cannot end before it starts.")]})
        if activity.end_at - activity.due_at > MAX_LENGTH:
            raise ValidationError({"end_at": [_("An activity lasts at most seven days.")]})
    remind_at = remind_at_of(activity)
    if remind_at != activity.remind_at:  # a new time re-arms the reminder
        activity.remind_at = remind_at
        activity.reminder_sent_at = None
        activity.reminder_email = Activity.EmailState.NONE
        activity.reminder_email_at = None
        activity.reminder_email_attempts = 0


def _snapshot(activity: Activity) -> dict[str, Any]:
    return {
        name: getattr(activity, f"{name}_id" if name in {"owner", "customer", "deal"} else name)
        for name in AUDITED
    }


def _announce(activity: Activity, change: str) -> None:
    publish(
        ActivityChanged(
            activity_id=activity.pk,
            owner_id=activity.owner_id,
            customer_id=activity.customer_id,
            change=change,
        )
    )


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    kind: str,
    subject: str,
    due_at: datetime.datetime,
    owner: Any = None,
    **fields: Any,
) -> Activity:
    """Plan an activity (for the actor unless a manager names another ``owner``)."""
    _require(actor)
    activity = Activity(created_by=actor if actor is not None else None)
    data = _clean(
        actor,
        activity,
        {"kind": kind, "subject": subject, "due_at": due_at, "owner": owner or actor, **fields},
    )
    _apply(activity, data)
    activity.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=activity,
        changes=audit.diff({}, _snapshot(activity)),
    )
    _announce(activity, "created")
    return activity


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("owner").get(pk=activity.pk)


def _save_changes(actor: Any, activity: Activity, before: dict[str, Any], change: str) -> None:
    changes = audit.diff(before, _snapshot(activity))
    if not changes:
        return
    if CALENDAR_FIELDS & set(changes) or "status" in changes:
        activity.sequence += 1
    activity.save()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=activity, changes=changes)
    _announce(activity, change)


def _require_planned(activity: Activity) -> None:
    if activity.status != Activity.Status.PLANNED:
        raise Conflict(
            _("This activity is already %(status)s.")
            % {"status": activity.get_status_display().lower()},
            code="activity_closed",
            details={"status": activity.status},
        )


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, **fields: Any) -> Activity:
    """Change a planned activity's fields (only the given ones)."""
    _require_change(actor, activity)
    activity = _locked(activity)
    _require_change(actor, activity)
    _require_planned(activity)
    before = _snapshot(activity)
    _apply(activity, _clean(actor, activity, fields))
    _save_changes(actor, activity, before, "updated")
    return activity


@transaction.atomic
def activity_reschedule(
    *,
    actor: Any,
    activity: Activity,
    due_at: datetime.datetime,
    end_at: datetime.datetime | None = None,
) -> Activity:
    """Move a planned activity; without ``end_at`` it keeps its length."""
    _require_change(actor, activity)
    activity = _locked(activity)
    _require_change(actor, activity)
    _require_planned(activity)
    fields: dict[str, Any] = {"due_at": due_at}
    if end_at is not None:
        fields["end_at"] = end_at
    elif activity.end_at is not None and isinstance(due_at, datetime.datetime):
        fields["end_at"] = due_at + (activity.end_at - activity.due_at)
    before = _snapshot(activity)
    _apply(activity, _clean(actor, activity, fields))
    _save_changes(actor, activity, before, "rescheduled")
    return activity


def interaction_channel(activity: Activity) -> str:
    """The timeline channel of a completed contact: calls by phone, e-mails by e-mail, and
    meetings face to face ("store"), or on the web when the place is an address online."""
    if activity.kind == Activity.Kind.CALL:
        return "phone"
    if activity.kind == Activity.Kind.EMAIL:
        return "email"
    if activity.location.lower().startswith(("http://", "https://")):
        return "web"
    return "store"


def _record_contact(
    actor: Any, activity: Activity, follow_up: str, follow_up_due: datetime.date | None
) -> None:
    if activity.kind not in CONTACT_KINDS or activity.customer is None:
        return
    interaction_record(
        actor=actor,
        customer=activity.customer,
        channel=interaction_channel(activity),
        direction="out",
        occurred_at=activity.completed_at,
        staff=activity.owner,
        topic=activity.subject[:100],
        summary=activity.notes,
        outcome=activity.outcome,
        follow_up=follow_up,
        follow_up_due=follow_up_due,
        link_type="activity",
        link_id=str(activity.pk),
        source="activity",
        source_ref=str(activity.pk),
    )


def _plan_follow_up(
    actor: Any, activity: Activity, follow_up: str, follow_up_due: datetime.date
) -> Activity:
    subject = follow_up or _("Follow up: %(subject)s") % {"subject": activity.subject}
    due = timezone.make_aware(datetime.datetime.combine(follow_up_due, datetime.time.min))
    follow = Activity(created_by=actor, follow_up_of=activity)
    _apply(
        follow,
        _clean(
            None,
            follow,
            {
                "kind": Activity.Kind.TASK,
                "subject": subject[:200],
                "due_at": due,
                "all_day": True,
                "owner": activity.owner,
                "customer": activity.customer,
                "priority": activity.priority,
            },
        ),
    )
    follow.deal_id = activity.deal_id
    follow.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=follow,
        changes=audit.diff({}, {**_snapshot(follow), "follow_up_of": activity.pk}),
    )
    _announce(follow, "created")
    return follow


@transaction.atomic
def activity_complete(
    *,
    actor: Any,
    activity: Activity,
    outcome: str = "",
    completed_at: datetime.datetime | None = None,
    follow_up: str = "",
    follow_up_due: datetime.date | None = None,
) -> Activity:
    """Mark a planned activity done with its outcome. A call, meeting or e-mail about a
    customer lands on the customer's timeline; a follow-up date plans a follow-up task."""
    _require_change(actor, activity)
    activity = _locked(activity)
    _require_change(actor, activity)
    _require_planned(activity)
    outcome, follow_up = outcome.strip(), follow_up.strip()
    now = timezone.now()
    completed_at = completed_at or now
    errors: dict[str, list[str]] = {}
    if len(outcome) > 200:
        errors["outcome"] = [_("Keep the outcome under 200 characters.")]
    if len(follow_up) > 300:
        errors["follow_up"] = [_("Keep the follow-up under 300 characters.")]
    _check_time(errors, "completed_at", completed_at)
    if "completed_at" not in errors and completed_at > now + MAX_FUTURE:
        errors["completed_at"] = [_("An activity cannot be done in the future.")]
    if follow_up_due is not None and follow_up_due < timezone.localdate(now):
        errors["follow_up_due"] = [_("A follow-up is due today or later.")]
    if follow_up and follow_up_due is None:
        errors["follow_up_due"] = [_("Give the date of the follow-up.")]
    if errors:
        raise ValidationError(errors)
    before = _snapshot(activity)
    activity.status = Activity.Status.DONE
    activity.outcome = outcome
    activity.completed_at = completed_at
    _save_changes(actor, activity, before, "completed")
    _record_contact(actor, activity, follow_up, follow_up_due)
    if follow_up_due is not None:
        _plan_follow_up(actor, activity, follow_up, follow_up_due)
    return activity


@transaction.atomic
def activity_cancel(*, actor: Any, activity: Activity, reason: str = "") -> Activity:
    """Call a planned activity off (it stays, cancelled, in calendars and history)."""
    _require_change(actor, activity)
    activity = _locked(activity)
    _require_change(actor, activity)
    _require_planned(activity)
    reason = reason.strip()
    if len(reason) > 200:
        raise ValidationError({"reason": [_("Keep the reason under 200 characters.")]})
    before = _snapshot(activity)
    activity.status = Activity.Status.CANCELLED
    activity.outcome = reason
    activity.completed_at = timezone.now()
    _save_changes(actor, activity, before, "cancelled")
    return activity
