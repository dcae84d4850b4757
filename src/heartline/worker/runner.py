"""The worker: django-tasks-db's ``Worker`` with leases, a heartbeat, the reaper and the scheduler.

Each loop: housekeeping (at most once a second: :func:`lease.reap` and :func:`schedule.tick`),
then claim one READY task and take its lease in the same transaction, run it, and record the
outcome through :mod:`heartline.worker.lease` (retry with backoff, or final failure). A daemon
thread renews the running task's lease every ``WORKER_LEASE_SECONDS / 3`` seconds and records
the worker's own heartbeat.

Stopping: the first SIGINT/SIGTERM lets the current task finish, then the worker exits; a
second one abandons the task (it goes back to READY at once; a SIGKILL is covered by the lease).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from heartline.worker import lease, schedule
from heartline.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Renews the running task's lease and the worker's heartbeat row, on its own connection."""

    def __init__(self, worker_id: str, period: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.period = period
        self.task_id: Any = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.period):
                self.beat()
        finally:
            connection.close()

    def beat(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                last_seen=timezone.now()
            )
            task_id = self.task_id
            if task_id is not None and not lease.renew(task_id, worker_id=self.worker_id):
                logger.warning("worker %s lost the lease of task %s", self.worker_id, task_id)
        except DatabaseError:
            logger.warning("heartbeat of worker %s failed", self.worker_id, exc_info=True)


class LeasedWorker(Worker):
    def __init__(
        self,
        *,
        heartbeat: bool = True,
        scheduler: bool = True,
        housekeeping_every: float = 1.0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("backend_name", "default")
        kwargs.setdefault("startup_delay", False)
        kwargs.setdefault("excluded_queue_names", [])
        kwargs.setdefault("max_tasks", None)
        super().__init__(**kwargs)
        self.use_heartbeat = heartbeat
        self.use_scheduler = scheduler
        self.housekeeping_every = housekeeping_every
        self._last_housekeeping = float("-inf")
        self._schedule_seen: dict[str, Any] = {}
        self._wake = threading.Event()
        self.heartbeat = Heartbeat(self.worker_id, max(0.2, settings.WORKER_LEASE_SECONDS / 3))

    # --- signals --------------------------------------------------------------------------
    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("Second stop signal: abandoning the current task.")
            raise SystemExit(1)
        logger.warning("Stop signal: finishing the current task, then exiting.")
        self.running = False
        self._wake.set()

    # --- loop -----------------------------------------------------------------------------
    def run(self) -> None:
        logger.info("worker %s starts on queues %s", self.worker_id, ",".join(self.queue_names))
        self._register()
        if self.use_heartbeat:
            self.heartbeat.start()
        try:
            self._loop()
        finally:
            self.heartbeat.stopping.set()
            if self.heartbeat.is_alive():
                self.heartbeat.join(timeout=5)
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DatabaseError:
                logger.warning("could not remove the heartbeat of %s", self.worker_id)
            logger.info("worker %s stopped after %d tasks", self.worker_id, self._run_tasks)

    def _register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "last_seen": now,
            },
        )

    def _loop(self) -> None:
        while self.running:
            close_old_connections()
            self.housekeeping()
            task_result, retrieved = self.claim()
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and retrieved and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                self._wake.wait(self.interval)

    def housekeeping(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_housekeeping < self.housekeeping_every:
            return
        self._last_housekeeping = now
        try:
            lease.reap()
            if self.use_scheduler:
                schedule.tick(seen=self._schedule_seen)
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise

    def claim(self) -> tuple[DBTaskResult | None, bool]:
        """Claim the next READY task and take its lease, in one transaction."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                    lease.take(task_result, worker_id=self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None, False
            raise
        return task_result, True

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        self.heartbeat.task_id = db_task_result.pk
        try:
            self._call(db_task_result)
        except Exception as exc:
            outcome = lease.finish_failed(db_task_result, worker_id=self.worker_id, exc=exc)
            logger.info("task %s raised %s: %s", db_task_result.pk, lease.error_path(exc), outcome)
        except BaseException:
            lease.abandon(db_task_result.pk, worker_id=self.worker_id)
            raise
        finally:
            self.heartbeat.task_id = None
            self.running_task = False
            self._run_tasks += 1

    def _call(self, db_task_result: DBTaskResult) -> None:
        task = db_task_result.task
        task_result = db_task_result.task_result
        backend = type(task.get_backend())
        task_started.send(sender=backend, task_result=task_result)
        if task.takes_context:
            context = TaskContext(task_result=task_result)  # type: ignore[arg-type]
            value = task.call(context, *task_result.args, **task_result.kwargs)
        else:
            value = task.call(*task_result.args, **task_result.kwargs)
        if lease.finish_successful(db_task_result, worker_id=self.worker_id, return_value=value):
            task_finished.send(sender=backend, task_result=db_task_result.task_result)
