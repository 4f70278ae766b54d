"""Every change to a bill or milestone is recorded with who, when and why, and one change can be undone."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from legislation import history, loader, policy, services
from legislation.models import Bill, Milestone, Ministry, Move
from tests.test_admin import as_staff


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def last_record(obj):
    return obj.history.order_by("history_date", "history_id").last()


class TestRecording:
    def test_moves_and_flags_are_recorded_with_who_and_why(self, make_bill, alice):
        bill = make_bill("wet", stage="tweede_kamer")
        services.move_bill(bill, "consultatie", by=alice, reason="Nader advies nodig")
        record = last_record(bill)
        assert (record.stage, record.history_user, record.history_change_reason) == (
            "consultatie", alice, "Nader advies nodig"
        )
        services.set_flag(bill, "aangehouden", True, by=alice, reason="Wachten op evaluatie")
        assert last_record(bill).on_hold and bill.history.count() == 3

    def test_an_edit_with_co_ministries_is_one_record(self, make_bill, charlie, vws):
        bill = make_bill()
        services.change_bill(bill, by=charlie, short_title="Nieuw", co_ministries=[vws])
        assert bill.history.count() == 2
        record = last_record(bill)
        assert record.short_title == "Nieuw" and [row.ministry for row in record.co_ministries.all()] == [vws]

    def test_milestones_are_recorded_also_when_a_move_meets_them(self, make_bill, alice):
        bill = make_bill("wet", stage="raad_van_state")
        milestone = Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2026, 1, 1))
        services.change_milestone(milestone, by=alice, reason="Nieuwe planning", planned_date=datetime.date(2026, 2, 1))
        services.move_bill(bill, "tweede_kamer", by=alice, occurred_on=datetime.date(2026, 1, 20))
        records = list(milestone.history.order_by("history_date", "history_id"))
        assert [(r.planned_date, r.actual_date, r.history_user) for r in records] == [
            (datetime.date(2026, 1, 1), None, None),
            (datetime.date(2026, 2, 1), None, alice),
            (datetime.date(2026, 2, 1), datetime.date(2026, 1, 20), alice),
        ]
        assert records[1].history_change_reason == "Nieuwe planning"

    def test_a_stale_change_records_nothing(self, make_bill, alice):
        bill = make_bill()
        seen = bill.version
        services.change_bill(bill, by=alice, notes="eerst")
        with pytest.raises(policy.StaleVersion):
            services.change_bill(bill, by=alice, expected_version=seen, notes="daarna")
        bill.refresh_from_db()
        assert bill.notes == "eerst" and bill.history.count() == 2

    def test_a_change_that_changes_nothing_records_nothing(self, make_bill, alice):
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="publicatie")
        services.change_bill(bill, by=alice, short_title=bill.short_title)
        services.change_milestone(milestone, by=alice, kind="publicatie")
        assert bill.history.count() == 1 and milestone.history.count() == 1

    def test_the_loader_is_recorded_as_the_data_files_and_a_reload_records_nothing(self, db):
        reported = Move.objects.filter(moved_by=None).first().bill
        records = list(reported.history.order_by("history_date", "history_id"))
        assert {r.history_user for r in records} == {None}
        assert records[0].history_change_reason == loader.LOADED
        assert records[-1].history_change_reason == reported.moves.last().reason
        before = (Bill.history.count(), Milestone.history.count())
        loader.load_register()
        assert (Bill.history.count(), Milestone.history.count()) == before


class TestBillHistory:
    def test_lists_every_change_newest_first(self, make_bill, alice, charlie):
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        services.move_bill(bill, "voorbereiding", by=alice, occurred_on=datetime.date(2026, 1, 5))
        services.change_milestone(milestone, by=alice, planned_date=datetime.date(2026, 4, 1))
        services.change_bill(bill, by=charlie, lead_ministry=Ministry.objects.get(code="AZ"), owner=alice)

        changes = history.bill_history(bill)
        shown = [(c.model, c.action, c.field_label, c.old, c.new, c.who) for c in changes]
        assert shown == [
            ("bill", "changed", "Eerstverantwoordelijk ministerie", "JenV", "AZ", charlie),
            ("bill", "changed", "Eigenaar", "", "Alice", charlie),
            ("milestone", "changed", "Geplande datum", "1 maart 2026", "1 april 2026", alice),
            ("bill", "changed", "Fase", "Aangekondigd", "Voorbereiding", alice),
            ("bill", "changed", "In deze fase sinds", "", "5 januari 2026", alice),
            ("milestone", "created", "", "", "", None),
            ("bill", "created", "", "", "", None),
        ]
        assert changes[2].object_label == "Akkoord ministerraad" and changes[0].object_label == str(bill)
        assert changes[0].field == "lead_ministry" and changes[0].history_id == last_record(bill).history_id
        assert changes[0].when > changes[-1].when

    def test_takes_a_bounded_number_of_queries(self, make_bill, charlie, vws, django_assert_max_num_queries):
        bill = make_bill()
        for day in range(1, 6):
            Milestone.objects.create(bill=bill, kind="overig", planned_date=datetime.date(2026, 1, day))
            services.change_bill(bill, by=charlie, owner=charlie if day % 2 else None, co_ministries=[vws][: day % 2])
        with django_assert_max_num_queries(8):
            assert len(history.bill_history(bill)) > 10


class TestRevert:
    def test_a_field_change_is_undone_through_the_rules(self, make_bill, alice, charlie):
        bill = make_bill()
        services.change_bill(bill, by=alice, short_title="Verkeerd")
        change = history.bill_history(bill)[0]
        history.revert(change.model, change.history_id, change.field, by=charlie)
        bill.refresh_from_db()
        assert bill.short_title == "Testwet"
        assert last_record(bill).history_change_reason == "Teruggedraaid door Charlie"

    def test_co_ministries_read_right_across_moves_that_do_not_copy_them(self, make_bill, charlie, vws):
        bill = make_bill("wet")
        services.change_bill(bill, by=charlie, co_ministries=[vws])
        services.move_bill(bill, "voorbereiding", by=charlie)  # a record without the co-ministries
        assert not last_record(bill).co_ministries_recorded
        services.change_bill(bill, by=charlie, co_ministries=[])
        services.move_bill(bill, "consultatie", by=charlie)
        changes = [c for c in history.bill_history(bill) if c.field == "co_ministries"]
        assert [(c.old, c.new) for c in changes] == [("VWS", ""), ("", "VWS")]
        history.revert("bill", changes[0].history_id, "co_ministries", by=charlie)
        assert list(bill.co_ministries.all()) == [vws]

    def test_a_stage_change_is_undone_by_a_move_back(self, make_bill, alice, charlie):
        bill = make_bill("wet", stage="raad_van_state")
        services.move_bill(bill, "tweede_kamer", by=alice)
        change = next(c for c in history.bill_history(bill) if c.field == "stage")
        history.revert("bill", change.history_id, "stage", by=charlie)
        bill.refresh_from_db()
        assert bill.stage == "raad_van_state"
        assert bill.moves.last().reason == "Teruggedraaid door Charlie" and bill.moves.last().moved_by == charlie

    def test_an_undo_the_rules_refuse_says_why_and_changes_nothing(self, make_bill, charlie):
        bill = make_bill("wet", stage="consultatie")
        services.move_bill(bill, "raad_van_state", by=charlie)
        services.change_bill(bill, by=charlie, instrument="kb")  # a royal decree has no consultation
        change = next(c for c in history.bill_history(bill) if c.field == "stage")
        with pytest.raises(policy.MoveRefused) as refused:
            history.revert("bill", change.history_id, "stage", by=charlie)
        assert refused.value.message == "Een Koninklijk Besluit doorloopt de fase “Consultatie” niet."
        bill.refresh_from_db()
        assert bill.stage == "raad_van_state"

    def test_only_the_latest_value_and_only_the_central_coordinator(self, make_bill, alice, charlie):
        bill = make_bill()
        services.change_bill(bill, by=alice, notes="een")
        services.change_bill(bill, by=alice, notes="twee")
        first = history.bill_history(bill)[1]
        with pytest.raises(history.RevertRefused):
            history.revert("bill", first.history_id, "notes", by=charlie)
        with pytest.raises(history.RevertRefused):
            history.revert("bill", history.bill_history(bill)[0].history_id, "notes", by=alice)
        bill.refresh_from_db()
        assert bill.notes == "twee"

    def test_what_only_the_data_file_changes_is_not_undone_here(self, make_bill, charlie):
        bill = make_bill("wet", stage="raad_van_state")
        services.move_bill(bill, "tweede_kamer", by=charlie, occurred_on=datetime.date(2026, 1, 5))
        entered = next(c for c in history.bill_history(bill) if c.field == "stage_entered_on")
        with pytest.raises(history.RevertRefused):
            history.revert("bill", entered.history_id, "stage_entered_on", by=charlie)


class TestAdminPages:
    def test_the_central_coordinator_sees_the_history_and_undoes_a_change(self, client, charlie, make_bill):
        bill = make_bill()
        services.move_bill(bill, "voorbereiding", by=charlie)
        services.change_bill(bill, by=charlie, official_title="Wet verbetering beschikbaarheid jeugdzorg")
        change, moved = history.bill_history(bill)[0], history.bill_history(bill)[1]
        as_staff(client, charlie)
        page = client.get(reverse("admin:legislation_bill_history", args=[bill.pk])).content.decode()
        undo = reverse("admin:legislation_bill_revert", args=[bill.pk, "bill", change.history_id, "official_title"])
        assert "officiële titel" in page.lower() and "Wet verbetering beschikbaarheid jeugdzorg" in page
        assert undo in page
        entered = reverse("admin:legislation_bill_revert", args=[bill.pk, "bill", moved.history_id, "stage_entered_on"])
        assert reverse("admin:legislation_bill_revert", args=[bill.pk, "bill", moved.history_id, "stage"]) in page
        assert entered not in page and client.get(entered).status_code == 404
        assert "Wet verbetering beschikbaarheid jeugdzorg" in client.get(undo).content.decode()
        assert client.post(undo).status_code == 302
        bill.refresh_from_db()
        assert bill.official_title == ""

    def test_a_coordinator_sees_the_history_but_undoes_nothing(self, client, alice, make_bill):
        bill = make_bill()
        services.change_bill(bill, by=alice, official_title="Wet verbetering beschikbaarheid jeugdzorg")
        change = history.bill_history(bill)[0]
        as_staff(client, alice)
        page = client.get(reverse("admin:legislation_bill_history", args=[bill.pk]))
        assert page.status_code == 200 and "Terugdraaien" not in page.content.decode()
        undo = reverse("admin:legislation_bill_revert", args=[bill.pk, "bill", change.history_id, "official_title"])
        assert client.post(undo).status_code == 403
