"""Notifications for staff: stored, then nudged live to the recipient's ``user.<id>`` group."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from heartline.core.events import DomainEvent, event_type, publish
from heartline.core.models import Notification


@event_type
class NotificationCreated(DomainEvent):
    type = "notification.created"
    user_id: int
    notification_id: int

    def live_groups(self) -> list[str]:
        return [f"user.{self.user_id}"]


@transaction.atomic
def notification_create(*, recipient: Any, text: str, link: str = "") -> Notification:
    note = Notification.objects.create(recipient=recipient, text=text[:300], link=link[:300])
    publish(NotificationCreated(user_id=recipient.pk, notification_id=note.pk))
    return note


def notification_mark_read(*, recipient: Any, ids: list[int]) -> int:
    """Mark the recipient's own notifications read; ids of others are ignored."""
    return Notification.objects.filter(
        recipient=recipient, pk__in=ids, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_for_user(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs
