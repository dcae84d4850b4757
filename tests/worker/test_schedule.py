"""The scheduler enqueues each (job, slot) once; the periodic jobs prune what is past retention."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.core.models import OutboxEvent, ProcessedKey
from heartline.worker import schedule
from heartline.worker.models import ScheduledRun, WorkerHeartbeat
from heartline.worker.tasks import prune_events, prune_task_results
from tests.worker import tasks_for_tests
from tests.worker.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True)

HOURLY = [job for job in schedule.JOBS if job.interval_seconds == 3600]
JOB_PATHS = sorted(job.task_path for job in HOURLY)


def test_two_ticks_in_one_slot_enqueue_once_and_the_next_slot_again():
    assert [(job.name, job.interval_seconds) for job in schedule.JOBS] == [
        ("prune_events", 3600),
        ("prune_task_results", 3600),
        ("scan_duplicates", 3600),  # registered by the customers app
        ("activity_reminders", 60),  # registered by the activities app
    ]
    first_worker: dict[str, datetime.datetime] = {}
    second_worker: dict[str, datetime.datetime] = {}
    assert (
        schedule.tick(now=T0 + datetime.timedelta(minutes=5), seen=first_worker, jobs=HOURLY) == 3
    )
    assert (
        schedule.tick(now=T0 + datetime.timedelta(minutes=59), seen=second_worker, jobs=HOURLY) == 0
    )
    assert (
        schedule.tick(now=T0 + datetime.timedelta(minutes=30), seen=first_worker, jobs=HOURLY) == 0
    )
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == JOB_PATHS
    assert ScheduledRun.objects.filter(slot=T0).count() == 3

    assert (
        schedule.tick(now=T0 + datetime.timedelta(minutes=61), seen=second_worker, jobs=HOURLY) == 3
    )
    assert (
        schedule.tick(now=T0 + datetime.timedelta(minutes=62), seen=first_worker, jobs=HOURLY) == 0
    )
    assert DBTaskResult.objects.count() == 6
    runs = ScheduledRun.objects.filter(job="prune_events").order_by("slot")
    assert [r.slot for r in runs] == [T0, T0 + datetime.timedelta(hours=1)]
    enqueued = DBTaskResult.objects.get(pk=runs[1].task_result_id)
    assert (enqueued.task_path, enqueued.queue_name) == (
        "heartline.worker.tasks.prune_events",
        "periodic",
    )


def test_enqueue_once_loses_the_race_to_an_existing_run():
    job = schedule.job_named("prune_task_results")
    assert schedule.enqueue_once(job, T0) is True
    assert schedule.enqueue_once(job, T0) is False
    assert (ScheduledRun.objects.count(), DBTaskResult.objects.count()) == (1, 1)


def test_prune_events_deletes_old_keys_and_old_pushed_events_only(settings):
    settings.EVENT_RETENTION_DAYS = 30
    with time_machine.travel(T0 - datetime.timedelta(days=31), tick=False):
        ProcessedKey.objects.create(key="old")
        OutboxEvent.objects.create(type="t", pushed_at=timezone.now())
        OutboxEvent.objects.create(type="t-unpushed", pushed_at=None)
    with time_machine.travel(T0 - datetime.timedelta(days=29), tick=False):
        ProcessedKey.objects.create(key="recent")
        OutboxEvent.objects.create(type="t-recent", pushed_at=timezone.now())
    with time_machine.travel(T0, tick=False):
        assert prune_events.call() == {"processed_keys": 1, "outbox_events": 1}
        assert prune_events.call() == {"processed_keys": 0, "outbox_events": 0}
    assert list(ProcessedKey.objects.values_list("key", flat=True)) == ["recent"]
    assert sorted(OutboxEvent.objects.values_list("type", flat=True)) == ["t-recent", "t-unpushed"]


def test_prune_task_results_deletes_old_finished_results(settings, run_worker):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    settings.WORKER_MAX_ATTEMPTS = 1
    with time_machine.travel(T0 - datetime.timedelta(days=15), tick=False):
        old_failed = tasks_for_tests.always_fail.enqueue()
        run_worker()
        old_ready = tasks_for_tests.always_fail.using(run_after=T0 + datetime.timedelta(days=1))
        old_ready_result = old_ready.enqueue()
        ScheduledRun.objects.create(job="prune_events", slot=timezone.now())
        WorkerHeartbeat.objects.create(
            worker_id="gone",
            hostname="h",
            pid=1,
            started_at=timezone.now(),
            last_seen=timezone.now(),
        )
    with time_machine.travel(T0 - datetime.timedelta(days=13), tick=False):
        recent_failed = tasks_for_tests.always_fail.enqueue()
        run_worker()
    with time_machine.travel(T0, tick=False):
        counts = prune_task_results.call()
    assert counts == {"task_results": 1, "scheduled_runs": 1, "worker_heartbeats": 1}
    remaining = {
        (str(pk), status) for pk, status in DBTaskResult.objects.values_list("pk", "status")
    }
    assert remaining == {
        (old_ready_result.id, TaskResultStatus.READY),  # old but not finished: kept
        (recent_failed.id, TaskResultStatus.FAILED),
    }
    assert not DBTaskResult.objects.filter(pk=old_failed.id).exists()
