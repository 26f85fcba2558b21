"""Load the plan's 21 indicators from dgov/indicators/data/indicators.csv (as the file reads at
this migration; later changes go through ``manage.py load_indicators``, audited)."""

from django.db import migrations


def load(apps, schema_editor):
    from dgov.indicators.services import definitions_read

    Indicator = apps.get_model("indicators", "Indicator")
    for row in definitions_read():
        if not Indicator.objects.filter(key=row["key"]).exists():
            Indicator.objects.create(**row)


def unload(apps, schema_editor):
    apps.get_model("indicators", "Indicator").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_indicators_reported_values_snapshots")]

    operations = [migrations.RunPython(load, unload)]
