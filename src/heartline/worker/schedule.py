"""The one scheduler of periodic jobs.

:data:`JOBS` lists every periodic job: a name, the dotted path of a task, and an interval.
Time is cut into slots of ``interval_seconds`` (aligned to the Unix epoch); every worker calls
:func:`tick` in its loop, and each (job, slot) is enqueued exactly once, however many workers
run: a :class:`~heartline.worker.models.ScheduledRun` row, unique on (job, slot), is inserted in
the same transaction as the enqueued task, and the loser of a race gets an IntegrityError and
enqueues nothing. A slot missed while no worker ran is skipped, not caught up.

To add a job: write an idempotent task (``@task(queue_name="periodic")``) and add a
:class:`Job` here, or — from an app above ``worker`` in the layers — call :func:`register`
in the app's ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from heartline.worker.models import ScheduledRun


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    interval_seconds: int

    def slot_for(self, now: datetime.datetime) -> datetime.datetime:
        start = int(now.timestamp()) // self.interval_seconds * self.interval_seconds
        return datetime.datetime.fromtimestamp(start, tz=datetime.UTC)


JOBS: list[Job] = [
    Job("prune_events", "heartline.worker.tasks.prune_events", 3600),
    Job("prune_task_results", "heartline.worker.tasks.prune_task_results", 3600),
]


def register(job: Job) -> None:
    """Add a periodic job (once; registering the same job again changes nothing)."""
    if any(existing.name == job.name and existing != job for existing in JOBS):
        raise ValueError(f"Another job is already called {job.name!r}")
    if job not in JOBS:
        JOBS.append(job)


def job_named(name: str) -> Job:
    return next(job for job in JOBS if job.name == name)


def enqueue_once(job: Job, slot: datetime.datetime) -> bool:
    """Enqueue ``job`` for ``slot`` unless some worker already did. True if this call did."""
    if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
        return False
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job.name, slot=slot)
            result = import_string(job.task_path).enqueue()
            run.task_result_id = result.id
            run.save(update_fields=["task_result_id"])
    except IntegrityError:
        return False
    return True


def tick(
    *,
    now: datetime.datetime | None = None,
    jobs: Sequence[Job] | None = None,
    seen: dict[str, datetime.datetime] | None = None,
) -> int:
    """Enqueue every job whose current slot has not run yet. Returns tasks enqueued.

    ``seen`` (kept by a worker between ticks) remembers slots already handled, so a tick in
    a slot it has seen costs no query.
    """
    now = now or timezone.now()
    enqueued = 0
    for job in JOBS if jobs is None else jobs:
        slot = job.slot_for(now)
        if seen is not None and seen.get(job.name) == slot:
            continue
        if enqueue_once(job, slot):
            enqueued += 1
        if seen is not None:
            seen[job.name] = slot
    return enqueued
