"""Domain events: written in the transaction, tasks enqueued with it, pushed live after commit."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from heartline.core import events, live
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
    assert rows[0].pushed_at is None  # the relay of the ASGI server pushes it
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
def test_the_relay_pushes_each_event_to_its_group_once_in_batches(make_staff):
    user = make_staff("agent", username="sun")
    other = make_staff("agent", username="qian")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user.pk}", channel)
    live.relay_pending()  # staff.created events of the fixtures

    notes = [notification_create(recipient=user, text=f"n{i}") for i in range(3)]
    notification_create(recipient=other, text="not for sun")
    assert live.relay_pending(limit=2) == 2
    assert live.relay_pending() == 2
    assert live.relay_pending() == 0

    received = [async_to_sync(layer.receive)(channel) for _ in notes]
    rows = OutboxEvent.objects.filter(type="notification.created", groups=[f"user.{user.pk}"])
    assert received == [
        {
            "type": "heartline.event",
            "event": "notification.created",
            "id": str(r.uuid),
            "group": f"user.{user.pk}",
        }
        for r in rows.order_by("pk")
    ]
    assert OutboxEvent.objects.filter(pushed_at__isnull=True).count() == 0
    async_to_sync(layer.group_discard)(f"user.{user.pk}", channel)


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_relay_of_this_process_is_woken(make_staff):
    import asyncio

    user = make_staff("agent", username="zhao")

    async def scenario() -> float:
        relay = asyncio.create_task(live.run_relay())
        await asyncio.sleep(0.05)
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(f"user.{user.pk}", channel)
        started = asyncio.get_running_loop().time()
        await database_sync_to_async(notification_create)(recipient=user, text="now")
        await asyncio.wait_for(layer.receive(channel), timeout=2)
        elapsed = asyncio.get_running_loop().time() - started
        relay.cancel()
        return elapsed

    from channels.db import database_sync_to_async

    elapsed = asyncio.run(scenario())
    assert elapsed < live.POLL_SECONDS  # woken by the commit, not found by polling
