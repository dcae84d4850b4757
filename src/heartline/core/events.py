"""Domain events: typed, published inside the writing transaction, delivered after commit.

* ``publish(event)`` writes an :class:`~heartline.core.models.OutboxEvent` and enqueues one
  ``deliver_to_subscriber`` task per subscriber, all in the caller's transaction: with the
  database task backend the tasks commit or roll back with the change. Nothing is delivered
  for a rolled-back change, and nothing committed is lost.
* After commit the relay of the ASGI server (``core/live.py``) pushes the event to its
  Channels groups (``user.<id>``, ``staff``, …) as a small, id-only message; pages then
  re-fetch what they show through their permission-checked views. Delivery is
  at-least-once, and clients ignore event ids they have seen.
* Subscribers are declared in one place, :data:`SUBSCRIBERS`, so the path of a write can be
  read top to bottom. Each subscriber runs at most once per event (``core.idempotency``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import ClassVar

from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict

from heartline.core import bulk, live
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
    if groups:
        transaction.on_commit(live.nudge)
    return row


def publish_many(events: list[DomainEvent]) -> list[OutboxEvent]:
    """:func:`publish` for a batch: one INSERT for the outbox rows, one for their tasks."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish_many() must be called inside the writing transaction")
    now = timezone.now()
    values = []
    for e in events:
        groups = e.live_groups()
        values.append(
            {
                "uuid": uuid.uuid4(),
                "type": e.type,
                "payload": e.model_dump(mode="json"),
                "groups": groups,
                "pushed_at": None if groups else now,
            }
        )
    rows = bulk.insert(OutboxEvent, values)
    _enqueue_deliveries(
        [
            (str(row.uuid), handler_path)
            for row in rows
            for handler_path in SUBSCRIBERS.get(row.type, [])
        ]
    )
    if any(row.groups for row in rows):
        transaction.on_commit(live.nudge)
    return rows


def _enqueue_deliveries(deliveries: list[tuple[str, str]]) -> None:
    """``deliver_to_subscriber.enqueue(uuid, handler)`` for each pair. On the database task
    backend the task rows are written with one INSERT, as its ``enqueue`` would write them."""
    from django_tasks_db.backend import DatabaseBackend

    from heartline.core.tasks import deliver_to_subscriber as task

    if not deliveries:
        return
    backend = task.get_backend()
    if type(backend) is not DatabaseBackend or backend.options.get("id_function"):
        for args in deliveries:
            task.enqueue(*args)
        return
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend.validate_task(task)
    same = {
        "priority": task.priority,
        "task_path": task.module_path,
        "queue_name": task.queue_name,
        "run_after": task.run_after or get_date_max(),  # what its pre_save handler sets
        "backend_name": backend.alias,
    }
    rows = bulk.insert(
        DBTaskResult,
        [
            {**same, "args_kwargs": normalize_json({"args": list(a), "kwargs": {}})}
            for a in deliveries
        ],
    )
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


def handler(path: str) -> Callable[[DomainEvent], None]:
    from django.utils.module_loading import import_string

    result: Callable[[DomainEvent], None] = import_string(path)
    return result
