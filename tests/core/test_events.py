"""Domain events: written in the transaction, tasks enqueued with it, pushed live after commit."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from heartline.core import events
from heartline.core.models import OutboxEvent, ProcessedKey
from heartline.core.notifications import notification_create
from heartline.core.tasks import deliver_to_subscriber

RECEIVED: list[tuple[str, int]] = []


def record_handler(event: events.DomainEvent) -> None:
    RECEIVED.append((event.type, event.notification_id))  # type: ignore[attr-defined]


@pytest.fixture
def subscribed():
    RECEIVED.clear()
    events.subscribe("notification.created", "tests.core.test_events.record_handler")
    yield
    events.SUBSCRIBERS["notification.created"].remove("tests.core.test_events.record_handler")
    if not events.SUBSCRIBERS["notification.created"]:
        del events.SUBSCRIBERS["notification.created"]


class Ping(events.DomainEvent):
    type = "test.ping"


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the writing transaction"):
        events.publish(Ping())
    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_one_event_one_task_per_subscriber_and_exactly_once_delivery(make_staff, subscribed):
    user = make_staff("agent", username="zhou")
    OutboxEvent.objects.all().delete()
    DBTaskResult.objects.all().delete()

    note = notification_create(recipient=user, text="你好")

    rows = list(OutboxEvent.objects.all())
    assert [(r.type, r.payload) for r in rows] == [
        ("notification.created", {"user_id": user.pk, "notification_id": note.pk})
    ]
    assert rows[0].groups == [f"user.{user.pk}"]
    assert rows[0].pushed_at is not None  # pushed after commit
    tasks = list(DBTaskResult.objects.filter(task_path__endswith="deliver_to_subscriber"))
    assert len(tasks) == 1
    assert tasks[0].args_kwargs["args"] == [
        str(rows[0].uuid),
        "tests.core.test_events.record_handler",
    ]

    # Run the delivery twice (a duplicate run after a crash): the handler runs once.
    args = tasks[0].args_kwargs["args"]
    assert deliver_to_subscriber.call(*args) is True
    assert deliver_to_subscriber.call(*args) is False
    assert [("notification.created", note.pk)] == RECEIVED
    assert ProcessedKey.objects.filter(key__startswith=f"event:{rows[0].uuid}:").count() == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_leaves_no_event_and_no_task(make_staff, subscribed):
    user = make_staff("agent", username="wu")
    before_events, before_tasks = OutboxEvent.objects.count(), DBTaskResult.objects.count()

    def change_then_fail() -> None:
        with transaction.atomic():
            notification_create(recipient=user, text="lost")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_then_fail()

    assert OutboxEvent.objects.count() == before_events
    assert DBTaskResult.objects.count() == before_tasks


@pytest.mark.django_db(transaction=True)
def test_live_push_reaches_the_group_and_relay_pushes_what_a_crash_left(make_staff):
    user = make_staff("agent", username="sun")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user.pk}", channel)

    note = notification_create(recipient=user, text="hello")
    message = async_to_sync(layer.receive)(channel)
    row = OutboxEvent.objects.get(type="notification.created")
    assert message == {
        "type": "heartline.event",
        "event": "notification.created",
        "id": str(row.uuid),
    }
    assert note.pk == row.payload["notification_id"]

    # A process died after commit but before pushing: the row is unpushed until the relay runs.
    OutboxEvent.objects.filter(pk=row.pk).update(pushed_at=None)
    assert events.relay_unpushed(older_than_seconds=0) == 1
    assert async_to_sync(layer.receive)(channel)["id"] == str(row.uuid)
    assert events.relay_unpushed(older_than_seconds=0) == 0
    async_to_sync(layer.group_discard)(f"user.{user.pk}", channel)
