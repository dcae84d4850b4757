"""What the database task backend lacks: leases, worker heartbeats and scheduled runs.

* :class:`TaskLease` — one row per task result (same primary key). A worker that claims a task
  takes the lease (``worker_id``, ``expires_at``) and renews it from a heartbeat thread; a lease
  whose ``expires_at`` has passed belongs to a dead worker and the reaper returns the task to
  the queue (``heartline.worker.lease``). ``attempts`` counts claims of the task.
* :class:`WorkerHeartbeat` — one row per running worker process, ``last_seen`` renewed by the
  same thread; ``/readyz`` and the Tasks page read it.
* :class:`ScheduledRun` — one row per (periodic job, time slot), unique, written in the same
  transaction as the task it enqueues, so several workers enqueue each slot exactly once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


class TaskLease(models.Model):
    task = models.OneToOneField(
        DBTaskResult, primary_key=True, on_delete=models.CASCADE, related_name="lease"
    )
    worker_id = models.CharField(max_length=64, blank=True)
    # Set while a worker holds the lease; empty when the task is not running.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("task lease")
        verbose_name_plural = _("task leases")

    def __str__(self) -> str:
        return f"{self.task_id} attempt {self.attempts} ({self.worker_id or '-'})"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["hostname", "pid"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} ({self.pid})"


class ScheduledRun(models.Model):
    job = models.CharField(max_length=64)
    slot = models.DateTimeField()
    task_result_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="worker_scheduled_run_once")
        ]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot.isoformat()}"
