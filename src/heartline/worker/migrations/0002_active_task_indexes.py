"""Partial indexes on django-tasks-db's table for the cheap reads of heartline.worker.selectors:
active tasks by queue and status (queue_depth, the Tasks page) and final failures by time
(recent_failures). Both SQLite and PostgreSQL support partial indexes."""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):
    dependencies = [("worker", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX worker_active_tasks_idx ON {TABLE} (queue_name, status) "
            "WHERE status IN ('READY', 'RUNNING')",
            "DROP INDEX worker_active_tasks_idx",
        ),
        migrations.RunSQL(
            f"CREATE INDEX worker_failed_tasks_idx ON {TABLE} (finished_at) "
            "WHERE status = 'FAILED'",
            "DROP INDEX worker_failed_tasks_idx",
        ),
    ]
