"""The register and its milestones to and from CSV and Excel, every change through the rules."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from legislation import services
from legislation.export import COLUMNS
from legislation.identifiers import IdentifierKind
from legislation.models import Bill, Identifier, Milestone
from webhooks.models import Endpoint, Event
from legislation.resources import MilestoneResource, RegisterResource
from tests.test_admin import as_staff
from tests.test_export import FORMULAS

FORMATS = {"csv": 0, "xlsx": 1}  # as the admin lists them


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def sheet(resource, queryset):
    """The rows an export of `queryset` holds, as dicts to edit."""
    return [dict(row) for row in resource().export(queryset=queryset).dict]


def run(resource, rows, user, dry_run=True):
    dataset = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        dataset.append(list(row.values()))
    return resource().import_data(dataset, dry_run=dry_run, user=user, file_name="register.csv")


def invalid(result):
    """Row number → the messages of each invalid row."""
    return {row.number: sorted(str(m) for messages in row.error_dict.values() for m in messages)
            for row in result.invalid_rows}


def state():
    return (list(Bill.objects.values_list()), list(Milestone.objects.values_list()), Bill.history.count(),
            Milestone.history.count())


def admin_export(client, model, resource, fmt):
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    response = client.post(reverse(f"admin:legislation_{model}_export"),
                           {"format": FORMATS[fmt], "resource": 0, **fields})
    assert response.status_code == 200
    return response.content


def admin_import(client, model, content, fmt):
    upload = SimpleUploadedFile(f"bestand.{fmt}", content)
    return client.post(reverse(f"admin:legislation_{model}_import"),
                       {"format": FORMATS[fmt], "resource": 0, "import_file": upload})


def admin_confirm(client, model, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:legislation_{model}_process_import"),
                       {field.html_name: field.value() for field in form})


class TestRoundTrip:
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_an_export_imported_unchanged_changes_nothing(self, client, charlie, fmt):
        as_staff(client, charlie)
        before = state()
        for model, resource in (("bill", RegisterResource), ("milestone", MilestoneResource)):
            preview = admin_import(client, model, admin_export(client, model, resource, fmt), fmt)
            result = preview.context["result"]
            assert not result.has_errors() and not result.has_validation_errors()
            assert result.totals["update"] == result.totals["new"] == 0
            assert result.totals["skip"] == resource().get_queryset().count()
            # It says so, instead of an empty preview to accept.
            assert "Geen wijzigingen." in preview.content.decode() and 'name="confirm"' not in preview.content.decode()
            admin_confirm(client, model, preview)
        assert state() == before

    def test_empty_rows_at_the_end_of_a_spreadsheet_are_no_items(self, charlie, make_bill):
        rows = sheet(RegisterResource, Bill.objects.filter(pk=make_bill().pk))
        rows.append(dict.fromkeys(rows[0], None))
        result = run(RegisterResource, rows, charlie)
        assert not result.has_validation_errors() and result.totals["skip"] == 1

    def test_the_register_has_the_columns_of_export_register(self, client, charlie):
        as_staff(client, charlie)
        header = admin_export(client, "bill", RegisterResource, "csv").decode("utf-8-sig").splitlines()[0]
        assert header.split(",")[: len(COLUMNS)] == list(COLUMNS)


class TestImportingChanges:
    def test_the_preview_shows_the_changes_and_confirming_makes_them_through_the_rules(self, client, alice,
                                                                                         make_bill):
        as_staff(client, alice)
        bill = make_bill("wet", stage="raad_van_state")
        rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        rows[0].update(short_title="Geïmporteerde titel", stage="consultatie", move_reason="Nader advies nodig")
        content = tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv")

        preview = admin_import(client, "bill", content.encode(), "csv")
        result = preview.context["result"]
        assert result.totals["update"] == 1 and "Geïmporteerde titel" in preview.content.decode()
        bill.refresh_from_db()
        assert (bill.short_title, bill.stage) == ("Testwet", "raad_van_state"), "a preview writes nothing"

        done = admin_confirm(client, "bill", preview)
        assert [m.message for m in get_messages(done.wsgi_request)] == [
            "Geïmporteerd: 1 gewijzigd, 0 toegevoegd, 0 verwijderd, 0 ongewijzigd."
        ]
        bill.refresh_from_db()
        assert (bill.short_title, bill.stage) == ("Geïmporteerde titel", "consultatie")
        move = bill.moves.get()
        assert (move.moved_by, move.reason) == (alice, "Nader advies nodig")
        assert bill.history.filter(history_user=alice, history_change_reason="Import van bestand.csv").exists()

    def test_invalid_rows_are_reported_by_number_and_reason_and_nothing_is_written(self, client, charlie,
                                                                                    make_bill):
        as_staff(client, charlie)
        bills = [make_bill("wet"), make_bill("wet"), make_bill("kb"), make_bill("wet"), make_bill("wet")]
        rows = sheet(RegisterResource, Bill.objects.filter(pk__in=[b.pk for b in bills]).order_by("key"))
        rows[0]["short_title"] = "Deze wijziging is geldig"
        rows[1]["lead_ministry"] = "MinVanAlles"
        rows[2]["stage"] = "consultatie"
        rows[3]["stage"] = "prullenbak"
        rows[4].update(stage="voorbereiding", stage_entered_on="31-02-2026")
        rows.append({**rows[0], "short_title": "Nog eens"})
        before = state()

        result = run(RegisterResource, rows, charlie)
        assert invalid(result) == {
            2: ["Er is geen ministerie “MinVanAlles”."],
            3: ["Een Koninklijk Besluit doorloopt de fase “Consultatie” niet."],
            4: ["“prullenbak” is geen fase."],
            5: ["“31-02-2026” is geen datum; schrijf die als JJJJ-MM-DD."],
            6: [f"{bills[0].key} staat ook in rij 1."],
        }
        assert run(RegisterResource, rows, charlie, dry_run=False).has_validation_errors()
        assert state() == before

        content = tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv")
        page = admin_import(client, "bill", content.encode(), "csv")
        assert "confirm_form" not in page.context and "MinVanAlles" in page.content.decode()

    def test_a_null_character_is_refused_before_anything_is_looked_up(self, client, charlie, make_bill):
        """PostgreSQL refuses a null character in any text, a key too: the file is refused, with the rows named."""
        as_staff(client, charlie)
        bills = [make_bill("wet"), make_bill("wet"), make_bill("wet")]
        rows = sheet(RegisterResource, Bill.objects.filter(pk__in=[b.pk for b in bills]).order_by("key"))
        rows[0]["key"] += "\x00"
        rows[2]["short_title"] = "Titel\x00"
        before = state()
        result = run(RegisterResource, rows, charlie)
        assert [str(error.error) for error in result.base_errors] == [
            "Deze rijen bevatten een null-teken, dat geen veld kan bevatten: 1, 3. Verwijder het en probeer het opnieuw."
        ]
        content = tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv")
        page = admin_import(client, "bill", content.encode(), "csv")
        assert page.status_code == 200 and "confirm_form" not in page.context
        assert state() == before

    def test_a_move_that_needs_a_reason_takes_it_from_the_row(self, charlie, make_bill):
        bill = make_bill("wet", stage="tweede_kamer")
        rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        rows[0]["stage"] = "voorbereiding"
        assert invalid(run(RegisterResource, rows, charlie)) == {
            1: ["Terugzetten van “Tweede Kamer” naar “Voorbereiding” vraagt om een reden."]
        }
        rows[0]["move_reason"] = "Terug naar de tekentafel"
        assert not run(RegisterResource, rows, charlie, dry_run=False).has_validation_errors()
        bill.refresh_from_db()
        assert bill.stage == "voorbereiding" and bill.moves.get().reason == "Terug naar de tekentafel"

    def test_what_only_the_data_file_or_a_move_changes_is_refused(self, charlie, make_bill):
        bill = make_bill("wet")
        rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        rows[0].update(title="Andere tekst", stage_entered_on="2026-01-01", reading="2")
        rows.append({**rows[0], "key": "H99-X-01", "title": bill.title, "stage_entered_on": "", "reading": "1"})
        errors = invalid(run(RegisterResource, rows, charlie))
        assert len(errors[1]) == 2 and "Deze datum verandert alleen met een verplaatsing" in errors[1][0]
        assert errors[2] == ["Er is geen dossier met de sleutel “H99-X-01”; nieuwe dossiers komen uit het "
                             "gegevensbestand van het register."]

    def test_a_coordinator_imports_only_changes_to_their_own_ministrys_bills(self, alice, make_bill, vws):
        own, other = make_bill(), make_bill(lead_ministry=vws)
        rows = sheet(RegisterResource, Bill.objects.filter(pk__in=[own.pk, other.pk]).order_by("key"))
        rows[0]["notes"] = rows[1]["notes"] = "Bijgewerkt"
        assert invalid(run(RegisterResource, rows, alice)) == {
            2: ["U mag alleen de dossiers van uw eigen ministerie wijzigen."]
        }
        rows[1]["notes"] = ""
        assert not run(RegisterResource, rows, alice, dry_run=False).has_validation_errors()
        own.refresh_from_db()
        assert own.notes == "Bijgewerkt" and "notes" in own.edited_fields


class TestIdentifiers:
    """A column per kind of public identifier, several in a cell separated by "; ", set through the services."""

    def test_the_export_has_a_column_per_kind(self, alice, make_bill):
        bill = make_bill()
        services.add_identifier(bill, IdentifierKind.DOSSIER, "36546", by=alice)
        services.add_identifier(bill, IdentifierKind.DOSSIER, "36123-R2190", by=alice)
        services.add_identifier(bill, IdentifierKind.PUBLICATIE, "stb-2025-123", by=alice)
        (row,) = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        assert (row["kamerstukdossier"], row["wetgevingskalender"], row["internetconsultatie"], row["publicaties"]) \
            == ("36123-R2190; 36546", "", "", "stb-2025-123")

    def test_an_import_links_and_removes_them_as_the_importer(self, alice, make_bill):
        bill = make_bill()
        old = services.add_identifier(bill, IdentifierKind.WETGEVINGSKALENDER, "WGK000001", by=alice)
        rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        rows[0].update(kamerstukdossier="36 546;36123-r2190", wetgevingskalender="",
                       internetconsultatie="https://www.internetconsultatie.nl/slachtofferrechten")
        result = run(RegisterResource, rows, alice, dry_run=False)
        assert not result.has_validation_errors() and result.totals["update"] == 1
        assert sorted(bill.identifiers.values_list("kind", "value", "added_by")) == [
            ("consultatie", "slachtofferrechten", alice.pk), ("dossier", "36123-R2190", alice.pk),
            ("dossier", "36546", alice.pk)]
        assert not Identifier.objects.filter(pk=old.pk).exists()
        assert set(bill.identifiers.values_list("source", flat=True)) == {"Import van register.csv"}
        again = run(RegisterResource, sheet(RegisterResource, Bill.objects.filter(pk=bill.pk)), alice, dry_run=False)
        assert again.totals["skip"] == 1 and bill.identifiers.count() == 3

    def test_a_bad_value_is_its_rows_error_and_nothing_changes(self, alice, make_bill):
        bills = [make_bill(), make_bill()]
        rows = sheet(RegisterResource, Bill.objects.filter(pk__in=[b.pk for b in bills]).order_by("key"))
        rows[0].update(kamerstukdossier="36546", short_title="Geldige wijziging")
        rows[1].update(publicaties="stb-2025-1; Staatsblad 2025")
        result = run(RegisterResource, rows, alice, dry_run=False)
        assert invalid(result) == {2: ["“Staatsblad 2025” is niet te lezen als publicatie in Staatsblad of "
                                       "Staatscourant; schrijf het bijvoorbeeld als stb-2025-123."]}
        assert not Identifier.objects.filter(bill__in=bills).exists()
        assert Bill.objects.get(pk=bills[0].pk).short_title == "Testwet"

    def test_a_coordinator_links_none_to_another_ministrys_item(self, alice, make_bill, vws):
        other = make_bill(lead_ministry=vws)
        rows = sheet(RegisterResource, Bill.objects.filter(pk=other.pk))
        rows[0]["kamerstukdossier"] = "36546"
        assert invalid(run(RegisterResource, rows, alice, dry_run=False)) == {
            1: ["U mag alleen de dossiers van uw eigen ministerie wijzigen."]}
        assert not other.identifiers.exists()


class TestMilestones:
    def test_milestones_are_changed_and_added(self, alice, make_bill):
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        rows = sheet(MilestoneResource, Milestone.objects.filter(pk=milestone.pk))
        rows[0]["planned_date"] = "2026-05-01"
        rows.append({**rows[0], "id": "", "kind": "publicatie", "planned_date": "2026-12-31", "precision": "quarter"})
        result = run(MilestoneResource, rows, alice, dry_run=False)
        assert (result.totals["update"], result.totals["new"]) == (1, 1)
        milestone.refresh_from_db()
        assert milestone.planned_date == datetime.date(2026, 5, 1) and milestone.edited_fields == ["planned_date"]
        added = bill.milestones.get(kind="publicatie")
        assert (added.planned_date, added.precision) == (datetime.date(2026, 12, 31), "quarter")
        assert added.history.get().history_user == alice

    @pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "apply"])
    def test_the_queries_of_a_milestone_import_do_not_grow_with_its_rows(self, alice, make_bill, dry_run,
                                                                         django_user_model):
        bills = [make_bill() for _ in range(3)]
        Milestone.objects.bulk_create(Milestone(bill=bills[n % 3], kind="overig", label=f"Stap {n}")
                                      for n in range(60))

        def queries(count):
            first = Milestone.objects.filter(bill__in=bills).order_by("pk").values_list("pk", flat=True)[:count]
            rows = sheet(MilestoneResource, Milestone.objects.filter(pk__in=list(first)))
            for row in rows:
                row["label"] += " (nieuw)"
            user = django_user_model.objects.get(pk=alice.pk)  # nothing of the user read before
            with CaptureQueriesContext(connection) as captured:
                result = run(MilestoneResource, rows, user, dry_run=dry_run)
            assert result.totals["update"] == count
            return len(captured)

        assert queries(60) == queries(6)

    def test_the_changes_of_an_import_are_recorded_as_each_change_is(self, alice, make_bill):
        Endpoint.objects.create(name="Ontvanger", url="http://127.0.0.1:9/", events=["milestone.changed"])
        bill = make_bill()
        first, second = Milestone.objects.bulk_create(
            Milestone(bill=bill, kind="overig", label=label) for label in ("Een", "Twee"))
        changed_before = Bill.objects.get(pk=bill.pk).updated_at
        rows = sheet(MilestoneResource, Milestone.objects.filter(bill=bill).order_by("pk"))
        rows[0]["label"], rows[1]["planned_date"] = "Een (nieuw)", "2027-01-01"
        run(MilestoneResource, rows, alice, dry_run=False)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.label, first.planned_date, first.edited_fields) == ("Een (nieuw)", None, ["label"])
        assert (second.label, second.planned_date, second.edited_fields) == ("Twee", datetime.date(2027, 1, 1),
                                                                              ["planned_date"])
        records = Milestone.history.filter(history_type="~").order_by("id")
        assert [(r.id, r.label, r.history_user, r.history_change_reason) for r in records] == [
            (first.pk, "Een (nieuw)", alice, "Import van register.csv"),
            (second.pk, "Twee", alice, "Import van register.csv")]
        assert Bill.objects.get(pk=bill.pk).updated_at > changed_before
        assert sorted(event.payload["milestone"]["changed"] for event in Event.objects.all()) == [
            ["label"], ["planned_date"]]

    def test_invalid_milestone_rows_are_reported(self, alice, make_bill, vws):
        bill, other = make_bill(), make_bill(lead_ministry=vws)
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        rows = sheet(MilestoneResource, Milestone.objects.filter(pk=milestone.pk))
        rows.append({**rows[0], "id": "999999"})
        rows.append({**rows[0], "id": "", "bill_key": other.key})
        rows.append({**rows[0], "id": "", "planned_date": "1 maart"})
        rows.append({**rows[0], "label": "Nog eens"})
        assert invalid(run(MilestoneResource, rows, alice)) == {
            2: ["Er is geen mijlpaal 999999; laat de id leeg voor een nieuwe mijlpaal."],
            3: ["U mag alleen de dossiers van uw eigen ministerie wijzigen."],
            4: ["“1 maart” is geen datum; schrijf die als JJJJ-MM-DD."],
            5: [f"{milestone.pk} staat ook in rij 1."],
        }
        rows = [{**rows[0], "bill_key": other.key}]
        assert invalid(run(MilestoneResource, rows, alice)) == {1: [f"Deze mijlpaal hoort bij {bill.key}."]}

    def test_a_row_marked_delete_deletes_its_milestone_through_the_rules(self, alice, make_bill, vws):
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        changed_before = Bill.objects.get(pk=bill.pk).updated_at
        rows = [{**sheet(MilestoneResource, Milestone.objects.filter(pk=milestone.pk))[0], "delete": "ja"}]
        result = run(MilestoneResource, rows, alice, dry_run=False)
        assert result.totals["delete"] == 1 and not bill.milestones.exists()
        assert Milestone.history.filter(id=milestone.pk, history_type="-").get().history_user == alice
        assert Bill.objects.get(pk=bill.pk).updated_at > changed_before

    def test_deleting_another_ministrys_milestone_is_a_row_error_and_deletes_nothing(self, alice, make_bill, vws):
        own = Milestone.objects.create(bill=make_bill(), kind="ministerraad")
        other = Milestone.objects.create(bill=make_bill(lead_ministry=vws), kind="ministerraad")
        rows = [{**row, "delete": "ja"} for row in sheet(MilestoneResource, Milestone.objects.filter(
            pk__in=[own.pk, other.pk]).order_by("pk"))]
        result = run(MilestoneResource, rows, alice, dry_run=False)
        assert result.has_errors() or result.has_validation_errors()
        assert Milestone.objects.filter(pk__in=[own.pk, other.pk]).count() == 2

class TestFormulas:
    """Text that a spreadsheet would run is exported as text and imported back as it was."""

    @pytest.fixture
    def formulas(self, make_bill, django_user_model):
        owner = django_user_model.objects.create_user("@eigenaar")
        bill = make_bill(short_title=FORMULAS[0], notes=FORMULAS[1], official_title=FORMULAS[2], owner=owner)
        # Not a tab or carriage return here: an import takes the white space around text off, formula or not.
        Milestone.objects.create(bill=bill, kind="overig", label=FORMULAS[3], source=FORMULAS[6])
        return bill

    def test_the_csv_exports_carry_no_formula(self, client, charlie, formulas):
        as_staff(client, charlie)
        register = admin_export(client, "bill", RegisterResource, "csv").decode("utf-8-sig")
        (row,) = [r for r in csv.DictReader(io.StringIO(register)) if r["key"] == formulas.key]
        assert (row["short_title"], row["notes"], row["official_title"], row["owner"]) == (
            "'" + FORMULAS[0], "'" + FORMULAS[1], "'" + FORMULAS[2], "'@eigenaar")
        milestones = admin_export(client, "milestone", MilestoneResource, "csv").decode("utf-8-sig")
        (row,) = [r for r in csv.DictReader(io.StringIO(milestones)) if r["bill_key"] == formulas.key]
        assert (row["label"], row["source"]) == ("'" + FORMULAS[3], "'" + FORMULAS[6])

    def test_the_excel_exports_hold_text_not_formulas(self, client, charlie, formulas):
        as_staff(client, charlie)
        for model, resource in (("bill", RegisterResource), ("milestone", MilestoneResource)):
            book = openpyxl.load_workbook(io.BytesIO(admin_export(client, model, resource, "xlsx")))
            cells = [cell for row in book.active.iter_rows() for cell in row]
            assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
            assert {FORMULAS[0], FORMULAS[3]} & {cell.value for cell in cells}

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_an_export_imported_again_gives_back_the_original_text(self, client, charlie, formulas, fmt):
        as_staff(client, charlie)
        before = state()
        for model, resource in (("bill", RegisterResource), ("milestone", MilestoneResource)):
            preview = admin_import(client, model, admin_export(client, model, resource, fmt), fmt)
            assert preview.context["result"].totals["update"] == 0
            admin_confirm(client, model, preview)
        assert state() == before

    def test_an_apostrophe_before_a_formula_in_a_csv_is_taken_off(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill()
        rows = sheet(RegisterResource, Bill.objects.filter(pk=bill.pk))
        rows[0]["notes"] = "'=1+1"
        content = tablib.Dataset(*[list(r.values()) for r in rows], headers=list(rows[0])).export("csv")
        admin_confirm(client, "bill", admin_import(client, "bill", content.encode(), "csv"))
        bill.refresh_from_db()
        assert bill.notes == "=1+1"
