"""The sync as a whole: each source on its own (a timeout, a 500, no internet), what /health/ and the admin say
about it, and the review list where people decide what the public record only proposes."""

import datetime
import logging
import re
import sys
import threading
import time
import types
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from werkzeug import Response

import tweedekamer_server
from legislation.models import Identifier, Milestone, Move
from legislation.policy import MAX_MILESTONES
from publicrecord import sync as sync_module
from publicrecord.apply import apply_findings
from publicrecord.findings import Finding
from publicrecord.models import Document, Outcome, Proposal, Source, SourceState
from publicrecord.sources import Reading
from publicrecord.sync import sync
from publicrecord.tasks import sync_public_record

tk, linked = tweedekamer_server.tk, tweedekamer_server.linked
OTHER = "test_public_record_other_source"


def finding(number, **fields):
    """A finding of the Wetgevingskalender's kind, for the source that stands in for it here."""
    defaults = {"document_id": f"regeling/{number}/fase", "identifier_kind": "wetgevingskalender",
                "identifier": f"WGK{number:06d}", "title": "Fase Raad van State", "date": datetime.date(2026, 5, 4),
                "url": f"https://wetgevingskalender.overheid.nl/regeling/WGK{number:06d}",
                "document_type": "Fase", "stage": "raad_van_state"}
    return Finding(**{**defaults, **fields})


@pytest.fixture
def other_source(monkeypatch, make_bill):
    """A second source that answers well: one bill in drafting that its record puts before the Raad van State."""
    module = types.ModuleType(OTHER)
    module.SOURCE = Source.WETGEVINGSKALENDER
    module.read = lambda http, identifiers, cursor: Reading(findings=[finding(12)], cursor="2026-05-04")
    monkeypatch.setitem(sys.modules, OTHER, module)
    monkeypatch.setitem(sync_module.SOURCES, Source.WETGEVINGSKALENDER, OTHER)
    bill = make_bill(stage="consultatie")
    Identifier.objects.create(bill=bill, kind="wetgevingskalender", value="WGK000012")
    return bill


BOTH = [Source.TWEEDE_KAMER, Source.WETGEVINGSKALENDER]


def test_a_timeout_of_one_source_is_recorded_the_others_go_on_and_the_next_run_catches_up(
        tk, linked, other_source, settings):
    settings.PUBLIC_RECORD_TIMEOUT = 0.3
    tk.dossiers["36546"] = "dossier-36546-submitted.json"
    bill = linked("36546", stage="raad_van_state")
    slow, answered = tk.feed_page, threading.Event()

    def too_slow(request):
        time.sleep(1)
        answered.set()
        return slow(request)

    tk.feed_page = too_slow
    report = sync(BOTH)
    assert "antwoordde niet binnen 0.3 seconden" in report.failures["tweedekamer"]
    other_source.refresh_from_db()
    assert other_source.stage == "raad_van_state"  # the other source went on
    state = SourceState.objects.get(source="tweedekamer")
    assert (state.failures, state.cursor, state.last_success_at) == (1, "", None)
    assert state.last_attempt_at is not None and "antwoordde niet binnen" in state.last_error

    tk.feed_page = slow
    answered.wait(5)  # the server answers one request at a time: let it finish the late one
    report = sync(BOTH)
    assert not report.failures
    bill.refresh_from_db()
    assert bill.stage == "tweede_kamer"
    state.refresh_from_db()
    assert (state.failures, state.last_error, state.cursor) == (0, "", "18220415")
    assert state.last_success_at is not None
    assert SourceState.objects.get(source="wetgevingskalender").cursor == "2026-05-04"


def test_a_500_is_recorded_for_that_source_and_counted_until_it_answers(tk, linked, other_source, caplog):
    tk.feed_page = lambda request: Response("Internal Server Error", status=500)
    sync(BOTH)
    report = sync(BOTH)
    assert "antwoordde met status 500" in report.failures["tweedekamer"]
    assert "wetgevingskalender" not in report.failures
    state = SourceState.objects.get(source="tweedekamer")
    assert state.failures == 2 and "status 500" in state.last_error
    assert "was not read" in caplog.text  # logged for whoever runs it


def test_without_internet_one_run_says_so_in_one_line_and_changes_nothing(linked, settings, caplog):
    for name in ("TWEEDEKAMER_ODATA_URL", "TWEEDEKAMER_SYNCFEED_URL", "WETGEVINGSKALENDER_URL", "KOOP_SRU_URL"):
        setattr(settings, name, "http://127.0.0.1:9")  # the discard port: nothing listens
    bill = linked("36546", stage="raad_van_state")
    moves = Move.objects.count()
    out = StringIO()
    with caplog.at_level(logging.WARNING):
        call_command("sync_public_record", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("De openbare bronnen zijn niet bereikbaar (")
    assert lines[0].endswith("er is niets veranderd.")
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    bill.refresh_from_db()
    assert bill.stage == "raad_van_state" and Move.objects.count() == moves and not Document.objects.exists()
    assert SourceState.objects.get(source="tweedekamer").failures == 1


def test_the_command_reads_only_the_sources_asked_for(other_source, settings):
    settings.TWEEDEKAMER_SYNCFEED_URL = "http://127.0.0.1:9"
    out = StringIO()
    call_command("sync_public_record", "--source", "wetgevingskalender", stdout=out)
    assert out.getvalue().strip() == "Wetgevingskalender: 1 uitgevoerd"
    assert not SourceState.objects.filter(source="tweedekamer").exists()


def test_the_beat_schedule_runs_the_task_which_syncs(other_source, settings, monkeypatch):
    entry = django_settings.CELERY_BEAT_SCHEDULE["sync-public-record"]
    assert (entry["task"], entry["schedule"]) == ("publicrecord.tasks.sync_public_record", 3600)
    monkeypatch.setattr(sync_module, "installed_sources", lambda: [Source.WETGEVINGSKALENDER])
    sync_public_record.delay()
    other_source.refresh_from_db()
    assert other_source.stage == "raad_van_state"


def test_health_lists_each_source_and_a_failing_one_does_not_change_the_verdict(client, tk, other_source):
    tk.feed_page = lambda request: Response("Internal Server Error", status=500)
    before = client.get("/health/").json()
    assert before["public_record"]["tweedekamer"] == {"ok": False, "detail": "not read yet"}
    sync(BOTH)
    response = client.get("/health/")
    body = response.json()
    sources = body["public_record"]
    assert sources["tweedekamer"]["ok"] is False and sources["tweedekamer"]["failures"] == 1
    assert "status 500" in sources["tweedekamer"]["error"]
    assert sources["wetgevingskalender"]["ok"] is True and sources["wetgevingskalender"]["last_success"]
    assert body["ok"] == before["ok"] == all(body[name]["ok"] for name in ("database", "redis", "reminder_sweep"))
    assert response.status_code == (200 if body["ok"] else 503)


def test_the_admin_lists_sources_documents_and_proposals_to_read_only(admin_client, tk, linked):
    tk.dossiers["36547"] = "dossier-36547-rejected.json"
    linked("36547", stage="tweede_kamer")
    sync([Source.TWEEDE_KAMER])
    tk.feed_page = lambda request: Response("Internal Server Error", status=500)
    sync([Source.TWEEDE_KAMER])
    states = admin_client.get(reverse("admin:publicrecord_sourcestate_changelist")).content.decode()
    assert "Open data van de Tweede Kamer" in states and "antwoordde met status 500" in states
    documents = admin_client.get(reverse("admin:publicrecord_document_changelist")).content.decode()
    assert "Verworpen. (Wijziging van de Wegenverkeerswet 1994" in documents
    proposals = admin_client.get(reverse("admin:publicrecord_proposal_changelist")).content.decode()
    assert "Verworpen" in proposals
    assert admin_client.get(reverse("admin:publicrecord_proposal_add")).status_code == 403


class TestApply:
    def test_a_finding_applied_twice_changes_the_item_once(self, make_bill):
        bill = make_bill(stage="consultatie")
        Identifier.objects.create(bill=bill, kind="wetgevingskalender", value="WGK000012")
        assert apply_findings("wetgevingskalender", [finding(12)]) == {Outcome.APPLIED: 1}
        assert apply_findings("wetgevingskalender", [finding(12)]) == {Outcome.ALREADY_KNOWN: 1}
        assert bill.moves.count() == 1 and Document.objects.filter(bill=bill).count() == 1

    def test_a_finding_older_than_the_items_stage_changes_nothing(self, make_bill):
        bill = make_bill(stage="eerste_kamer", stage_entered_on=datetime.date(2026, 9, 1))
        Identifier.objects.create(bill=bill, kind="wetgevingskalender", value="WGK000012")
        assert apply_findings("wetgevingskalender", [finding(12)]) == {Outcome.ALREADY_KNOWN: 1}
        bill.refresh_from_db()
        assert bill.stage == "eerste_kamer" and not bill.moves.exists() and not Proposal.objects.exists()

    def test_a_document_the_rules_cannot_take_is_left_for_a_later_run_while_the_others_go_on(self, make_bill):
        full = make_bill(stage="raad_van_state")
        Milestone.objects.bulk_create(Milestone(bill=full, kind="overig") for _ in range(MAX_MILESTONES))
        other = make_bill(stage="consultatie")
        for bill, number in ((full, 12), (other, 13)):
            Identifier.objects.create(bill=bill, kind="wetgevingskalender", value=f"WGK{number:06d}")
        advice = {"stage": None, "milestone": "advies_rvs"}
        outcomes = apply_findings("wetgevingskalender", [finding(12, **advice), finding(13)])
        assert outcomes == {Outcome.NOT_UNDERSTOOD: 1, Outcome.APPLIED: 1}
        assert not Document.objects.filter(bill=full).exists()  # tried again next time

    def test_a_newer_finding_of_an_earlier_stage_is_proposed_as_a_move_back(self, make_bill):
        bill = make_bill(stage="eerste_kamer", stage_entered_on=datetime.date(2026, 4, 1))
        Identifier.objects.create(bill=bill, kind="wetgevingskalender", value="WGK000012")
        assert apply_findings("wetgevingskalender", [finding(12)]) == {Outcome.PROPOSED: 1}
        (proposal,) = Proposal.objects.all()
        assert proposal.to_stage == "raad_van_state" and "zet het terug" in proposal.reason


@pytest.fixture
def rejected(make_bill, vws):
    """A JenV bill and a VWS bill before the Tweede Kamer, each with an open proposal to mark it rejected."""
    bills = [make_bill(stage="tweede_kamer"), make_bill(stage="tweede_kamer", lead_ministry=vws)]
    for number, bill in enumerate(bills, start=40):
        Identifier.objects.create(bill=bill, kind="wetgevingskalender", value=f"WGK{number:06d}")
        apply_findings("wetgevingskalender", [finding(number, stage="verworpen", title="Verworpen door de Tweede Kamer",
                                                      date=datetime.date(2026, 9, 29))])
    return bills


class TestReviewList:
    def test_coordinators_see_the_proposals_of_their_items_linked_from_the_menu(self, client, alice, rejected):
        client.force_login(alice)
        page = client.get(reverse("board")).content.decode()
        assert re.search(r'<a href="/openbare-bron/voorstellen/"\s*>Voorstellen \(1\)</a>', page)
        page = client.get(reverse("proposal-list")).content.decode()
        assert rejected[0].key in page and rejected[1].key not in page
        assert "Verworpen door de Tweede Kamer" in page and "https://wetgevingskalender.overheid.nl/regeling/" in page

    def test_the_central_coordinator_sees_all_and_someone_without_items_none(self, client, charlie, dave, rejected):
        client.force_login(charlie)
        page = client.get(reverse("proposal-list")).content.decode()
        assert rejected[0].key in page and rejected[1].key in page
        client.force_login(dave)
        page = client.get(reverse("board")).content.decode()
        assert "Voorstellen (" not in page
        assert "Er wacht niets op u" in client.get(reverse("proposal-list")).content.decode()

    def test_accepting_moves_the_item_in_the_persons_name_citing_the_document(self, client, alice, rejected):
        bill = rejected[0]
        proposal = Proposal.objects.get(bill=bill)
        client.force_login(alice)
        response = client.post(reverse("proposal-accept", kwargs={"pk": proposal.pk}), follow=True)
        assert "staat nu in “Verworpen”" in response.content.decode()
        bill.refresh_from_db()
        assert (bill.stage, bill.stage_entered_on) == ("verworpen", datetime.date(2026, 9, 29))
        move = bill.moves.get()
        assert move.moved_by == alice
        assert move.reason == "Overgenomen uit de openbare bron: Verworpen door de Tweede Kamer"
        assert move.source == ("Verworpen door de Tweede Kamer (2026-09-29), "
                               "https://wetgevingskalender.overheid.nl/regeling/WGK000040")
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by) == ("accepted", alice)
        again = client.post(reverse("proposal-accept", kwargs={"pk": proposal.pk}), follow=True)
        assert "Over dit voorstel is al beslist." in again.content.decode()
        assert bill.moves.count() == 1

    def test_dismissing_leaves_the_item_as_it_is(self, client, charlie, rejected):
        bill = rejected[1]
        proposal = Proposal.objects.get(bill=bill)
        client.force_login(charlie)
        client.post(reverse("proposal-dismiss", kwargs={"pk": proposal.pk}))
        proposal.refresh_from_db()
        bill.refresh_from_db()
        assert (proposal.status, proposal.decided_by, bill.stage) == ("dismissed", charlie, "tweede_kamer")
        assert not bill.moves.exists()

    def test_only_those_who_may_change_the_item_may_decide(self, client, bob, dave, rejected):
        proposal = Proposal.objects.get(bill=rejected[0])  # a JenV item
        for user in (bob, dave):
            client.force_login(user)
            assert client.post(reverse("proposal-accept", kwargs={"pk": proposal.pk})).status_code == 403
            assert client.post(reverse("proposal-dismiss", kwargs={"pk": proposal.pk})).status_code == 403
        proposal.refresh_from_db()
        rejected[0].refresh_from_db()
        assert (proposal.status, rejected[0].stage) == ("open", "tweede_kamer")

    def test_a_get_changes_nothing(self, client, alice, rejected):
        proposal = Proposal.objects.get(bill=rejected[0])
        client.force_login(alice)
        assert client.get(reverse("proposal-accept", kwargs={"pk": proposal.pk})).status_code == 405
        proposal.refresh_from_db()
        assert proposal.status == "open"
