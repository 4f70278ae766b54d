import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from legislation import policy, selectors
from legislation.models import Milestone, Move, Stage
from legislation.policy import MoveRefused, NeedsReason, NotAllowed, StaleVersion
from legislation.services import move_bill, set_flag


def walk(bill, *stages, reason=""):
    for stage in stages:
        move_bill(bill, stage, reason=reason)
    return bill


@pytest.mark.parametrize("instrument", ["wet", "rijkswet", "eu_implementatie", "onbekend"])
def test_a_law_walks_the_whole_main_line(make_bill, instrument):
    bill = make_bill(instrument)
    walk(bill, *policy.MAIN_LINE[1:])
    assert bill.stage == Stage.IN_WERKING
    assert [m.to_stage for m in bill.moves.all()] == list(policy.MAIN_LINE[1:])


@pytest.mark.parametrize(
    "instrument, path",
    [
        ("amvb", ["voorbereiding", "consultatie", "raad_van_state", "gepubliceerd", "in_werking"]),
        ("kb", ["voorbereiding", "raad_van_state", "gepubliceerd", "in_werking"]),
        ("ministeriele_regeling", ["voorbereiding", "consultatie", "gepubliceerd", "in_werking"]),
        ("amvrb", ["voorbereiding", "consultatie", "raad_van_state", "gepubliceerd", "in_werking"]),
        ("circulaire", ["voorbereiding", "gepubliceerd", "in_werking"]),
        ("besluit", ["voorbereiding", "gepubliceerd", "in_werking"]),
    ],
)
def test_lower_regulation_walks_its_own_path(make_bill, instrument, path):
    bill = walk(make_bill(instrument), *path)
    assert bill.stage == Stage.IN_WERKING


@pytest.mark.parametrize(
    "instrument, stage",
    [
        ("amvb", "tweede_kamer"),
        ("amvb", "eerste_kamer"),
        ("kb", "consultatie"),
        ("kb", "tweede_kamer"),
        ("ministeriele_regeling", "raad_van_state"),
        ("ministeriele_regeling", "eerste_kamer"),
        ("amvrb", "tweede_kamer"),
        ("circulaire", "consultatie"),
        ("circulaire", "raad_van_state"),
        ("besluit", "tweede_kamer"),
    ],
)
def test_a_stage_off_the_instruments_path_is_refused(make_bill, instrument, stage):
    bill = make_bill(instrument, stage="voorbereiding")
    with pytest.raises(MoveRefused) as refused:
        move_bill(bill, stage, reason="zo is het")
    assert not isinstance(refused.value, NeedsReason)
    bill.refresh_from_db()
    assert bill.stage == "voorbereiding" and bill.version == 1 and not bill.moves.exists()


def test_skipping_stages_forward_is_free_except_consultation(make_bill):
    bill = make_bill("wet")
    move_bill(bill, "consultatie")  # skips drafting: fine
    assert bill.stage == "consultatie"

    other = make_bill("wet", stage="voorbereiding")
    with pytest.raises(NeedsReason):
        move_bill(other, "raad_van_state")
    move_bill(other, "raad_van_state", reason="Spoedwet: consultatie overgeslagen")
    assert other.moves.get().reason == "Spoedwet: consultatie overgeslagen"


def test_a_kb_skips_no_consultation_because_it_has_none(make_bill):
    bill = make_bill("kb", stage="voorbereiding")
    move_bill(bill, "gepubliceerd")
    assert bill.stage == "gepubliceerd"


def test_moving_back_needs_a_reason(make_bill):
    bill = make_bill("wet", stage="raad_van_state")
    with pytest.raises(NeedsReason):
        move_bill(bill, "voorbereiding")
    with pytest.raises(NeedsReason):
        move_bill(bill, "voorbereiding", reason="   ")
    move = move_bill(bill, "voorbereiding", reason="Raad van State adviseert niet indienen")
    assert (move.from_stage, move.to_stage) == ("raad_van_state", "voorbereiding")


def test_the_same_stage_and_unknown_stages_are_refused(make_bill):
    bill = make_bill("wet", stage="consultatie")
    with pytest.raises(MoveRefused):
        move_bill(bill, "consultatie", reason="nogmaals")
    with pytest.raises(MoveRefused):
        move_bill(bill, "prullenbak", reason="weg ermee")
    assert not bill.moves.exists()


def test_a_constitutional_amendment_needs_two_readings(make_bill):
    bill = make_bill("grondwet", stage="eerste_kamer")
    move_bill(bill, "gepubliceerd")
    with pytest.raises(MoveRefused):
        move_bill(bill, "in_werking")
    move = move_bill(bill, "tweede_kamer")  # the second reading starts: forward, no reason needed
    assert move.reading == bill.reading == 2
    walk(bill, "eerste_kamer", "gepubliceerd", "in_werking")
    assert bill.stage == "in_werking" and bill.reading == 2


class TestEndStates:
    def test_dropping_needs_a_reason(self, make_bill):
        bill = make_bill("wet", stage="voorbereiding")
        with pytest.raises(NeedsReason):
            move_bill(bill, "vervallen")
        move_bill(bill, "vervallen", reason="Opgegaan in de asielnoodmaatregelenwet")
        assert bill.stage == "vervallen"

    @pytest.mark.parametrize("end_state", ["ingetrokken", "verworpen"])
    @pytest.mark.parametrize("stage", ["aangekondigd", "voorbereiding", "consultatie", "raad_van_state"])
    def test_withdrawn_or_rejected_only_after_submission(self, make_bill, end_state, stage):
        bill = make_bill("wet", stage=stage)
        with pytest.raises(MoveRefused) as refused:
            move_bill(bill, end_state, reason="reden")
        assert not isinstance(refused.value, NeedsReason)

    @pytest.mark.parametrize("end_state", ["ingetrokken", "verworpen"])
    @pytest.mark.parametrize("stage", ["tweede_kamer", "eerste_kamer"])
    def test_withdrawn_or_rejected_in_parliament(self, make_bill, end_state, stage):
        bill = make_bill("wet", stage=stage)
        with pytest.raises(NeedsReason):
            move_bill(bill, end_state)
        move_bill(bill, end_state, reason="Verworpen bij stemming")
        assert bill.moves.get().from_stage == stage

    @pytest.mark.parametrize("stage", ["gepubliceerd", "in_werking"])
    def test_an_enacted_law_does_not_lapse(self, make_bill, stage):
        bill = make_bill("wet", stage=stage)
        with pytest.raises(MoveRefused):
            move_bill(bill, "vervallen", reason="niet meer nodig")

    def test_reopening_needs_a_reason_and_a_stage_on_the_path(self, make_bill):
        bill = make_bill("amvb", stage="vervallen")
        with pytest.raises(MoveRefused):
            move_bill(bill, "ingetrokken", reason="x")
        with pytest.raises(MoveRefused):
            move_bill(bill, "tweede_kamer", reason="x")
        with pytest.raises(NeedsReason):
            move_bill(bill, "voorbereiding")
        move_bill(bill, "voorbereiding", reason="Toch weer opgepakt")
        assert bill.stage == "voorbereiding"


class TestFlags:
    def test_on_hold_is_set_and_lifted_with_a_reason(self, make_bill):
        bill = make_bill("wet", stage="voorbereiding")
        with pytest.raises(NeedsReason):
            set_flag(bill, "aangehouden", True)
        set_flag(bill, "aangehouden", True, reason="Wachten op evaluatie")
        with pytest.raises(MoveRefused):
            set_flag(bill, "aangehouden", True, reason="nog eens")
        with pytest.raises(NeedsReason):
            set_flag(bill, "aangehouden", False)
        set_flag(bill, "aangehouden", False, reason="Evaluatie is er")
        bill.refresh_from_db()
        assert not bill.on_hold and bill.stage == "voorbereiding" and bill.version == 3
        assert [(m.flag, m.flag_set) for m in bill.moves.all()] == [("aangehouden", True), ("aangehouden", False)]

    def test_lifting_a_flag_that_is_not_set_is_refused(self, make_bill):
        with pytest.raises(MoveRefused):
            set_flag(make_bill("wet"), "controversieel", False, reason="x")

    def test_only_a_bill_in_parliament_can_be_controversial(self, make_bill):
        with pytest.raises(MoveRefused):
            set_flag(make_bill("wet", stage="raad_van_state"), "controversieel", True, reason="kabinet gevallen")
        bill = make_bill("wet", stage="tweede_kamer")
        set_flag(bill, "controversieel", True, reason="Controversieel verklaard na val kabinet")
        assert bill.controversial

    def test_no_flags_on_an_end_state_or_unknown_flags(self, make_bill):
        with pytest.raises(MoveRefused):
            set_flag(make_bill("wet", stage="vervallen"), "aangehouden", True, reason="x")
        with pytest.raises(MoveRefused):
            set_flag(make_bill("wet"), "vergeten", True, reason="x")


class TestRecording:
    def test_a_move_records_who_when_from_to_reason_and_source(self, make_bill, alice):
        bill = make_bill("wet", stage="consultatie")
        move = move_bill(
            bill, "raad_van_state", by=alice, source="Kamerstuk 36000", occurred_on=datetime.date(2025, 3, 1)
        )
        move = Move.objects.get(pk=move.pk)
        assert (move.moved_by, move.from_stage, move.to_stage, move.source) == (
            alice, "consultatie", "raad_van_state", "Kamerstuk 36000"
        )
        assert move.occurred_on == datetime.date(2025, 3, 1) and move.recorded_at is not None
        bill.refresh_from_db()
        assert bill.stage_entered_on == datetime.date(2025, 3, 1)
        assert bill.version == 2
        assert "stage" in bill.edited_fields

    def test_reaching_a_stage_meets_its_milestone_going_forward_only(self, make_bill):
        bill = make_bill("wet", stage="raad_van_state")
        submission = Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2025, 6, 1))
        vote = Milestone.objects.create(bill=bill, kind="stemming_tk", planned_date=datetime.date(2025, 9, 1))
        move_bill(bill, "tweede_kamer", occurred_on=datetime.date(2025, 5, 20))
        move_bill(bill, "raad_van_state", reason="Nader advies nodig")
        submission.refresh_from_db()
        vote.refresh_from_db()
        assert submission.actual_date == datetime.date(2025, 5, 20)
        assert vote.actual_date is None

    def test_a_move_on_a_stale_version_changes_nothing(self, make_bill, alice):
        bill = make_bill("wet", stage="voorbereiding")
        seen = bill.version
        move_bill(bill, "consultatie", by=alice)  # someone else moves it first
        with pytest.raises(StaleVersion):
            move_bill(bill, "raad_van_state", by=alice, expected_version=seen)
        bill.refresh_from_db()
        assert bill.stage == "consultatie" and bill.moves.count() == 1

    def test_two_copies_of_one_bill_cannot_both_move(self, make_bill):
        bill = make_bill("wet")
        mine, theirs = type(bill).objects.get(pk=bill.pk), type(bill).objects.get(pk=bill.pk)
        move_bill(theirs, "voorbereiding")
        with pytest.raises(StaleVersion):
            move_bill(mine, "consultatie")
        assert bill.moves.count() == 1


class TestPermissions:
    def test_a_coordinator_moves_the_bills_of_their_ministry(self, make_bill, alice):
        bill = make_bill("wet")
        move_bill(bill, "voorbereiding", by=alice)
        assert bill.stage == "voorbereiding"

    def test_a_coordinator_may_not_move_another_ministrys_bill(self, make_bill, bob):
        bill = make_bill("wet")
        with pytest.raises(NotAllowed):
            move_bill(bill, "voorbereiding", by=bob)
        with pytest.raises(NotAllowed):
            set_flag(bill, "aangehouden", True, by=bob, reason="x")
        bill.refresh_from_db()
        assert bill.stage == "aangekondigd" and not bill.on_hold and not bill.moves.exists()

    def test_a_co_responsible_ministry_may_move_too(self, make_bill, bob, vws):
        bill = make_bill("wet")
        bill.co_ministries.add(vws)
        move_bill(bill, "voorbereiding", by=bob)
        assert bill.stage == "voorbereiding"

    def test_the_central_coordinator_moves_everything(self, make_bill, charlie, vws):
        bill = make_bill("wet", lead_ministry=vws)
        move_bill(bill, "voorbereiding", by=charlie)
        assert selectors.may_change(charlie, bill)

    def test_viewers_and_anonymous_users_may_not_change(self, make_bill, dave):
        bill = make_bill("wet")
        assert not selectors.may_change(dave, bill)
        assert not selectors.may_change(AnonymousUser(), bill)
        dave.is_active = False
        assert not selectors.may_change(dave, bill)


def test_allowed_targets_follow_the_rules(make_bill):
    assert list(policy.allowed_targets(policy.Position.of(make_bill("ministeriele_regeling", stage="consultatie")))) == [
        "aangekondigd", "voorbereiding", "gepubliceerd", "in_werking", "vervallen"
    ]


def test_refusals_are_explained_in_dutch(make_bill):
    bill = make_bill("amvb", stage="raad_van_state")
    with translation.override("nl"):
        with pytest.raises(MoveRefused) as refused:
            move_bill(bill, "tweede_kamer")
        assert refused.value.message == "Een AMvB doorloopt de fase “Tweede Kamer” niet."
        with pytest.raises(NeedsReason) as refused:
            move_bill(bill, "voorbereiding")
        assert refused.value.message == "Terugzetten van “Advies Raad van State” naar “Voorbereiding” vraagt om een reden."


@pytest.mark.parametrize(
    "instrument, stage, reading, expected",
    [
        ("wet", "aangekondigd", 1, "voorbereiding"),
        ("amvb", "raad_van_state", 1, "gepubliceerd"),
        ("kb", "voorbereiding", 1, "raad_van_state"),
        ("ministeriele_regeling", "consultatie", 1, "gepubliceerd"),
        ("grondwet", "gepubliceerd", 1, "tweede_kamer"),
        ("grondwet", "gepubliceerd", 2, "in_werking"),
        ("wet", "in_werking", 1, None),
        ("wet", "vervallen", 1, None),
    ],
)
def test_the_next_stage_follows_the_instruments_path(make_bill, instrument, stage, reading, expected):
    assert policy.next_stage(policy.Position.of(make_bill(instrument, stage=stage, reading=reading))) == expected


def test_the_policy_decides_on_plain_facts_without_the_database():
    """No `db` fixture here: pytest-django fails any query, so the policy must not make one."""
    position = policy.Position("ministeriele_regeling", "consultatie", 1)
    assert policy.allowed_targets(position) == ("aangekondigd", "voorbereiding", "gepubliceerd", "in_werking",
                                                "vervallen")
    assert policy.next_stage(position) == "gepubliceerd"
    coordinator = SimpleNamespace(is_active=True, ministry_ids=frozenset({1}), steers_all=False)
    assert policy.may_change(coordinator, 1, iter(()))
    assert policy.may_change(coordinator, 2, iter([1]))
    assert not policy.may_change(coordinator, 2, iter([3]))
    central = SimpleNamespace(is_active=True, ministry_ids=frozenset(), steers_all=True)
    assert policy.may_change(central, 2, ())
    with pytest.raises(NeedsReason):
        policy.check_flag("tweede_kamer", [], "controversieel", True)
