"""The Wetgevingskalender source against its recorded regulation records (tests/recordings/wetgevingskalender/),
served by a real loopback HTTP server."""

import datetime
from datetime import date
import time
from pathlib import Path

import pytest
import time_machine
from werkzeug import Response

from legislation.identifiers import IdentifierKind
from legislation.models import Identifier, MilestoneKind, Stage
from publicrecord.models import Outcome, Source
from publicrecord.sources import SourceUnavailable, client, wetgevingskalender
from publicrecord.sync import sync

RECORDINGS = Path(__file__).parent / "recordings" / "wetgevingskalender"
# The recordings are read as of this day: what is dated after it is a plan.
TODAY = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)


def recording(name):
    return (RECORDINGS / name).read_bytes()


@pytest.fixture
def kalender(httpserver, settings):
    settings.WETGEVINGSKALENDER_URL = httpserver.url_for("").rstrip("/")
    for number in ("WGK013565", "WGK027200"):
        httpserver.expect_request(f"/Regeling/{number}/xml").respond_with_data(
            recording(f"{number}.xml"), content_type="application/xml")
    return httpserver


def read(*numbers, cursor=""):
    with client() as http:
        return wetgevingskalender.read(http, {IdentifierKind.WETGEVINGSKALENDER: set(numbers)}, cursor)


def by_type(reading):
    return {finding.document_type: finding for finding in reading.findings}


@time_machine.travel(TODAY, tick=False)
def test_a_regulation_passed_and_in_force_proves_each_step_with_its_date_and_document(kalender):
    findings = by_type(read("WGK013565"))

    assert {name: (f.milestone, f.stage, f.date) for name, f in findings.items()} == {
        "Indiening bij de Tweede Kamer": (MilestoneKind.INDIENING_TK, Stage.TWEEDE_KAMER, date(2022, 12, 1)),
        "Aanvaarding door de Tweede Kamer": (MilestoneKind.STEMMING_TK, Stage.EERSTE_KAMER, date(2023, 10, 24)),
        "Aanvaarding door de Eerste Kamer": (MilestoneKind.STEMMING_EK, None, date(2024, 3, 12)),
        "Publicatie in het Staatsblad": (MilestoneKind.PUBLICATIE, Stage.GEPUBLICEERD, date(2024, 4, 17)),
        "Inwerkingtreding": (MilestoneKind.INWERKINGTREDING, Stage.IN_WERKING, date(2024, 7, 1)),
    }
    assert not any(f.planned for f in findings.values())
    # "Bekrachtiging" is no milestone the tracker keeps, and "Bekendmaking" is no stage of its own: neither is read.
    published = findings["Publicatie in het Staatsblad"]
    assert published.url == "https://zoek.officielebekendmakingen.nl/stb-2024-88.html"
    assert published.title.startswith("Tijdelijke wet onderzoeken AIVD en MIVD") and published.title.endswith(
        ": Publicatie in het Staatsblad")
    assert {(f.identifier_kind, f.identifier) for f in findings.values()} == {
        (IdentifierKind.WETGEVINGSKALENDER, "WGK013565")}
    # The Kamerstuk dossier the record names is cited, not linked.
    assert findings["Indiening bij de Tweede Kamer"].url == "https://zoek.officielebekendmakingen.nl/dossier/36263"


@time_machine.travel(TODAY, tick=False)
def test_a_regulation_under_way_proves_its_phase_and_announces_its_planned_dates(kalender):
    findings = by_type(read("WGK027200"))

    phase = findings["Actieve fase"]
    assert (phase.stage, phase.milestone, phase.date) == (Stage.RAAD_VAN_STATE, None, datetime.date(2026, 9, 4))
    assert phase.url == f"{kalender.url_for('').rstrip('/')}/Regeling/WGK027200"
    assert phase.title == "Wet gegevensvergaring openbare orde (Raad van State)"

    start, end = findings["Internetconsultatie (start)"], findings["Internetconsultatie (einde)"]
    assert (start.milestone, start.stage, start.date) == (MilestoneKind.CONSULTATIE_START, Stage.CONSULTATIE,
                                                          datetime.date(2025, 7, 4))
    assert (end.milestone, end.date) == (MilestoneKind.CONSULTATIE_EINDE, datetime.date(2025, 9, 12))
    assert start.url == "http://www.internetconsultatie.nl/gegevensvergaringopenbareorde"
    request = findings["Adviesaanvraag"]
    assert (request.milestone, request.stage) == (MilestoneKind.ADVIESAANVRAAG_RVS, Stage.RAAD_VAN_STATE)
    assert request.url.endswith("/Regeling/WGK027200/Download/5d0f6a51-3b1e-4c8e-9a27-2f4f0e6c2d10_1.pdf")
    # The advice has no date yet: nothing to say.
    assert "Advies Raad van State" not in findings

    submission, in_force = findings["Indiening bij de Tweede Kamer"], findings["Inwerkingtreding"]
    assert (submission.milestone, submission.planned, submission.stage, submission.date) == (
        MilestoneKind.INDIENING_TK, True, None, datetime.date(2027, 2, 15))
    assert (in_force.milestone, in_force.planned, in_force.stage, in_force.date) == (
        MilestoneKind.INWERKINGTREDING, True, None, datetime.date(2028, 1, 1))
    # A plan is named by its event and its date (`<event>@<date>`): moved to another date, it is the same milestone.
    assert submission.document_id == "WGK027200/Tweede Kamer/Indiening bij de Tweede Kamer/gepland@2027-02-15"


def test_a_planned_date_that_passes_is_a_new_document_that_meets_the_milestone(kalender):
    with time_machine.travel(TODAY, tick=False):
        planned = by_type(read("WGK027200"))["Indiening bij de Tweede Kamer"]
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        met = by_type(read("WGK027200"))["Indiening bij de Tweede Kamer"]

    assert planned.planned and not met.planned
    assert met.stage == Stage.TWEEDE_KAMER and met.date == planned.date
    assert met.document_id != planned.document_id


@time_machine.travel(TODAY, tick=False)
def test_reading_again_finds_the_same_documents_and_keeps_the_cursor(kalender):
    first, second = read("WGK013565", "WGK027200", cursor="unused"), read("WGK013565", "WGK027200", cursor="unused")

    assert first.findings == second.findings
    assert len({f.document_id for f in first.findings}) == len(first.findings) == 5 + 6
    assert first.cursor == "unused"


@time_machine.travel(TODAY, tick=False)
def test_a_number_the_calendar_does_not_know_is_passed_over_and_the_others_are_read(kalender):
    kalender.expect_request("/Regeling/WGK999999/xml").respond_with_data("Not Found", status=404)

    reading = read("WGK999999", "WGK013565")

    assert {f.identifier for f in reading.findings} == {"WGK013565"}


def test_no_linked_number_asks_nothing(kalender):
    assert read().findings == []
    assert kalender.log == []


NOT_A_RECORD = "iets terug dat geen fiche van een regeling is"


@pytest.mark.parametrize("answer, message", [
    (Response("Internal Server Error", status=500), "antwoordde met status 500"),
    (Response(recording("WGK027200.xml")[:400], content_type="application/xml"), NOT_A_RECORD),
    (Response(recording("storing.html"), content_type="text/html"), NOT_A_RECORD),
])
def test_an_error_or_an_unreadable_answer_makes_the_source_unavailable(httpserver, settings, answer, message):
    settings.WETGEVINGSKALENDER_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/Regeling/WGK027200/xml").respond_with_response(answer)

    with pytest.raises(SourceUnavailable, match=message):
        read("WGK027200")


def test_a_slow_calendar_makes_the_source_unavailable(httpserver, settings):
    settings.WETGEVINGSKALENDER_URL = httpserver.url_for("").rstrip("/")
    settings.PUBLIC_RECORD_TIMEOUT = 0.2

    def slowly(request):
        time.sleep(0.6)
        return Response(recording("WGK027200.xml"), content_type="application/xml")

    httpserver.expect_request("/Regeling/WGK027200/xml").respond_with_handler(slowly)

    with pytest.raises(SourceUnavailable, match="binnen 0.2 seconden"):
        read("WGK027200")


# Through the sync: what the record proves becomes moves and milestones, once.

@pytest.fixture
def linked(make_bill):
    def make(number, **fields):
        bill = make_bill(**fields)
        Identifier.objects.create(bill=bill, kind=IdentifierKind.WETGEVINGSKALENDER, value=number, source="test")
        return bill

    return make


def sync_calendar():
    report = sync([Source.WETGEVINGSKALENDER])
    assert not report.failures, report
    return report


@time_machine.travel(TODAY, tick=False)
def test_through_the_sync_the_record_moves_the_item_meets_its_milestones_and_plans_the_rest(kalender, linked):
    bill = linked("WGK027200", stage="voorbereiding")

    sync_calendar()

    bill.refresh_from_db()
    assert bill.stage == "raad_van_state"
    [move] = bill.moves.all()
    assert move.moved_by is None and move.origin == "wetgevingskalender:WGK027200/fase/Raad van State"
    milestones = {m.kind: (m.planned_date, m.actual_date) for m in bill.milestones.all()}
    assert milestones == {
        "consultatie_start": (None, date(2025, 7, 4)),
        "consultatie_einde": (None, date(2025, 9, 12)),
        "adviesaanvraag_rvs": (None, date(2026, 4, 1)),
        "indiening_tk": (date(2027, 2, 15), None),
        "inwerkingtreding": (date(2028, 1, 1), None),
    }
    request = bill.milestones.get(kind="adviesaanvraag_rvs")
    assert request.source.startswith("Wet gegevensvergaring openbare orde: Adviesaanvraag (2026-04-01), http")

    again = sync_calendar()

    assert set(again.outcomes[Source.WETGEVINGSKALENDER]) == {Outcome.ALREADY_KNOWN}
    assert (bill.moves.count(), bill.milestones.count()) == (1, 5)


def test_through_the_sync_a_planned_date_that_passes_meets_the_planned_milestone(kalender, linked):
    bill = linked("WGK027200", stage="raad_van_state")
    with time_machine.travel(TODAY, tick=False):
        sync_calendar()
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        sync_calendar()

    bill.refresh_from_db()
    assert bill.stage == "tweede_kamer"
    [submission] = bill.milestones.filter(kind="indiening_tk")
    assert (submission.planned_date, submission.actual_date) == (date(2027, 2, 15), date(2027, 2, 15))
