"""The Staatsblad source (KOOP's SRU search) against recorded answers (tests/recordings/staatsblad/), served by a
real loopback HTTP server."""

import datetime
import json
import time
from pathlib import Path

import pytest
import time_machine
from werkzeug import Response

from legislation.identifiers import IdentifierKind
from legislation.models import Identifier, MilestoneKind, Stage
from publicrecord.models import Outcome, Source, SourceState
from publicrecord.sources import SourceUnavailable, client, staatsblad
from publicrecord.sync import sync

RECORDINGS = Path(__file__).parent / "recordings" / "staatsblad"
TODAY = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
FRBR = "/frbr/officielepublicaties/stb/{year}/{id}/1/xml/{id}.xml"


class KOOP:
    """A loopback SRU service answering each search (by the index and value it asks for) with a recording."""

    def __init__(self, httpserver):
        self.server, self.answers = httpserver, {}
        httpserver.expect_request("/sru").respond_with_handler(self.search)

    def recording(self, name):
        # The recordings carry KOOP's own addresses; here they point at the loopback server.
        origin = self.server.url_for("").rstrip("/")
        return (RECORDINGS / name).read_text().replace("https://repository.overheid.nl", origin)

    def answer(self, search, *pages):
        """Answer the search containing `search` with these recordings, one per page (startRecord 1, 2, …)."""
        self.answers[search] = pages

    def publication(self, identifier, body=None, status=200):
        year = identifier.split("-")[1]
        self.server.expect_request(FRBR.format(year=year, id=identifier)).respond_with_data(
            body if body is not None else self.recording(f"{identifier}.xml"), status=status,
            content_type="application/xml")

    def search(self, request):
        query, start = request.args["query"], int(request.args["startRecord"])
        pages = next((pages for search, pages in self.answers.items() if search in query), ["geen-resultaten.xml"])
        return Response(self.recording(pages[start - 1]), content_type="application/xml")

    def queries(self):
        return [(entry[0].args["query"], entry[0].args["startRecord"]) for entry in self.server.log
                if entry[0].path == "/sru"]


@pytest.fixture
def koop(httpserver, settings):
    settings.KOOP_SRU_URL = httpserver.url_for("/sru")
    return KOOP(httpserver)


def read(cursor="", **identifiers):
    with client() as http:
        return staatsblad.read(http, {IdentifierKind(kind): set(values) for kind, values in identifiers.items()},
                               cursor)


def one(reading, document_id):
    [finding] = [f for f in reading.findings if f.document_id == document_id]
    return finding


@time_machine.travel(TODAY, tick=False)
def test_the_acts_publication_proves_it_published_and_a_correction_is_not_read(koop, monkeypatch):
    monkeypatch.setattr(staatsblad, "PAGE_SIZE", 1)
    koop.answer('w.behandeldDossier=="36263"', "dossier-36263-1.xml", "dossier-36263-2.xml")

    reading = read(dossier=["36263"])

    act = one(reading, "stb-2024-88")
    assert (act.stage, act.milestone, act.planned, act.date) == (
        Stage.GEPUBLICEERD, MilestoneKind.PUBLICATIE, False, datetime.date(2024, 4, 17))
    assert (act.identifier_kind, act.identifier) == (IdentifierKind.DOSSIER, "36263")
    assert act.url == "https://zoek.officielebekendmakingen.nl/stb-2024-88.html"
    assert act.title.startswith("Wet van 13 maart 2024, houdende tijdelijke regels voor onderzoeken door de AIVD")
    assert act.document_type == "Wet"
    # The Verbeterblad on the second page proves nothing.
    assert [f.document_id for f in reading.findings] == ["stb-2024-88"]
    # Both pages were asked for, in the journals only, after the first page's nextRecordPosition.
    [(query, _), _page2] = koop.queries()
    assert [start for _, start in koop.queries()] == ["1", "2"]
    assert query == ('c.product-area==officielepublicaties and (w.publicatienaam==Staatsblad or '
                     'w.publicatienaam==Staatscourant) and w.behandeldDossier=="36263"')


@time_machine.travel(TODAY, tick=False)
def test_the_decree_of_entry_into_force_proves_in_force_on_the_date_its_text_states(koop):
    koop.answer('w.ketenid=="WGK013565"', "ketenid-WGK013565.xml")
    koop.publication("stb-2024-148")

    reading = read(wetgevingskalender=["WGK013565"])

    decree = one(reading, "stb-2024-148")
    assert (decree.stage, decree.milestone, decree.planned) == (Stage.IN_WERKING, MilestoneKind.INWERKINGTREDING, False)
    # In force on 1 July, as its article 1 says, not on the day it was published.
    assert decree.date == datetime.date(2024, 7, 1)
    assert decree.document_type == "Klein Koninklijk Besluit"
    assert one(reading, "stb-2024-88").stage == Stage.GEPUBLICEERD


@time_machine.travel(TODAY, tick=False)
def test_a_decree_that_states_no_date_proves_nothing(koop):
    koop.answer('w.ketenid=="WGK013565"', "ketenid-WGK013565.xml")
    koop.publication("stb-2024-148", body="<officiele-publicatie><al>Treedt in werking op een bij koninklijk besluit "
                                          "te bepalen tijdstip.</al></officiele-publicatie>")

    assert [f.document_id for f in read(wetgevingskalender=["WGK013565"]).findings] == ["stb-2024-88"]


@time_machine.travel(TODAY, tick=False)
def test_a_decree_whose_text_is_missing_proves_nothing(koop):
    koop.answer('w.ketenid=="WGK013565"', "ketenid-WGK013565.xml")
    koop.publication("stb-2024-148", body="Not Found", status=404)

    assert [f.document_id for f in read(wetgevingskalender=["WGK013565"]).findings] == ["stb-2024-88"]


def test_a_date_still_to_come_is_planned_and_read_again_until_it_has_passed(koop):
    koop.answer('w.behandeldDossier=="36512"', "dossier-36512.xml")
    koop.publication("stb-2026-390")

    with time_machine.travel(TODAY, tick=False):
        before = read(dossier=["36512"])
    [planned] = before.findings
    assert (planned.milestone, planned.planned, planned.stage) == (MilestoneKind.INWERKINGTREDING, True, None)
    # Article I enters into force on 1 January 2027, part D of it on 1 July: the first date is the one kept.
    assert planned.date == datetime.date(2027, 1, 1)
    assert planned.document_id == "stb-2026-390/gepland@2027-01-01"
    assert json.loads(before.cursor) == {"dossier:36512": "2026-11-20"}

    with time_machine.travel(datetime.datetime(2027, 1, 2, 12, tzinfo=datetime.UTC), tick=False):
        after = read(before.cursor, dossier=["36512"])
    [in_force] = after.findings
    assert (in_force.stage, in_force.planned, in_force.date) == (Stage.IN_WERKING, False, datetime.date(2027, 1, 1))
    assert in_force.document_id != planned.document_id
    assert koop.queries()[-1][0].endswith(' and dt.available>="2026-11-20"')
    assert json.loads(after.cursor) == {"dossier:36512": "2026-11-20"}


@time_machine.travel(TODAY, tick=False)
def test_a_regulation_in_the_staatscourant_proves_it_published(koop):
    koop.answer('dt.identifier=="stcrt-2026-31234"', "stcrt-2026-31234.xml")

    [regulation] = read(publicatie=["stcrt-2026-31234"]).findings

    assert (regulation.stage, regulation.milestone, regulation.date) == (
        Stage.GEPUBLICEERD, MilestoneKind.PUBLICATIE, datetime.date(2026, 10, 15))
    assert (regulation.identifier_kind, regulation.identifier) == (IdentifierKind.PUBLICATIE, "stcrt-2026-31234")
    assert regulation.url == "https://zoek.officielebekendmakingen.nl/stcrt-2026-31234.html"


@time_machine.travel(TODAY, tick=False)
def test_the_cursor_asks_each_identifier_only_for_what_is_new(koop):
    koop.answer('w.behandeldDossier=="36263"', "dossier-36263-1.xml", "dossier-36263-2.xml")

    first = read(dossier=["36263"])
    # The last availability date read: the Verbeterblad's.
    assert json.loads(first.cursor) == {"dossier:36263": "2024-04-25"}

    second = read(first.cursor, dossier=["36263", "36512"])
    queries = [query for query, start in koop.queries() if start == "1"]
    assert queries[-2].endswith('w.behandeldDossier=="36263" and dt.available>="2024-04-25"')
    # A dossier linked since is read in full; one the search knows nothing of leaves no mark.
    assert queries[-1].endswith('w.behandeldDossier=="36512"')
    assert json.loads(second.cursor) == {"dossier:36263": "2024-04-25"}
    assert [f.document_id for f in second.findings] == [f.document_id for f in first.findings]


@pytest.mark.parametrize("cursor", ["", "not json", "[1, 2]", '{"dossier:36263": "yesterday"}'])
def test_a_missing_or_unreadable_cursor_reads_everything(koop, cursor):
    read(cursor, dossier=["36263"])

    [(query, _)] = koop.queries()
    assert "dt.available" not in query


def test_no_linked_identifier_asks_nothing(koop):
    reading = read(consultatie=["wetjeugdbescherming"])

    assert (reading.findings, koop.queries()) == ([], [])


@pytest.mark.parametrize("answer, message", [
    (Response("Internal Server Error", status=500), "antwoordde met status 500"),
    (Response("<sru:searchRetrieveResponse", content_type="application/xml"), "iets terug dat geen zoekresultaat is"),
    (Response("<html><body>Onderhoud</body></html>", content_type="text/html"), "iets terug dat geen zoekresultaat is"),
    (Response((RECORDINGS / "diagnostic.xml").read_bytes(), content_type="application/xml"),
     "weigerde de zoekvraag: line 1:13 mismatched input 'c.product-area'"),
])
def test_an_error_or_an_unreadable_answer_makes_the_source_unavailable(httpserver, settings, answer, message):
    settings.KOOP_SRU_URL = httpserver.url_for("/sru")
    httpserver.expect_request("/sru").respond_with_response(answer)

    with pytest.raises(SourceUnavailable, match=message):
        read(dossier=["36263"])


def test_a_slow_search_makes_the_source_unavailable(httpserver, settings):
    settings.KOOP_SRU_URL = httpserver.url_for("/sru")
    settings.PUBLIC_RECORD_TIMEOUT = 0.2

    def slowly(request):
        time.sleep(0.6)
        return Response((RECORDINGS / "geen-resultaten.xml").read_bytes(), content_type="application/xml")

    httpserver.expect_request("/sru").respond_with_handler(slowly)

    with pytest.raises(SourceUnavailable, match="binnen 0.2 seconden"):
        read(dossier=["36263"])


# Through the sync: what the Staatsblad proves becomes moves and milestones, once.

@pytest.fixture
def linked(make_bill):
    def make(identifiers, **fields):
        bill = make_bill(**fields)
        for kind, value in identifiers.items():
            Identifier.objects.create(bill=bill, kind=kind, value=value, source="test")
        return bill

    return make


def sync_staatsblad():
    report = sync([Source.STAATSBLAD])
    assert not report.failures, report
    return report


@time_machine.travel(TODAY, tick=False)
def test_through_the_sync_the_publication_and_the_decree_put_the_act_in_force(koop, linked):
    koop.answer('w.behandeldDossier=="36263"', "dossier-36263-1.xml", "dossier-36263-2.xml")
    koop.answer('w.ketenid=="WGK013565"', "ketenid-WGK013565.xml")
    koop.publication("stb-2024-148")
    bill = linked({"dossier": "36263", "wetgevingskalender": "WGK013565"}, stage="eerste_kamer")

    sync_staatsblad()

    bill.refresh_from_db()
    assert (bill.stage, bill.stage_entered_on) == ("in_werking", datetime.date(2024, 7, 1))
    assert [(m.from_stage, m.to_stage, m.origin) for m in bill.moves.order_by("id")] == [
        ("eerste_kamer", "gepubliceerd", "staatsblad:stb-2024-88"),
        ("gepubliceerd", "in_werking", "staatsblad:stb-2024-148")]
    met = {m.kind: m.actual_date for m in bill.milestones.all()}
    assert met == {"publicatie": datetime.date(2024, 4, 17), "inwerkingtreding": datetime.date(2024, 7, 1)}
    assert "https://zoek.officielebekendmakingen.nl/stb-2024-148.html" in bill.milestones.get(
        kind="inwerkingtreding").source

    again = sync_staatsblad()

    assert set(again.outcomes[Source.STAATSBLAD]) <= {Outcome.ALREADY_KNOWN}
    assert (bill.moves.count(), bill.milestones.count()) == (2, 2)
    assert json.loads(SourceState.objects.get(source=Source.STAATSBLAD).cursor) == {
        "dossier:36263": "2024-04-25", "wetgevingskalender:WGK013565": "2024-06-13"}


def test_through_the_sync_a_decree_dated_ahead_plans_the_entry_into_force_and_meets_it_on_the_day(koop, linked):
    koop.answer('w.behandeldDossier=="36512"', "dossier-36512.xml")
    koop.publication("stb-2026-390")
    bill = linked({"dossier": "36512"}, stage="gepubliceerd")

    with time_machine.travel(TODAY, tick=False):
        sync_staatsblad()
    [planned] = bill.milestones.all()
    assert (planned.kind, planned.planned_date, planned.actual_date) == (
        "inwerkingtreding", datetime.date(2027, 1, 1), None)

    with time_machine.travel(datetime.datetime(2027, 1, 2, 12, tzinfo=datetime.UTC), tick=False):
        sync_staatsblad()

    bill.refresh_from_db()
    assert bill.stage == "in_werking"
    [met] = bill.milestones.all()
    assert (met.pk, met.planned_date, met.actual_date) == (planned.pk, datetime.date(2027, 1, 1),
                                                           datetime.date(2027, 1, 1))
