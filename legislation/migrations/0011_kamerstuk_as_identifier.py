"""A bill's Kamerstuk number becomes its dossier identifier (legislation.Identifier), and the field goes."""

from django.core.exceptions import ValidationError
from django.db import migrations

from legislation.identifiers import IdentifierKind, parse

# Stored texts are Dutch, as the loader writes them.
SOURCE = "Overgenomen uit het vroegere veld Kamerstuknummer van het item."
UNREAD = "Kamerstuknummer (vroeger veld, niet te lezen als dossiernummer): {}"


def kamerstuk_to_identifier(apps, schema_editor):
    Bill = apps.get_model("legislation", "Bill")
    Identifier = apps.get_model("legislation", "Identifier")
    for bill in Bill.objects.exclude(kamerstuk="").only("pk", "kamerstuk", "notes", "edited_fields"):
        try:
            value = parse(IdentifierKind.DOSSIER, bill.kamerstuk)
        except ValidationError:
            # Nothing typed is lost: a text that is no dossier number stays in the notes, kept from the loader.
            bill.notes = "\n\n".join(filter(None, [bill.notes, UNREAD.format(bill.kamerstuk)]))
            bill.edited_fields = sorted({*bill.edited_fields, "notes"})
            bill.save(update_fields=["notes", "edited_fields"])
            continue
        Identifier.objects.get_or_create(bill=bill, kind=IdentifierKind.DOSSIER, value=value,
                                         defaults={"source": SOURCE})


def identifier_to_kamerstuk(apps, schema_editor):
    Bill = apps.get_model("legislation", "Bill")
    Identifier = apps.get_model("legislation", "Identifier")
    for identifier in Identifier.objects.filter(kind=IdentifierKind.DOSSIER).order_by("-pk"):
        Bill.objects.filter(pk=identifier.bill_id).update(kamerstuk=identifier.value[:20])


class Migration(migrations.Migration):

    dependencies = [
        ('legislation', '0010_public_identifiers'),
    ]

    operations = [
        migrations.RunPython(kamerstuk_to_identifier, identifier_to_kamerstuk),
        migrations.RemoveField(
            model_name='bill',
            name='kamerstuk',
        ),
        migrations.RemoveField(
            model_name='historicalbill',
            name='kamerstuk',
        ),
    ]
