"""Fewer index writes per interaction (bulk ingest).

* ``customer_id`` loses its own index: ``interaction_timeline_idx`` (customer_id, occurred_at,
  id) starts with it and serves every look-up by customer.
* ``closes_id`` and ``corrects_id`` are almost always NULL; their indexes now hold only the
  rows where they are set, which is all that ``… WHERE closes_id = x`` (the 360's open
  follow-ups) and ``ON DELETE SET NULL`` read.

The old indexes are dropped by name (the names 0001 gave them on both databases), so SQLite
does not rebuild the table as a plain AlterField would. Building the two partial indexes reads
the table once (tens of seconds at 20M rows on PostgreSQL, writes wait meanwhile).
"""

import django.db.models.deletion
from django.db import migrations, models

FK_INDEXES = {
    "customer_id": "timeline_interaction_customer_id_3890609b",
    "closes_id": "timeline_interaction_closes_id_df1d1f95",
    "corrects_id": "timeline_interaction_corrects_id_bbb79f06",
}


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0003_name_key_indexes"),
        ("timeline", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="interaction",
                    name="closes",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="closed_by", to="timeline.interaction"),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="corrects",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="corrected_by", to="timeline.interaction"),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="customer",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="interactions", to="customers.customer"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "timeline_interaction" ("{column}")',
                )
                for column, name in FK_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(condition=models.Q(("closes__isnull", False)), fields=["closes"], name="interaction_closes_idx"),
        ),
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(condition=models.Q(("corrects__isnull", False)), fields=["corrects"], name="interaction_corrects_idx"),
        ),
    ]
