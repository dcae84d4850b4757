"""Real rows and real tasks for the ops tests."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from heartline.worker.models import WorkerHeartbeat


@task()
def noop() -> None:
    """A task that does nothing; enqueued to give the queues a known depth."""


def fresh_worker_heartbeat(age_seconds: float = 0) -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id="ops-test-worker",
        hostname="ops-test",
        pid=4242,
        started_at=now - datetime.timedelta(seconds=age_seconds + 5),
        last_seen=now - datetime.timedelta(seconds=age_seconds),
    )


def enqueue_sample_tasks() -> None:
    """Two tasks on the default queue, one on the events queue, all READY."""
    noop.enqueue()
    noop.enqueue()
    noop.using(queue_name="events").enqueue()
