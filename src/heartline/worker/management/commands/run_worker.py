"""The task worker: django-tasks-db's worker over every queue."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (all queues) until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", queue_name="*", interval=1)
