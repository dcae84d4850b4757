"""The task worker: django-tasks-db's worker with leases, retries, the reaper and the scheduler."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import (
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)

from heartline.worker.runner import LeasedWorker


class Command(BaseCommand):
    help = "Run the background task worker (all queues by default) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to process, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait when no task is ready (default: 1).",
        )
        parser.add_argument(
            "--max-tasks", type=valid_max_tasks, default=None, help="Exit after this many tasks."
        )
        parser.add_argument("--batch", action="store_true", help="Run the ready tasks, then exit.")
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Do not enqueue periodic jobs from this worker.",
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="Unique id of this worker (default: random).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = LeasedWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or get_random_string(32),
            scheduler=options["scheduler"],
        )
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:
            signal.signal(sig, worker.shutdown)
        try:
            worker.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
