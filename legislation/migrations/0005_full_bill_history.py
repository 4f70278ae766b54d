from django.db import migrations, models
from django.db.models import F


def stamp_earlier_records(apps, schema_editor):
    # Records from before had no copy of these: their own moment is the best guess of when the bill changed.
    apps.get_model("legislation", "HistoricalBill").objects.update(updated_at=F("history_date"))


class Migration(migrations.Migration):
    dependencies = [
        ("legislation", "0004_board_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalbill",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="historicalbill",
            name="edited_fields",
            field=models.JSONField(blank=True, default=list, verbose_name="edited by hand"),
        ),
        migrations.AddField(
            model_name="historicalbill",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="updated"),
        ),
        migrations.RunPython(stamp_earlier_records, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalbill",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, verbose_name="updated"),
        ),
    ]
