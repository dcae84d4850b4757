"""A per-user iCalendar feed (RFC 5545) of activities, behind a secret address.

Calendar programs cannot sign in, so the feed's address carries a long random token
(``hlcal_`` + 256 bits). Only its SHA-256 is stored; it is found by that hash (a unique
index) and compared again in constant time. The token grants reading that one user's feed
and nothing else. Regenerating replaces it; revoking deletes it.

Calls, meetings and e-mails are VEVENTs (times in UTC, all-day ones as dates), tasks and
reminders VTODOs; a reminder offset becomes a VALARM. UIDs are stable per activity and
SEQUENCE follows the activity's changes, so subscribed calendars update in place.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, Todo

from heartline.activities.models import Activity, CalendarFeed
from heartline.core import audit
from heartline.core.models import AuditEntry

PREFIX = "hlcal_"
PAST_DAYS = 90  # how far back the feed reaches (planned ones are always in it)
FEED_LIMIT = 2000
AUDIT_EVERY = datetime.timedelta(minutes=5)
DEFAULT_LENGTH = {
    Activity.Kind.CALL: datetime.timedelta(minutes=15),
    Activity.Kind.MEETING: datetime.timedelta(hours=1),
    Activity.Kind.EMAIL: datetime.timedelta(minutes=15),
}
EVENT_KINDS = frozenset(DEFAULT_LENGTH)
PRIORITY = {  # RFC 5545 PRIORITY: 1 highest … 9 lowest, 0 undefined
    Activity.Priority.HIGH: 1,
    Activity.Priority.NORMAL: 5,
    Activity.Priority.LOW: 9,
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_regenerate(*, actor: Any) -> str:
    """Make (or replace) the actor's feed token; returns the token, shown once."""
    token = PREFIX + secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.update_or_create(
        user=actor, defaults={"token_hash": _hash(token), "prefix": token[:12]}
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        obj=feed,
        changes={"token": [None, "new"]},
    )
    return token


@transaction.atomic
def calendar_token_revoke(*, actor: Any) -> bool:
    """Stop the actor's feed address. True if there was one."""
    feed = CalendarFeed.objects.filter(user=actor).first()
    if feed is None:
        return False
    audit.record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=feed, changes={"token": ["old", None]}
    )
    feed.delete()
    return True


def calendar_feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_user_for_token(token: str) -> Any | None:
    """The active user whose feed token this is, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    digest = _hash(token)
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=digest).first()
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    if not feed.user.is_active or not feed.user.has_perm("activities.manage"):
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > AUDIT_EVERY:
        # Calendar programs poll; one audit entry per AUDIT_EVERY records who read the feed.
        with transaction.atomic():
            CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
            audit.record_view(actor=feed.user, obj=feed, fields=["activities"])
    return feed.user


def feed_activities(user: Any, *, now: datetime.datetime | None = None) -> list[Activity]:
    """What a user's feed shows: their planned activities, and the others of the last
    :data:`PAST_DAYS` days and the future."""
    since = (now or timezone.now()) - datetime.timedelta(days=PAST_DAYS)
    rows = Activity.objects.filter(owner=user).select_related("customer")
    rows = rows.filter(due_at__gte=since) | rows.filter(status=Activity.Status.PLANNED)
    return list(rows.order_by("due_at", "id")[:FEED_LIMIT])


def _description(activity: Activity) -> str:
    parts = []
    if activity.customer is not None:
        parts.append(activity.customer.display_name)
    if activity.notes:
        parts.append(activity.notes)
    if activity.outcome:
        parts.append(activity.outcome)
    return "\n\n".join(parts)


def _common(component: Any, activity: Activity, domain: str) -> None:
    component.add("uid", f"{activity.uid}@{domain}")
    component.add("dtstamp", activity.updated_at.astimezone(datetime.UTC))
    component.add("created", activity.created_at.astimezone(datetime.UTC))
    component.add("last-modified", activity.updated_at.astimezone(datetime.UTC))
    component.add("sequence", activity.sequence)
    component.add("summary", activity.subject)
    description = _description(activity)
    if description:
        component.add("description", description)
    if activity.location:
        component.add("location", activity.location)
    component.add("priority", PRIORITY[Activity.Priority(activity.priority)])
    component.add("categories", [activity.kind.upper()])
    if activity.remind_minutes_before is not None and activity.status == Activity.Status.PLANNED:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        if activity.all_day and activity.remind_at is not None:
            alarm.add("trigger", activity.remind_at.astimezone(datetime.UTC))
        else:
            alarm.add("trigger", -datetime.timedelta(minutes=activity.remind_minutes_before))
        component.add_component(alarm)


def _event(activity: Activity, domain: str) -> Event:
    event = Event()
    _common(event, activity, domain)
    if activity.all_day:
        day = timezone.localdate(activity.due_at)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
    else:
        start = activity.due_at.astimezone(datetime.UTC)
        end = activity.end_at or activity.due_at + DEFAULT_LENGTH[Activity.Kind(activity.kind)]
        event.add("dtstart", start)
        event.add("dtend", end.astimezone(datetime.UTC))
    event.add(
        "status", "CANCELLED" if activity.status == Activity.Status.CANCELLED else "CONFIRMED"
    )
    event.add("transp", "OPAQUE" if activity.kind == Activity.Kind.MEETING else "TRANSPARENT")
    return event


def _todo(activity: Activity, domain: str) -> Todo:
    todo = Todo()
    _common(todo, activity, domain)
    if activity.all_day:
        todo.add("due", timezone.localdate(activity.due_at))
    else:
        todo.add("due", activity.due_at.astimezone(datetime.UTC))
    if activity.status == Activity.Status.DONE:
        todo.add("status", "COMPLETED")
        if activity.completed_at is not None:
            todo.add("completed", activity.completed_at.astimezone(datetime.UTC))
        todo.add("percent-complete", 100)
    elif activity.status == Activity.Status.CANCELLED:
        todo.add("status", "CANCELLED")
    else:
        todo.add("status", "NEEDS-ACTION")
    return todo


def calendar_for(user: Any, *, now: datetime.datetime | None = None) -> bytes:
    """The user's feed as an RFC 5545 document (UTF-8, CRLF, lines folded at 75 octets)."""
    domain = settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    calendar = Calendar()
    calendar.add("prodid", "-//Heartline//Activities//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Heartline · {user}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add(
        "refresh-interval", datetime.timedelta(minutes=30), parameters={"VALUE": "DURATION"}
    )
    calendar.add("x-published-ttl", "PT30M")
    for activity in feed_activities(user, now=now):
        if activity.kind in EVENT_KINDS:
            calendar.add_component(_event(activity, domain))
        else:
            calendar.add_component(_todo(activity, domain))
    return bytes(calendar.to_ical())
