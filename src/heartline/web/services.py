"""Writes of the shell itself (the rest go through the apps' services)."""

from __future__ import annotations

from typing import Any

from heartline.core.notifications import notification_mark_read, notifications_for_user


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of ``user`` read. Returns how many changed."""
    ids = list(notifications_for_user(user, unread_only=True).values_list("pk", flat=True))
    return notification_mark_read(recipient=user, ids=ids) if ids else 0
