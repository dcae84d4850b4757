"""publish_many: the outbox rows and their subscriber tasks of a batch, one INSERT each."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from heartline.core import events
from heartline.core.models import OutboxEvent
from heartline.core.tasks import deliver_to_subscriber

HEARD: list[tuple[str, int]] = []


class Tick(events.DomainEvent):
    type = "test.tick"
    n: int

    def live_groups(self) -> list[str]:
        return [f"user.{self.n}"] if self.n else []


def first_handler(event: events.DomainEvent) -> None:
    HEARD.append(("first", event.n))  # type: ignore[attr-defined]


def second_handler(event: events.DomainEvent) -> None:
    HEARD.append(("second", event.n))  # type: ignore[attr-defined]


HANDLERS = [
    "tests.core.test_events_batch.first_handler",
    "tests.core.test_events_batch.second_handler",
]


@pytest.fixture
def ticks():
    HEARD.clear()
    events.EVENT_TYPES["test.tick"] = Tick
    for path in HANDLERS:
        events.subscribe("test.tick", path)
    yield
    del events.SUBSCRIBERS["test.tick"]
    del events.EVENT_TYPES["test.tick"]


def _task_columns(task: DBTaskResult) -> dict[str, object]:
    row = {f.attname: getattr(task, f.attname) for f in DBTaskResult._meta.concrete_fields}
    for varying in ("id", "enqueued_at", "args_kwargs"):
        del row[varying]
    return row


@pytest.mark.django_db
def test_a_batch_writes_its_events_and_one_task_per_subscriber_with_one_insert_each(ticks):
    with transaction.atomic():
        single = events.publish(Tick(n=9))
    reference = DBTaskResult.objects.get(args_kwargs__args=[str(single.uuid), HANDLERS[0]])
    DBTaskResult.objects.all().delete()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = events.publish_many([Tick(n=1), Tick(n=0), Tick(n=2)])

    inserts = [q["sql"].split(" (")[0] for q in queries if q["sql"].startswith("INSERT")]
    assert inserts == [
        'INSERT INTO "core_outboxevent"',
        'INSERT INTO "django_tasks_database_dbtaskresult"',
    ]
    assert len(queries) == 2  # nothing else
    stored = list(OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk"))
    assert [(e.uuid, e.payload, e.groups, e.pushed_at is None) for e in stored] == [
        (rows[0].uuid, {"n": 1}, ["user.1"], True),
        (rows[1].uuid, {"n": 0}, [], False),
        (rows[2].uuid, {"n": 2}, ["user.2"], True),
    ]
    tasks = list(DBTaskResult.objects.all())
    assert sorted(t.args_kwargs["args"] for t in tasks) == sorted(
        [str(row.uuid), path] for row in rows for path in HANDLERS
    )
    assert all(t.args_kwargs["kwargs"] == {} for t in tasks)
    # every other column as the backend's own enqueue writes it
    assert [_task_columns(t) for t in tasks] == [_task_columns(reference)] * 6

    for task in sorted(tasks, key=lambda t: t.args_kwargs["args"]):
        assert deliver_to_subscriber.call(*task.args_kwargs["args"]) is True
    assert sorted(HEARD) == sorted((h, n) for n in (1, 0, 2) for h in ("first", "second"))


@pytest.mark.django_db
def test_a_rolled_back_batch_leaves_no_event_and_no_task(ticks):
    before = OutboxEvent.objects.count(), DBTaskResult.objects.count()

    def publish_then_fail() -> None:
        with transaction.atomic():
            events.publish_many([Tick(n=1), Tick(n=2)])
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        publish_then_fail()
    assert (OutboxEvent.objects.count(), DBTaskResult.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_publish_many_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the writing transaction"):
        events.publish_many([Tick(n=1)])
    assert OutboxEvent.objects.count() == 0
