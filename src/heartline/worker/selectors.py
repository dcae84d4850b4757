"""Reads about background work: for /readyz and /metrics (no user) and for the Tasks page.

``queue_depth`` and ``workers_alive`` are cheap indexed reads (a partial index on active tasks,
added in migration 0002; the ``last_seen`` index); the ops helper calls them on every probe.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.worker.models import ScheduledRun, TaskLease, WorkerHeartbeat
from heartline.worker.schedule import JOBS

ACTIVE = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def configured_queues() -> list[str]:
    return list(settings.TASKS["default"].get("QUEUES") or ["default"])


def queue_status_counts() -> dict[str, dict[str, int]]:
    """``{queue: {"READY": n, "RUNNING": m}}`` for every configured queue (and any other
    queue that has active tasks)."""
    counts = {queue: {str(s): 0 for s in ACTIVE} for queue in configured_queues()}
    rows = (
        DBTaskResult.objects.filter(status__in=ACTIVE)
        .values("queue_name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["queue_name"], {str(s): 0 for s in ACTIVE})
        counts[row["queue_name"]][row["status"]] = row["n"]
    return counts


def queue_depth() -> dict[str, int]:
    """Unfinished tasks (READY + RUNNING) per queue; every configured queue is present."""
    return {queue: sum(by.values()) for queue, by in queue_status_counts().items()}


@dataclass(frozen=True)
class WorkerInfo:
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime.datetime
    last_seen: datetime.datetime


def workers_alive(within_seconds: float = 60.0) -> list[WorkerInfo]:
    """Workers whose heartbeat is at most ``within_seconds`` old."""
    since = timezone.now() - datetime.timedelta(seconds=within_seconds)
    rows = WorkerHeartbeat.objects.filter(last_seen__gte=since).order_by("hostname", "pid")
    return [WorkerInfo(r.worker_id, r.hostname, r.pid, r.started_at, r.last_seen) for r in rows]


@dataclass(frozen=True)
class Failure:
    task_id: str
    task_path: str
    attempts: int
    error_class: str
    finished_at: datetime.datetime | None


def recent_failures(limit: int = 20) -> list[Failure]:
    """The last ``limit`` tasks that failed for good, newest first."""
    rows = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
        .order_by("-finished_at")
        .values("id", "task_path", "exception_class_path", "finished_at")[:limit]
    )
    attempts = dict(
        TaskLease.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "attempts")
    )
    return [
        Failure(
            str(r["id"]),
            r["task_path"],
            attempts.get(r["id"], 0),
            r["exception_class_path"],
            r["finished_at"],
        )
        for r in rows
    ]


def scheduled_jobs() -> list[dict[str, Any]]:
    """Every periodic job with its last scheduled run (or None)."""
    result = []
    for job in JOBS:
        last = ScheduledRun.objects.filter(job=job.name).order_by("-slot").first()
        result.append(
            {
                "name": job.name,
                "task_path": job.task_path,
                "interval_seconds": job.interval_seconds,
                "last_slot": last.slot if last else None,
                "last_enqueued_at": last.created_at if last else None,
            }
        )
    return result


def tasks_overview(*, user: Any, failures: int = 20) -> dict[str, Any]:
    """What the Tasks page shows. Requires ``tasks.view``."""
    if not user.has_perm("tasks.view"):
        raise PermissionDenied("tasks.view")
    return {
        "queues": queue_status_counts(),
        "workers": workers_alive(within_seconds=max(60, 3 * settings.WORKER_LEASE_SECONDS)),
        "jobs": scheduled_jobs(),
        "failures": recent_failures(failures),
    }
