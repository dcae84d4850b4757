"""Reads of core records (audit trail, notifications), each checked against the asking user."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from heartline.core.models import AuditEntry, Notification


def audit_entries_for_user(
    user: Any,
    *,
    actor_username: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The audit trail, newest first, narrowed by the given filters (``until`` exclusive)."""
    if not user.has_perm("audit.view"):
        raise PermissionDenied("audit.view")
    entries = AuditEntry.objects.all()
    if actor_username:  # the label is the username, or "system" for system writes
        entries = entries.filter(actor_label__iexact=actor_username.strip())
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-id")


def notifications_of_user(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.has_perm("notifications.view"):
        raise PermissionDenied("notifications.view")
    entries = Notification.objects.filter(recipient=user)
    if unread_only:
        entries = entries.filter(read_at__isnull=True)
    return entries.order_by("-id")
