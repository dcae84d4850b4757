"""Leases, retries with backoff, and the reaper: what django-tasks-db lacks.

django-tasks-db marks a claimed task RUNNING and, when it ends, SUCCESSFUL or FAILED. A worker
killed in between leaves it RUNNING forever, and a task that raises is never tried again. Here:

* :func:`take` — in the claiming transaction, the worker takes a lease that expires after
  ``WORKER_LEASE_SECONDS`` and counts the attempt; a heartbeat thread :func:`renew`\\ s it.
* :func:`finish_successful` / :func:`finish_failed` — write the outcome only while the worker
  still holds the lease (a worker that lost it must not overwrite the next attempt); a task that
  raised goes back to READY with ``run_after = now + backoff`` until it has used its attempts.
* :func:`reap` — any worker returns tasks whose lease expired to READY (or FAILED when their
  attempts are used). Race-safe: rows are locked with ``SKIP LOCKED`` on PostgreSQL, and SQLite
  has one writer at a time (``transaction_mode=IMMEDIATE``).

Because a task can run again after its effects committed (the worker died right after), every
task must be idempotent: see ``docs/adr/0002-task-leases-retries-scheduler.md`` and
:func:`heartline.core.idempotency.once`.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import traceback as tb
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.worker.models import TaskLease

logger = logging.getLogger(__name__)

# Per-task override of WORKER_MAX_ATTEMPTS: dotted task path -> attempts.
MAX_ATTEMPTS: dict[str, int] = {}

LEASE_EXPIRED = "heartline.worker.lease.LeaseExpired"


class LeaseExpired(Exception):
    """Recorded as the error of a task whose worker stopped renewing its lease."""


def max_attempts_for(task_path: str) -> int:
    return MAX_ATTEMPTS.get(task_path, settings.WORKER_MAX_ATTEMPTS)


def jitter_fraction(task_id: Any, attempt: int) -> float:
    """A number in [0, 1) fixed by task and attempt: spreads tasks that failed together."""
    digest = hashlib.sha256(f"{task_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def backoff_seconds(attempt: int, *, task_id: Any) -> float:
    """Wait before attempt ``attempt + 1``: base * 2**(attempt-1), capped, times 0.5..1."""
    ceiling = min(
        settings.WORKER_RETRY_MAX_SECONDS,
        settings.WORKER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1),
    )
    return round(ceiling * (0.5 + 0.5 * jitter_fraction(task_id, attempt)), 3)


def _held(task_id: Any, worker_id: str) -> TaskLease | None:
    """The lease, locked, if ``worker_id`` still holds it. Call inside a transaction."""
    return (
        TaskLease.objects.select_for_update()
        .filter(pk=task_id, worker_id=worker_id, expires_at__isnull=False)
        .first()
    )


def take(task: DBTaskResult, *, worker_id: str) -> TaskLease:
    """Take the lease of a task just claimed (inside the claiming transaction)."""
    lease = TaskLease.objects.filter(pk=task.pk).first() or TaskLease(task=task)
    lease.worker_id = worker_id
    lease.expires_at = timezone.now() + datetime.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    lease.attempts += 1
    lease.save()
    return lease


def renew(task_id: Any, *, worker_id: str) -> bool:
    """Push the lease's expiry forward. False when the worker no longer holds it."""
    expires_at = timezone.now() + datetime.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    updated = TaskLease.objects.filter(
        pk=task_id, worker_id=worker_id, expires_at__isnull=False
    ).update(expires_at=expires_at)
    return updated == 1


def _release(lease: TaskLease, *, error: str = "") -> None:
    lease.expires_at = None
    if error:
        lease.last_error = error[:200]
    lease.save(update_fields=["expires_at", "last_error"])


def error_path(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def finish_successful(task: DBTaskResult, *, worker_id: str, return_value: Any) -> bool:
    with transaction.atomic():
        lease = _held(task.pk, worker_id)
        if lease is None:
            logger.warning("task %s finished after its lease was lost; result dropped", task.pk)
            return False
        task.set_successful(return_value)
        _release(lease)
    return True


def finish_failed(task: DBTaskResult, *, worker_id: str, exc: BaseException) -> str:
    """Record a failure: ``"retry"``, ``"failed"`` (attempts used) or ``"lost"`` (no lease)."""
    with transaction.atomic():
        lease = _held(task.pk, worker_id)
        if lease is None:
            logger.warning("task %s failed after its lease was lost", task.pk)
            return "lost"
        if lease.attempts >= max_attempts_for(task.task_path):
            task.set_failed(exc)
            _release(lease, error=error_path(exc))
            return "failed"
        delay = backoff_seconds(lease.attempts, task_id=task.pk)
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.READY,
            run_after=timezone.now() + datetime.timedelta(seconds=delay),
            exception_class_path=error_path(exc),
            traceback="".join(tb.format_exception(exc)),
        )
        _release(lease, error=error_path(exc))
    logger.info("task %s attempt %d failed; retry in %.1fs", task.pk, lease.attempts, delay)
    return "retry"


def abandon(task_id: Any, *, worker_id: str) -> bool:
    """Give a task back unfinished (the worker is stopping): READY now, attempt not counted."""
    with transaction.atomic():
        lease = _held(task_id, worker_id)
        if lease is None:
            return False
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, run_after=timezone.now()
        )
        lease.attempts = max(0, lease.attempts - 1)
        lease.expires_at = None
        lease.save(update_fields=["attempts", "expires_at"])
    return True


def _expire(lease: TaskLease, now: datetime.datetime) -> str:
    task = DBTaskResult.objects.filter(pk=lease.pk, status=TaskResultStatus.RUNNING).first()
    if task is None:
        _release(lease)
        return "gone"
    message = (
        f"{LEASE_EXPIRED}: worker {lease.worker_id} stopped renewing the lease "
        f"(attempt {lease.attempts} of {max_attempts_for(task.task_path)})\n"
    )
    if lease.attempts >= max_attempts_for(task.task_path):
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=LEASE_EXPIRED,
            traceback=message,
            return_value=None,
        )
        outcome = "failed"
    else:
        delay = backoff_seconds(lease.attempts, task_id=task.pk)
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.READY,
            run_after=now + datetime.timedelta(seconds=delay),
            exception_class_path=LEASE_EXPIRED,
            traceback=message,
        )
        outcome = "retry"
    _release(lease, error=LEASE_EXPIRED)
    logger.warning("reaped task %s of worker %s: %s", task.pk, lease.worker_id, outcome)
    return outcome


def reap(*, limit: int = 100) -> int:
    """Return tasks whose lease expired to the queue (or fail them). Returns tasks reaped."""
    now = timezone.now()
    expired = TaskLease.objects.filter(expires_at__lt=now)
    if not expired.exists():  # the common case: one indexed read, no write lock
        return 0
    reaped = 0
    with transaction.atomic():
        locked = expired.order_by("expires_at")
        if connection.features.has_select_for_update_skip_locked:
            locked = locked.select_for_update(skip_locked=True)
        for lease in list(locked[:limit]):
            if _expire(lease, now) != "gone":
                reaped += 1
    return reaped
