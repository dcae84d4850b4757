"""The default scoring rules of a new installation (editable on the Leads › Rules page)."""

from django.db import migrations

DEFAULT_RULES = (
    ("has_phone", "", 10),
    ("has_email", "", 5),
    ("corporate_email", "", 15),
    ("has_organisation", "", 10),
    ("mentions_product", "", 20),
    ("source", "web_form", 5),
    ("source", "campaign", 10),
    ("source", "import", -5),
)


def add_defaults(apps, schema_editor):
    ScoreRule = apps.get_model("leads", "ScoreRule")
    if not ScoreRule.objects.exists():
        ScoreRule.objects.bulk_create(
            ScoreRule(kind=kind, value=value, points=points, position=index + 1)
            for index, (kind, value, points) in enumerate(DEFAULT_RULES)
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
