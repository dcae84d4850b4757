"""Retries with backoff, final failure after the attempts, and the reaper of expired leases."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.core.models import ProcessedKey
from heartline.worker import lease
from heartline.worker.models import TaskLease
from heartline.worker.runner import LeasedWorker
from tests.worker import tasks_for_tests
from tests.worker.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True)


def seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


def test_backoff_doubles_with_jitter_and_is_capped(settings):
    settings.WORKER_RETRY_BASE_SECONDS = 10
    settings.WORKER_RETRY_MAX_SECONDS = 3600
    task_id = "2b1f9e54-8f3a-4a52-9f0e-3d0a3c5a1e77"
    delays = [lease.backoff_seconds(n, task_id=task_id) for n in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(3600, 10 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
        assert delay == round(ceiling * (0.5 + 0.5 * lease.jitter_fraction(task_id, attempt)), 3)
    assert max(delays) <= 3600
    assert delays[10] >= 1800  # attempt 11: capped at 3600, jittered to at least half
    # Same task and attempt: same delay; another task: another delay (spread, not a herd).
    assert lease.backoff_seconds(3, task_id=task_id) == delays[2]
    assert lease.backoff_seconds(3, task_id="another") != delays[2]


def test_task_failing_twice_then_succeeding_is_retried_with_backoff(settings, run_worker):
    settings.WORKER_RETRY_BASE_SECONDS = 10
    settings.WORKER_MAX_ATTEMPTS = 5
    with time_machine.travel(T0, tick=False) as clock:
        result = tasks_for_tests.fail_times.enqueue("k", 2)
        run_worker()
        row = DBTaskResult.objects.get(pk=result.id)
        delay1 = lease.backoff_seconds(1, task_id=row.pk)
        assert 5 <= delay1 <= 10
        assert (row.status, row.run_after) == (TaskResultStatus.READY, T0 + seconds(delay1))
        assert row.exception_class_path == "tests.worker.tasks_for_tests.Flaky"
        assert TaskLease.objects.get(pk=row.pk).attempts == 1

        clock.shift(seconds(delay1 - 0.001))  # not yet due: nothing runs
        assert run_worker()._run_tasks == 0
        clock.shift(seconds(0.001))
        failed_at = T0 + seconds(delay1)
        assert run_worker()._run_tasks == 1
        row.refresh_from_db()
        delay2 = lease.backoff_seconds(2, task_id=row.pk)
        assert 10 <= delay2 <= 20
        assert (row.status, row.run_after) == (TaskResultStatus.READY, failed_at + seconds(delay2))
        assert TaskLease.objects.get(pk=row.pk).attempts == 2

        clock.shift(seconds(delay2))
        assert run_worker()._run_tasks == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert row.worker_ids == ["test-worker", "test-worker", "test-worker"]
    got = TaskLease.objects.get(pk=row.pk)
    assert (got.attempts, got.expires_at, got.last_error) == (
        3,
        None,
        "tests.worker.tasks_for_tests.Flaky",
    )
    assert ProcessedKey.objects.filter(key__startswith="try:k:").count() == 3


def test_task_fails_for_good_after_max_attempts(settings, run_worker):
    settings.WORKER_MAX_ATTEMPTS = 3
    with time_machine.travel(T0, tick=False) as clock:
        result = tasks_for_tests.always_fail.enqueue()
        ran = []
        for _ in range(4):
            ran.append(run_worker()._run_tasks)
            clock.shift(datetime.timedelta(days=1))
    assert ran == [1, 1, 1, 0]
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "tests.worker.tasks_for_tests.Boom"
    assert row.finished_at == T0 + datetime.timedelta(days=2)
    assert "Boom: always" in row.traceback
    assert TaskLease.objects.get(pk=row.pk).attempts == 3


def test_per_task_max_attempts_override(settings, run_worker, monkeypatch):
    settings.WORKER_MAX_ATTEMPTS = 5
    monkeypatch.setitem(lease.MAX_ATTEMPTS, "tests.worker.tasks_for_tests.always_fail", 1)
    result = tasks_for_tests.always_fail.enqueue()
    assert run_worker()._run_tasks == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert TaskLease.objects.get(pk=row.pk).attempts == 1


def claim_only(worker_id: str) -> DBTaskResult:
    """A worker that claims a task and then dies (never runs it, never renews the lease)."""
    worker = LeasedWorker(
        queue_names=["*"], interval=0, batch=True, worker_id=worker_id, heartbeat=False
    )
    task_result, _ = worker.claim()
    assert task_result is not None
    return task_result


def test_reaper_returns_an_expired_lease_to_the_queue(settings):
    settings.WORKER_LEASE_SECONDS = 60
    settings.WORKER_RETRY_BASE_SECONDS = 10
    with time_machine.travel(T0, tick=False) as clock:
        result = tasks_for_tests.always_fail.enqueue()
        claim_only("dead-worker")
        clock.shift(seconds(60))
        assert lease.reap() == 0  # expires_at == now: not yet expired
        clock.shift(seconds(0.001))
        assert lease.reap() == 1
        assert lease.reap() == 0
    row = DBTaskResult.objects.get(pk=result.id)
    expected_run_after = T0 + seconds(60.001 + lease.backoff_seconds(1, task_id=row.pk))
    assert (row.status, row.run_after) == (TaskResultStatus.READY, expected_run_after)
    assert row.exception_class_path == lease.LEASE_EXPIRED
    got = TaskLease.objects.get(pk=row.pk)
    assert (got.attempts, got.expires_at, got.worker_id) == (1, None, "dead-worker")


def test_reaper_fails_the_task_after_max_attempts(settings):
    settings.WORKER_MAX_ATTEMPTS = 1
    with time_machine.travel(T0, tick=False) as clock:
        result = tasks_for_tests.always_fail.enqueue()
        claim_only("dead-worker")
        clock.shift(seconds(settings.WORKER_LEASE_SECONDS + 1))
        assert lease.reap() == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == lease.LEASE_EXPIRED
    assert row.traceback.startswith(
        "heartline.worker.lease.LeaseExpired: worker dead-worker stopped renewing the lease "
        "(attempt 1 of 1)"
    )


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_outcome(settings):
    with time_machine.travel(T0, tick=False) as clock:
        result = tasks_for_tests.always_fail.enqueue()
        task_result = claim_only("slow-worker")
        clock.shift(seconds(settings.WORKER_LEASE_SECONDS + 1))
        assert lease.reap() == 1
        assert not lease.finish_successful(task_result, worker_id="slow-worker", return_value=1)
        assert not lease.renew(task_result.pk, worker_id="slow-worker")
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY
