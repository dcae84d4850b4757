"""Domain events: typed, published inside the writing transaction, delivered after commit.

* ``publish(event)`` writes an :class:`~heartline.core.models.OutboxEvent` and enqueues one
  ``deliver_to_subscriber`` task per subscriber, all in the caller's transaction: with the
  database task backend the tasks commit or roll back with the change. Nothing is delivered
  for a rolled-back change, and nothing committed is lost.
* After commit the event is pushed to its Channels groups (``user.<id>``, ``staff``, …) as a
  small, id-only message; pages then re-fetch what they show through their permission-checked
  views. A process that dies before pushing leaves ``pushed_at`` empty and the relay
  (``relay_unpushed``) pushes it later; delivery is at-least-once, and clients ignore event
  ids they have seen.
* Subscribers are declared in one place, :data:`SUBSCRIBERS`, so the path of a write can be
  read top to bottom. Each subscriber runs at most once per event (``core.idempotency``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict

from heartline.core.models import OutboxEvent

logger = logging.getLogger(__name__)


class DomainEvent(BaseModel):
    """Base of every event. Subclasses set ``type`` and carry ids, not personal data."""

    model_config = ConfigDict(frozen=True)
    type: ClassVar[str]

    def live_groups(self) -> list[str]:
        """Channels groups that get a live nudge for this event (default: none)."""
        return []


EVENT_TYPES: dict[str, type[DomainEvent]] = {}

# event type -> dotted paths of functions ``handler(event: DomainEvent) -> None``
SUBSCRIBERS: dict[str, list[str]] = {}


def event_type(cls: type[DomainEvent]) -> type[DomainEvent]:
    """Class decorator registering an event type under its ``type`` name."""
    if cls.type in EVENT_TYPES:
        raise ValueError(f"Event type {cls.type!r} is declared twice")
    EVENT_TYPES[cls.type] = cls
    return cls


def subscribe(type_name: str, handler_path: str) -> None:
    SUBSCRIBERS.setdefault(type_name, [])
    if handler_path not in SUBSCRIBERS[type_name]:
        SUBSCRIBERS[type_name].append(handler_path)


def load(row: OutboxEvent) -> DomainEvent:
    return EVENT_TYPES[row.type].model_validate(row.payload)


def publish(event: DomainEvent) -> OutboxEvent:
    """Record ``event`` in the outbox and schedule its delivery. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must be called inside the writing transaction")
    groups = event.live_groups()
    row = OutboxEvent.objects.create(
        type=event.type,
        payload=event.model_dump(mode="json"),
        groups=groups,
        pushed_at=None if groups else timezone.now(),
    )
    from heartline.core.tasks import deliver_to_subscriber

    for handler_path in SUBSCRIBERS.get(event.type, []):
        deliver_to_subscriber.enqueue(str(row.uuid), handler_path)
    if row.groups:
        transaction.on_commit(lambda: push_live([row.pk]))
    return row


def live_message(row: OutboxEvent) -> dict[str, Any]:
    return {"type": "heartline.event", "event": row.type, "id": str(row.uuid)}


def push_live(ids: list[int]) -> int:
    """Send the given outbox rows to their groups and mark them pushed. Returns rows pushed."""
    layer = get_channel_layer()
    pushed = 0
    for row in OutboxEvent.objects.filter(pk__in=ids, pushed_at__isnull=True):
        if layer is not None:
            for group in row.groups:
                try:
                    async_to_sync(layer.group_send)(group, live_message(row))
                except Exception:
                    logger.exception("live push of %s to %s failed", row.uuid, group)
                    return pushed
        OutboxEvent.objects.filter(pk=row.pk).update(pushed_at=timezone.now())
        pushed += 1
    return pushed


def relay_unpushed(*, older_than_seconds: float = 1.0, limit: int = 200) -> int:
    """Push rows that were committed but never pushed (their process died first)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxEvent.objects.filter(pushed_at__isnull=True, created_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:limit]
    )
    return push_live(ids) if ids else 0


def handler(path: str) -> Callable[[DomainEvent], None]:
    from django.utils.module_loading import import_string

    result: Callable[[DomainEvent], None] = import_string(path)
    return result
