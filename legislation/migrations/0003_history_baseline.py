from django.db import migrations
from django.utils import timezone

BASELINE = "Stand bij het begin van de geschiedenis"


def record_the_state_so_far(apps, schema_editor):
    """Give every existing bill and milestone a first history record.

    Without it, the first change to an item loaded before history was kept
    would have nothing to be compared with.
    """
    now = timezone.now()
    for model_name in ("Bill", "Milestone"):
        model = apps.get_model("legislation", model_name)
        historical = apps.get_model("legislation", f"Historical{model_name}")
        fields = [f.attname for f in historical._meta.fields if not f.name.startswith("history_")]
        records = historical.objects.bulk_create(
            historical(history_date=now, history_type="+", history_change_reason=BASELINE,
                       **{name: getattr(obj, name) for name in fields})
            for obj in model.objects.order_by("pk")
        )
        if model_name == "Bill":
            co_ministries = apps.get_model("legislation", "HistoricalBill_co_ministries")
            through = model.co_ministries.through
            record_of = {record.id: record for record in records}
            co_ministries.objects.bulk_create(
                co_ministries(
                    history=record_of[row.bill_id], id=row.id, bill_id=row.bill_id, ministry_id=row.ministry_id
                )
                for row in through.objects.all()
            )


class Migration(migrations.Migration):
    dependencies = [("legislation", "0002_history")]

    operations = [migrations.RunPython(record_the_state_so_far, migrations.RunPython.noop)]
