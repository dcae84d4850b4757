"""Periodic housekeeping tasks (scheduled in ``heartline.worker.schedule``). Both are idempotent:
deleting what is past its retention twice deletes nothing the second time."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from heartline.core.models import OutboxEvent, ProcessedKey
from heartline.worker.models import ScheduledRun, WorkerHeartbeat

BATCH = 1000


def _delete_in_batches(queryset: models.QuerySet[models.Model]) -> int:
    """Delete in short transactions so a large backlog never holds the write lock for long."""
    total = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return total
        queryset.model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)


@task(queue_name="periodic")
def prune_events() -> dict[str, int]:
    """Delete idempotency keys and pushed outbox events older than EVENT_RETENTION_DAYS."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.EVENT_RETENTION_DAYS)
    return {
        "processed_keys": _delete_in_batches(ProcessedKey.objects.filter(done_at__lt=cutoff)),
        "outbox_events": _delete_in_batches(
            OutboxEvent.objects.filter(created_at__lt=cutoff, pushed_at__isnull=False)
        ),
    }


@task(queue_name="periodic")
def prune_task_results() -> dict[str, int]:
    """Delete finished task results (and their leases) and scheduled runs older than
    TASK_RESULT_RETENTION_DAYS, and heartbeats of workers gone for a day."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    finished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    )
    return {
        "task_results": _delete_in_batches(finished),
        "scheduled_runs": _delete_in_batches(ScheduledRun.objects.filter(slot__lt=cutoff)),
        "worker_heartbeats": _delete_in_batches(
            WorkerHeartbeat.objects.filter(last_seen__lt=now - datetime.timedelta(days=1))
        ),
    }
