"""Reads for the shell pages that have no app of their own: audit trail, notifications."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heartline.core.models import AuditEntry, Notification
from heartline.core.notifications import notifications_for_user
from heartline.core.selectors import audit_entries_for_user

AUDIT_PAGE_SIZE = 50
NOTIFICATION_PANEL_SIZE = 10
UNREAD_CAP = 99


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    older_than: int | None  # the ``before`` cursor of the next (older) page, if there is one


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_page_for_user(
    user: Any,
    *,
    actor: str = "",
    object_type: str = "",
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    before: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """One page of the audit trail, newest first, keyset-paginated by id. ``since`` and
    ``until`` are whole days in the site's time zone (both included)."""
    qs = audit_entries_for_user(
        user,
        actor_username=actor,
        object_type=object_type.strip().lower(),
        action=action or None,
        since=_start_of(since),
        until=_start_of(until + datetime.timedelta(days=1)) if until else None,
    ).select_related("actor")
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    older = rows[limit - 1].pk if len(rows) > limit else None
    return AuditPage(entries=rows[:limit], older_than=older)


def change_lines(changes: Any) -> list[tuple[str, str]]:
    """An audit entry's ``changes`` as (field, readable text) pairs: ``old → new``."""
    if not isinstance(changes, dict):
        return [("", str(changes))] if changes else []
    lines = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            old, new = ("—" if v in (None, "") else str(v) for v in value)
            lines.append((str(key), f"{old} → {new}"))
        elif isinstance(value, list):
            lines.append((str(key), ", ".join(str(v) for v in value)))
        else:
            lines.append((str(key), str(value)))
    return lines


def unread_count_for_user(user: Any) -> int:
    """Unread notifications of the user, capped (the badge shows 99 at most)."""
    if not user.is_authenticated or not user.has_perm("notifications.view"):
        return 0
    ids = notifications_for_user(user, unread_only=True).values_list("pk", flat=True)
    return len(ids[:UNREAD_CAP])


def notification_panel_for_user(user: Any) -> list[Notification]:
    if not user.has_perm("notifications.view"):
        raise PermissionDenied("notifications.view")
    return list(notifications_for_user(user)[:NOTIFICATION_PANEL_SIZE])


def notification_list_for_user(user: Any, *, limit: int = 100) -> list[Notification]:
    if not user.has_perm("notifications.view"):
        raise PermissionDenied("notifications.view")
    return list(notifications_for_user(user)[:limit])
