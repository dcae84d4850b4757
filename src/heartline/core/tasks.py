"""Tasks every app relies on."""

from __future__ import annotations

from django_tasks import task

from heartline.core import events
from heartline.core.idempotency import once
from heartline.core.models import OutboxEvent


@task(queue_name="events")
def deliver_to_subscriber(event_uuid: str, handler_path: str) -> bool:
    """Hand one committed event to one subscriber, exactly once."""
    row = OutboxEvent.objects.get(uuid=event_uuid)
    event = events.load(row)
    ran, _ = once(f"event:{event_uuid}:{handler_path}", lambda: events.handler(handler_path)(event))
    return ran
