"""Periodic work of activities: reminders (scheduled every minute in ``apps.py``)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from heartline.activities.reminders import send_due_reminders

REMINDER_INTERVAL_SECONDS = 60


@task(queue_name="periodic")
def send_reminders() -> dict[str, int]:
    return asdict(send_due_reminders())
