import io
import shutil

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation

from legislation import services
from legislation.loader import DATA_DIR, RegisterDataError, load_register, milestone_origins, read_items, read_yaml
from legislation.models import Bill, Milestone, Ministry, Move


def snapshot():
    out = io.StringIO()
    call_command("export_register", format="json", stdout=out)
    return out.getvalue()


def test_the_register_holds_every_item_of_the_data_file(db):
    items = read_yaml("register.yaml")
    assert list(Bill.objects.order_by("key").values_list("key", flat=True)) == sorted(i["key"] for i in items)
    for item in items:
        bill = Bill.objects.get(key=item["key"])
        assert bill.parent_id == (Bill.objects.get(key=item["parent"]).pk if item.get("parent") else None)
        assert (bill.chapter.code, bill.category, bill.instrument, bill.lead_ministry.code) == (
            item["chapter"], item["category"], item["instrument"], item["lead_ministry"]
        )
        assert sorted(m.code for m in bill.co_ministries.all()) == sorted(item.get("co_ministries") or [])


def test_loading_twice_changes_nothing(db):
    before = snapshot()
    report = load_register()
    assert (report.created, report.updated, report.moves, report.milestones_created, report.milestones_updated,
            report.identifiers) == (0, 0, 0, 0, 0, 0)
    assert report.unchanged == Bill.objects.count()
    assert snapshot() == before


def test_every_reported_step_is_a_dated_move_that_cites_its_source(db):
    documents = read_yaml("reference.yaml")["documents"]
    items_with_moves = [item for item in read_items() if item.get("moves")]
    assert items_with_moves, "the sources report progress on some items"
    for item in items_with_moves:
        bill = Bill.objects.get(key=item["key"])
        facts = sorted(item["moves"], key=lambda fact: fact["date"])
        moves = list(bill.moves.filter(moved_by=None))
        assert [(m.to_stage, m.occurred_on) for m in moves] == [(f["to"], f["date"]) for f in facts], item["key"]
        assert bill.stage == facts[-1]["to"]
        for move, fact in zip(moves, facts):
            assert documents[fact["document"]] in move.source
            assert f"regel {fact['line']}" in move.source
            assert move.reason and move.reason_en
            assert move.date_inferred == bool(fact.get("date_inferred"))


def test_every_stated_date_is_a_milestone(db):
    for item in read_items():
        bill = Bill.objects.get(key=item["key"])
        for origin, fact in milestone_origins(item.get("milestones") or []):
            milestone = bill.milestones.get(origin=origin)
            assert milestone.planned_date == fact["date"]
            assert (milestone.actual_date is not None) == bool(fact.get("actual"))
            assert milestone.date_inferred == bool(fact.get("date_inferred"))
            assert milestone.label == (fact["label"]["nl"] if "label" in fact else "")


def test_texts_from_the_data_files_in_the_active_language(db, charlie):
    item = next(item for item in read_items() if item.get("notes") and any(m.get("label") for m in item["milestones"]))
    bill = Bill.objects.get(key=item["key"])
    move = bill.moves.filter(moved_by=None).exclude(reason_en="").first()
    fact = next(fact for fact in item["milestones"] if fact.get("label"))
    milestone = bill.milestones.get(label=fact["label"]["nl"])
    with translation.override("nl"):
        assert (str(milestone), move.reason_shown) == (fact["label"]["nl"], move.reason)
        assert bill.notes_shown.startswith(item["notes"][0]["text"]["nl"]) and "Bron: " in bill.notes_shown
    with translation.override("en"):
        assert (str(milestone), move.reason_shown) == (fact["label"]["en"], move.reason_en)
        assert bill.notes_shown.startswith(item["notes"][0]["text"]["en"]) and "Source: " in bill.notes_shown
    # What a coordinator writes is shown as written, in either language.
    services.change_bill(bill, by=charlie, notes="Eigen aantekening")
    services.change_milestone(milestone, by=charlie, label="Eigen omschrijving")
    bill.refresh_from_db()
    milestone.refresh_from_db()
    with translation.override("en"):
        assert (bill.notes_shown, str(milestone)) == ("Eigen aantekening", "Eigen omschrijving")


def test_a_reload_corrects_the_wording_of_a_loaded_move_not_the_step(db):
    move = Move.objects.filter(moved_by=None).exclude(reason_en="").first()
    reason, reason_en, inferred, stage, occurred_on = (
        move.reason, move.reason_en, move.date_inferred, move.to_stage, move.occurred_on
    )
    Move.objects.filter(pk=move.pk).update(reason="Old English reason", reason_en="", date_inferred=not move.date_inferred)
    load_register()
    move.refresh_from_db()
    assert (move.reason, move.reason_en, move.date_inferred) == (reason, reason_en, inferred)
    assert (move.to_stage, move.occurred_on) == (stage, occurred_on)
    assert Move.objects.filter(bill=move.bill, origin=move.origin).count() == 1


def test_a_reload_keeps_what_a_coordinator_edited(db, charlie):
    reported = Move.objects.filter(moved_by=None, bill__stage="consultatie").select_related("bill").first().bill
    services.move_bill(reported, "voorbereiding", by=charlie, reason="Terug naar de tekentafel")
    plain = Bill.objects.filter(moves__isnull=True).first()
    services.change_bill(plain, by=charlie, lead_ministry=Ministry.objects.get(code="AZ"), short_title="Eigen titel")
    milestone = Milestone.objects.exclude(origin="").select_related("bill").first()
    services.change_milestone(milestone, by=charlie, planned_date=milestone.planned_date.replace(year=2030))

    # Removing the evidence of the bill's moves makes the loader want to redo them.
    Move.objects.filter(bill=reported, moved_by=None).delete()
    report = load_register()

    reported.refresh_from_db()
    plain.refresh_from_db()
    milestone.refresh_from_db()
    assert reported.stage == "voorbereiding"
    assert (plain.lead_ministry.code, plain.short_title) == ("AZ", "Eigen titel")
    assert milestone.planned_date.year == 2030
    assert f"{reported.key}.stage" in report.kept_by_hand
    assert f"{plain.key}.lead_ministry" in report.kept_by_hand


def test_a_corrected_data_file_updates_the_fields_nobody_edited(db, tmp_path, charlie):
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    items = read_yaml("register.yaml")
    first, second = items[0], items[1]
    services.change_bill(Bill.objects.get(key=second["key"]), by=charlie, short_title="Met de hand")
    first["short_title"] = "Gecorrigeerde titel"
    first["co_ministries"] = ["AZ"]
    second["short_title"] = "Ook gecorrigeerd"
    second["instrument"] = "amvb"
    (tmp_path / "register.yaml").write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False))

    report = load_register(tmp_path)

    assert report.updated == 2
    one, two = Bill.objects.get(key=first["key"]), Bill.objects.get(key=second["key"])
    assert one.short_title == "Gecorrigeerde titel" and [m.code for m in one.co_ministries.all()] == ["AZ"]
    assert one.version == 2
    assert two.short_title == "Met de hand" and two.instrument == "amvb"


def test_progress_for_an_unknown_item_is_refused(db, tmp_path):
    shutil.copytree(DATA_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "progress.yaml").write_text("- key: H99-A-01\n  match: x\n")
    with pytest.raises(RegisterDataError):
        load_register(tmp_path)


def test_the_command_reports_what_it_did(db):
    out = io.StringIO()
    call_command("load_register", stdout=out)
    assert f"0 new, 0 updated, {Bill.objects.count()} unchanged" in out.getvalue()
