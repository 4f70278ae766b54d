"""The bulk actions of the admin: preview what the rules will do, apply only that, report per bill."""

import datetime

import pytest
from django.contrib.messages import get_messages

from legislation import services
from legislation.models import Milestone, Move
from tests.test_admin import CHANGELIST, as_staff


def act(client, action, bills, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [bill.pk for bill in bills], **data})


def preview(client, action, bills, **data):
    response = act(client, action, bills, preview="1", **data)
    assert response.status_code == 200, response
    return {outcome.bill.key: outcome for outcome in response.context["outcomes"]}


def apply(client, action, bills, **data):
    versions = {f"version-{bill.pk}": bill.version for bill in bills}
    response = act(client, action, bills, apply="1", **versions, **data)
    assert response.status_code == 302
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def refreshed(*bills):
    for bill in bills:
        bill.refresh_from_db()
    return bills


class TestMoveToAStage:
    def test_first_asks_where_to(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill()
        response = act(client, "move_to_stage", [bill])
        assert response.status_code == 200 and not response.context["outcomes"]
        assert bill.key in response.content.decode()

    def test_shows_what_the_rules_will_do_then_moves_only_what_they_allow(self, client, charlie, make_bill):
        as_staff(client, charlie)
        forward = make_bill("wet", stage="voorbereiding")
        off_path = make_bill("kb", stage="voorbereiding")
        back = make_bill("wet", stage="raad_van_state")
        back_without_reason = make_bill("wet", stage="tweede_kamer")
        bills = [forward, off_path, back, back_without_reason]

        outcomes = preview(client, "move_to_stage", bills, stage="consultatie")
        assert outcomes[forward.key].effect == "van “Voorbereiding” naar “Consultatie”"
        assert outcomes[off_path.key].refusal == "Een Koninklijk Besluit doorloopt de fase “Consultatie” niet."
        assert not outcomes[off_path.key].needs_reason
        assert outcomes[back.key].needs_reason and outcomes[back_without_reason.key].needs_reason
        assert not Move.objects.filter(bill__in=bills).exists(), "the preview changes nothing"

        reported = apply(client, "move_to_stage", bills, stage="consultatie",
                         **{f"reason-{back.pk}": "Raad van State adviseert niet indienen"})
        refreshed(*bills)
        assert [bill.stage for bill in bills] == ["consultatie", "voorbereiding", "consultatie", "tweede_kamer"]
        assert back.moves.get().reason == "Raad van State adviseert niet indienen"
        assert back.moves.get().moved_by == charlie
        assert [level for level, _ in reported] == ["success", "error", "success", "error"]
        assert reported[3][1].startswith(str(back_without_reason)) and "vraagt om een reden" in reported[3][1]

    def test_a_coordinator_moves_only_their_own_ministrys_bills(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        own, other = make_bill(), make_bill(lead_ministry=vws)
        outcomes = preview(client, "move_to_stage", [own, other], stage="voorbereiding")
        assert outcomes[other.key].refusal == "U mag alleen de dossiers van uw eigen ministerie wijzigen."
        apply(client, "move_to_stage", [own, other], stage="voorbereiding")
        assert [bill.stage for bill in refreshed(own, other)] == ["voorbereiding", "aangekondigd"]
        assert other.version == 1 and not other.moves.exists()

    def test_a_bill_changed_after_the_preview_is_left_as_it_is(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill("kb")
        preview(client, "move_to_stage", [bill], stage="raad_van_state")
        seen = type(bill).objects.get(pk=bill.pk)
        services.move_bill(bill, "voorbereiding")  # meanwhile, on the board
        reported = apply(client, "move_to_stage", [seen], stage="raad_van_state")
        assert reported[0][0] == "error" and "Iemand anders" in reported[0][1]
        assert refreshed(bill)[0].stage == "voorbereiding"


class TestSetLeadMinistry:
    def test_sets_it_through_the_rules(self, client, charlie, make_bill, jenv, vws):
        as_staff(client, charlie)
        moving, staying = make_bill(), make_bill(lead_ministry=vws)
        outcomes = preview(client, "set_lead_ministry", [moving, staying], lead_ministry=vws.pk)
        assert outcomes[moving.key].effect == "JenV → VWS"
        assert outcomes[staying.key].effect == "ongewijzigd: al VWS"
        apply(client, "set_lead_ministry", [moving, staying], lead_ministry=vws.pk)
        refreshed(moving, staying)
        assert (moving.lead_ministry, staying.lead_ministry) == (vws, vws)
        assert "lead_ministry" in moving.edited_fields and staying.version == 1
        assert moving.history.first().history_user == charlie

    def test_the_previews_counts_match_its_rows(self, client, charlie, make_bill, vws):
        as_staff(client, charlie)
        moving, staying = make_bill(), make_bill(lead_ministry=vws)
        response = act(client, "set_lead_ministry", [moving, staying], preview="1", lead_ministry=vws.pk)
        assert response.context["counts"] == {"applies": 1, "unchanged": 1, "asks": 0, "refused": 0}
        assert "Verandert: 1. Blijft gelijk: 1. Vraagt om een reden: 0. Geweigerd: 0." in response.content.decode()

    def test_refuses_another_ministrys_bill(self, client, alice, make_bill, jenv, vws):
        as_staff(client, alice)
        other = make_bill(lead_ministry=vws)
        reported = apply(client, "set_lead_ministry", [other], lead_ministry=jenv.pk)
        assert reported == [("error", f"{other}: U mag alleen de dossiers van uw eigen ministerie wijzigen.")]
        assert refreshed(other)[0].lead_ministry == vws


class TestSetOwner:
    def test_sets_it_through_the_rules(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        own, other = make_bill(), make_bill(lead_ministry=vws)
        outcomes = preview(client, "set_owner", [own, other], owner=alice.pk)
        assert outcomes[own.key].effect == "— → alice" and outcomes[other.key].refusal
        apply(client, "set_owner", [own, other], owner=alice.pk)
        assert [bill.owner for bill in refreshed(own, other)] == [alice, None]


class TestShiftPlannedDates:
    @pytest.fixture
    def planned(self, make_bill):
        bill = make_bill()
        return bill, [
            Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1)),
            Milestone.objects.create(bill=bill, kind="consultatie_start", planned_date=datetime.date(2025, 1, 1),
                                     actual_date=datetime.date(2025, 1, 8)),
            Milestone.objects.create(bill=bill, kind="publicatie"),
        ]

    def test_shifts_only_the_dates_still_to_be_met(self, client, charlie, planned):
        as_staff(client, charlie)
        bill, (open_, met, unplanned) = planned
        outcomes = preview(client, "shift_planned_dates", [bill], days=30)
        assert outcomes[bill.key].effect == "Akkoord ministerraad: 1 maart 2026 → 31 maart 2026"
        apply(client, "shift_planned_dates", [bill], days=30)
        for milestone in planned[1]:
            milestone.refresh_from_db()
        assert (open_.planned_date, met.planned_date, unplanned.planned_date) == (
            datetime.date(2026, 3, 31), datetime.date(2025, 1, 1), None
        )
        assert open_.history.first().history_user == charlie

    def test_refuses_another_ministrys_bill_and_zero_days(self, client, bob, planned):
        as_staff(client, bob)
        bill, (open_, *_) = planned
        assert preview(client, "shift_planned_dates", [bill], days=7)[bill.key].refusal
        apply(client, "shift_planned_dates", [bill], days=7)
        open_.refresh_from_db()
        assert open_.planned_date == datetime.date(2026, 3, 1)
        response = act(client, "shift_planned_dates", [bill], preview="1", days=0)
        assert response.context["form"].errors["days"]
