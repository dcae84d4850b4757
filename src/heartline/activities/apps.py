"""Calls, meetings, tasks and reminders; my day; iCalendar feeds."""

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "heartline.activities"
    label = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from heartline.activities.selectors import customer_section
        from heartline.activities.tasks import REMINDER_INTERVAL_SECONDS
        from heartline.customers.merge import register_movable
        from heartline.timeline.selectors import SECTIONS
        from heartline.worker.schedule import Job, register

        register_movable("activities.Activity", "customer")
        SECTIONS["activities"] = customer_section
        register(
            Job(
                "activity_reminders",
                "heartline.activities.tasks.send_reminders",
                REMINDER_INTERVAL_SECONDS,
            )
        )
