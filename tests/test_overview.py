"""The programme overview: every figure of a small programme with a known history, on the page and in the workbook."""

import datetime
import io
import zoneinfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from legislation import services
from legislation.models import Bill, Chapter, Milestone, Ministry, Stage
from overview.charts import sampled
from overview.figures import STAGES

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
TODAY = datetime.date(2025, 3, 31)
PROGRAMME = {"q": "Proefprogramma"}  # only the bills made here, not the real register's
HTMX = {"HX-Request": "true"}
D = datetime.date


def at(day):
    """Travel to noon on `day`: what is saved then is recorded with that date."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=AMSTERDAM), tick=False)


@pytest.fixture
def today(db):
    with at(TODAY):
        yield TODAY


@pytest.fixture
def client_charlie(client, charlie):
    client.force_login(charlie)
    return client


def moved(bill, *steps):
    for day, stage, *reason in steps:
        services.move_bill(bill, stage, occurred_on=day, reason=reason[0] if reason else "")


def milestone(bill, kind, created, planned, *changes, label="", actual=None):
    """A milestone added on `created`, then changed on each (day, planned date) of `changes`."""
    with at(created):
        m = services.add_milestone(bill, by=None, kind=kind, label=label, planned_date=planned)
    for day, new_planned in changes:
        with at(day):
            services.change_milestone(m, by=None, planned_date=new_planned)
    if actual:
        with at(actual):
            services.change_milestone(m, by=None, actual_date=actual)
    return m


@pytest.fixture
def programme(today, make_bill, jenv, vws):
    """Six items in H8 (JenV) and H6a (VWS) with moves and milestones on known dates; today is 31 March 2025."""
    h6a = Chapter.objects.get(code="H6a")
    bills = {
        "A": make_bill(short_title="Proefprogramma A"),
        "B": make_bill(short_title="Proefprogramma B"),
        "C": make_bill("amvb", short_title="Proefprogramma C", lead_ministry=vws, chapter=h6a),
        "D": make_bill(short_title="Proefprogramma D", lead_ministry=vws, chapter=h6a),
        "E": make_bill(short_title="Proefprogramma E"),
        "F": make_bill(short_title="Proefprogramma F"),
    }
    a, b, c, d, e, f = bills.values()
    b.co_ministries.add(vws)
    moved(a, (D(2024, 10, 1), "voorbereiding"), (D(2024, 12, 1), "consultatie"), (D(2025, 2, 1), "raad_van_state"))
    moved(b, (D(2024, 11, 1), "voorbereiding"))
    services.set_flag(b, "aangehouden", True, reason="wacht op een advies", occurred_on=D(2025, 1, 15))
    moved(c, (D(2024, 9, 1), "voorbereiding"), (D(2024, 10, 20), "consultatie"),
          (D(2024, 12, 20), "voorbereiding", "veel kritiek in de consultatie"), (D(2025, 1, 20), "consultatie"))
    moved(e, (D(2025, 3, 1), "vervallen", "opgegaan in een ander voorstel"))
    moved(f, (D(2024, 9, 15), "voorbereiding"), (D(2024, 12, 15), "raad_van_state", "spoedeisend"),
          (D(2025, 3, 10), "tweede_kamer"))

    milestone(a, "advies_rvs", D(2024, 10, 1), D(2025, 2, 15), (D(2024, 12, 1), D(2025, 3, 1)))
    milestone(a, "indiening_tk", D(2024, 10, 1), D(2025, 5, 1),
              (D(2024, 12, 1), D(2025, 7, 1)), (D(2025, 2, 1), D(2025, 6, 1)))
    milestone(a, "stemming_tk", D(2024, 10, 1), D(2025, 9, 1))
    # Made without history (as by a bulk load): no earlier plan is known.
    Milestone.objects.bulk_create(
        [Milestone(bill=a, kind="overig", label="Uitvoeringstoets", planned_date=D(2025, 3, 20))]
    )
    milestone(b, "consultatie_start", D(2024, 11, 1), D(2025, 1, 1))
    milestone(c, "ministerraad", D(2024, 9, 1), D(2025, 5, 31), (D(2025, 1, 1), D(2025, 4, 30)))
    milestone(c, "publicatie", D(2024, 9, 1), None, (D(2024, 10, 1), D(2025, 2, 1)), (D(2025, 1, 1), D(2025, 3, 10)))
    milestone(d, "overig", D(2024, 10, 1), D(2025, 1, 10), (D(2024, 12, 1), D(2025, 2, 10)),
              label="Wetgevingstoets", actual=D(2025, 2, 12))
    milestone(e, "overig", D(2024, 10, 1), D(2025, 3, 15), label="Afronding")
    milestone(f, "indiening_tk", D(2024, 12, 15), D(2025, 3, 10), actual=D(2025, 3, 10))
    for bill in bills.values():
        bill.refresh_from_db()
    return bills


# The programme's stage counts (in the order of STAGES) from each day on, to the next day listed.
FLOW = [
    (D(2024, 9, 1), {"aangekondigd": 5, "voorbereiding": 1}),
    (D(2024, 9, 15), {"aangekondigd": 4, "voorbereiding": 2}),
    (D(2024, 10, 1), {"aangekondigd": 3, "voorbereiding": 3}),
    (D(2024, 10, 20), {"aangekondigd": 3, "voorbereiding": 2, "consultatie": 1}),
    (D(2024, 11, 1), {"aangekondigd": 2, "voorbereiding": 3, "consultatie": 1}),
    (D(2024, 12, 1), {"aangekondigd": 2, "voorbereiding": 2, "consultatie": 2}),
    (D(2024, 12, 15), {"aangekondigd": 2, "voorbereiding": 1, "consultatie": 2, "raad_van_state": 1}),
    (D(2024, 12, 20), {"aangekondigd": 2, "voorbereiding": 2, "consultatie": 1, "raad_van_state": 1}),
    (D(2025, 1, 20), {"aangekondigd": 2, "voorbereiding": 1, "consultatie": 2, "raad_van_state": 1}),
    (D(2025, 2, 1), {"aangekondigd": 2, "voorbereiding": 1, "consultatie": 1, "raad_van_state": 2}),
    (D(2025, 3, 1), {"aangekondigd": 1, "voorbereiding": 1, "consultatie": 1, "raad_van_state": 2, "vervallen": 1}),
    (D(2025, 3, 10), {"aangekondigd": 1, "voorbereiding": 1, "consultatie": 1, "raad_van_state": 1,
                      "tweede_kamer": 1, "vervallen": 1}),
]


def expected_flow(day):
    counts = [counts for since, counts in FLOW if since <= day][-1]
    return tuple(counts.get(stage, 0) for stage in STAGES)


def row(**counts):
    return [counts.get(stage, 0) for stage in STAGES]


# Per lead ministry: overdue, days overdue, planned later, days planned later.
SLIPPAGE = {"JenV": (4, 30 + 11 + 89 + 16, 2, 14 + 31), "VWS": (1, 21, 2, 37 + 31)}
# The slipped milestones, worst first: item, milestone, planned, first planned, actual, days overdue, days later.
SLIPPED = [
    ("B", "Start internetconsultatie", D(2025, 1, 1), D(2025, 1, 1), None, 89, 0),
    ("C", "Publicatie", D(2025, 3, 10), D(2025, 2, 1), None, 21, 37),
    ("A", "Advies Raad van State uitgebracht", D(2025, 3, 1), D(2025, 2, 15), None, 30, 14),
    ("A", "Indiening Tweede Kamer", D(2025, 6, 1), D(2025, 5, 1), None, 0, 31),
    ("D", "Wetgevingstoets", D(2025, 2, 10), D(2025, 1, 10), D(2025, 2, 12), 0, 31),
    ("E", "Afronding", D(2025, 3, 15), D(2025, 3, 15), None, 16, 0),
    ("A", "Uitvoeringstoets", D(2025, 3, 20), None, None, 11, 0),
]
# Per stage still open: stays, of which ongoing, median and longest in days.
STAGE_TIMES = {
    "aangekondigd": (0, 0, None, None),  # every stay there started before the history
    "voorbereiding": (5, 1, 61, 150),  # A 61, B 150 (ongoing), C 49 and 31, F 91
    "consultatie": (3, 1, 62, 70),  # A 62, C 61 and 70 (ongoing)
    "raad_van_state": (2, 1, 71.5, 85),  # A 58 (ongoing), F 85
    "tweede_kamer": (1, 1, 21, 21),  # F (ongoing)
    "eerste_kamer": (0, 0, None, None),
    "gepubliceerd": (0, 0, None, None),
}
LONGEST = [("B", "voorbereiding", D(2024, 11, 1), 150), ("C", "consultatie", D(2025, 1, 20), 70),
           ("A", "raad_van_state", D(2025, 2, 1), 58), ("F", "tweede_kamer", D(2025, 3, 10), 21)]


class TestFigures:
    def test_the_matrix_counts_items_for_their_lead_and_co_responsible_ministries(self, client_charlie, programme):
        context = client_charlie.get(reverse("overview"), PROGRAMME).context
        rows = {ministry.code: [cell.count for cell in cells] for ministry, cells, _total in context["matrix_rows"]}
        assert rows == {
            "JenV": row(voorbereiding=1, raad_van_state=1, tweede_kamer=1, vervallen=1),
            "VWS": row(aangekondigd=1, voorbereiding=1, consultatie=1),  # B as co-responsible
        }
        assert {m.code: total.count for m, _cells, total in context["matrix_rows"]} == {"JenV": 4, "VWS": 3}
        assert [cell.count for cell in context["matrix_totals"]] == row(
            aangekondigd=1, voorbereiding=1, consultatie=1, raad_van_state=1, tweede_kamer=1, vervallen=1
        )
        assert context["matrix_total"].count == 6
        assert context["overview"].item_count == 6

    def test_every_count_of_the_matrix_opens_the_board_on_exactly_those_items(self, client_charlie, programme):
        context = client_charlie.get(reverse("overview"), PROGRAMME).context
        jenv_row = context["matrix_rows"][0][1]
        assert jenv_row[STAGES.index("voorbereiding")].url == "/?q=Proefprogramma&ministry=JenV&stage=voorbereiding"
        cells = [cell for _m, cells, total in context["matrix_rows"] for cell in (*cells, total)]
        cells += [*context["matrix_totals"], context["matrix_total"]]
        for cell in cells:
            (lane,) = client_charlie.get(cell.url).context["board"].lanes
            assert lane.count == cell.count, cell.url

    def test_filtered_on_a_ministry_the_matrix_shows_that_ministry_only(self, client_charlie, programme):
        context = client_charlie.get(reverse("overview"), {**PROGRAMME, "ministry": "VWS"}).context
        ((ministry, cells, total),) = context["matrix_rows"]
        assert ministry.code == "VWS" and total.count == 3
        assert [cell.count for cell in cells] == row(aangekondigd=1, voorbereiding=1, consultatie=1)
        assert cells[0].url == "/?q=Proefprogramma&ministry=VWS&stage=aangekondigd"
        assert context["matrix_totals"][STAGES.index("voorbereiding")].url == (
            "/?q=Proefprogramma&ministry=VWS&stage=voorbereiding"
        )

    def test_the_cumulative_flow_counts_the_items_in_each_stage_at_the_end_of_every_day(
        self, client_charlie, programme
    ):
        flow = client_charlie.get(reverse("overview"), PROGRAMME).context["overview"].flow
        # From the first recorded move (before the Regeerprogramma's 13 September 2024) to today.
        assert flow.days[0] == D(2024, 9, 1) and flow.days[-1] == TODAY and len(flow.days) == 212
        assert flow.days == [D(2024, 9, 1) + datetime.timedelta(days=n) for n in range(212)]
        for day, counts in zip(flow.days, flow.counts):
            assert counts == expected_flow(day), day

    def test_the_flow_chart_draws_every_seventh_day_and_today_with_todays_counts(self, client_charlie, programme):
        chart = client_charlie.get(reverse("overview"), PROGRAMME).context["flow_chart"]
        assert chart.step == 7
        assert chart.sampled_days == [D(2024, 9, 1) + datetime.timedelta(days=7 * n) for n in range(31)] + [TODAY]
        assert [(str(band.label), band.today) for band in chart.legend] == [
            ("Aangekondigd", 1), ("Voorbereiding", 1), ("Consultatie", 1), ("Advies Raad van State", 1),
            ("Tweede Kamer", 1), ("Eerste Kamer", 0), ("Bekendgemaakt", 0), ("In werking", 0),
            ("Ingetrokken, verworpen of vervallen", 1),
        ]
        assert [tick.value for tick in chart.x_ticks] == [D(2024, month, 1) for month in range(9, 13)] + [
            D(2025, month, 1) for month in range(1, 4)
        ]
        assert [tick.value for tick in chart.y_ticks] == [0, 2, 4, 6]

    def test_slippage_per_lead_ministry(self, client_charlie, programme):
        context = client_charlie.get(reverse("overview"), PROGRAMME).context
        slippage = context["overview"].slippage
        assert {r.ministry.code: (r.overdue, r.days_overdue, r.moved, r.days_moved) for r in slippage.per_ministry} == (
            SLIPPAGE
        )
        total = context["slippage_total"]
        assert (total.overdue, total.days_overdue, total.moved, total.days_moved) == (5, 167, 4, 113)

    def test_the_slipped_milestones_worst_first_from_the_first_planned_date_in_their_history(
        self, client_charlie, programme
    ):
        context = client_charlie.get(reverse("overview"), PROGRAMME).context
        keys = {bill.key: name for name, bill in programme.items()}
        assert [
            (keys[m.bill_key], str(m.milestone), m.planned_date, m.first_planned_date, m.actual_date, m.days_overdue,
             m.days_moved)
            for m in context["overview"].slippage.milestones
        ] == SLIPPED
        assert context["worst_slipped"] == context["overview"].slippage.milestones  # fewer than ten

    def test_time_in_stage_from_the_moves(self, client_charlie, programme):
        time = client_charlie.get(reverse("overview"), PROGRAMME).context["overview"].time_in_stage
        assert {r.stage: (r.stays, r.ongoing, r.median, r.longest) for r in time.per_stage} == STAGE_TIMES
        names = {bill.key: name for name, bill in programme.items()}
        assert [(names[i.key], i.stage, i.since, i.days) for i in time.longest] == LONGEST
        assert time.never_moved == 1  # D

    def test_progress_per_chapter(self, client_charlie, programme):
        context = client_charlie.get(reverse("overview"), PROGRAMME).context
        chapters = {c.chapter.code: (c.counts, c.total, c.past_raad_van_state) for c in context["overview"].chapters}
        assert list(chapters) == ["H6a", "H8"]
        assert chapters == {
            "H6a": (row(aangekondigd=1, consultatie=1), 2, 0),
            "H8": (row(voorbereiding=1, raad_van_state=1, tweede_kamer=1, vervallen=1), 4, 1),
        }
        h8 = next(segments for progress, segments in context["chapter_bars"] if progress.chapter.code == "H8")
        assert [(str(s.label), s.count, s.x, s.width) for s in h8] == [
            ("Voorbereiding", 1, "0.00", "25.00"), ("Advies Raad van State", 1, "25.00", "25.00"),
            ("Tweede Kamer", 1, "50.00", "25.00"), ("Ingetrokken, verworpen of vervallen", 1, "75.00", "25.00"),
        ]
        assert context["past_raad_van_state"] == 1

    def test_a_move_dated_after_today_has_not_happened_yet(self, client_charlie, today, make_bill):
        bill = make_bill(short_title="Toekomstwet")
        services.move_bill(bill, "voorbereiding", occurred_on=D(2025, 4, 15))
        overview = client_charlie.get(reverse("overview"), {"q": "Toekomstwet"}).context["overview"]
        assert overview.flow.counts[-1] == tuple(row(aangekondigd=1))
        assert overview.time_in_stage.never_moved == 1 and overview.time_in_stage.longest == []
        assert overview.matrix.totals == row(voorbereiding=1)  # as on the board: the bill's stage now

    def test_an_item_never_moved_but_with_a_known_entry_date_counts_from_that_date(
        self, client_charlie, today, make_bill
    ):
        make_bill(short_title="Ingangswet", stage="voorbereiding", stage_entered_on=D(2025, 1, 1))
        time = client_charlie.get(reverse("overview"), {"q": "Ingangswet"}).context["overview"].time_in_stage
        assert time.never_moved == 0
        assert [(i.stage, i.since, i.days) for i in time.longest] == [("voorbereiding", D(2025, 1, 1), 89)]

    def test_without_moves_the_history_starts_at_the_regeerprogramma(self, client_charlie, today, make_bill):
        make_bill(short_title="Stilstandwet")
        flow = client_charlie.get(reverse("overview"), {"q": "Stilstandwet"}).context["overview"].flow
        assert flow.days[0] == D(2024, 9, 13) and flow.days[-1] == TODAY
        assert set(flow.counts) == {tuple(row(aangekondigd=1))}


class TestPage:
    def test_the_page_shows_the_figures_in_dutch_with_the_date_and_filters_in_its_title(
        self, client_charlie, programme
    ):
        response = client_charlie.get(reverse("overview"), PROGRAMME)
        body = response.content.decode()
        assert "<title>Programmaoverzicht 31 maart 2025 — Zoeken: Proefprogramma · Wetgevingsmonitor</title>" in body
        assert "Stand aan het eind van 31 maart 2025" in body
        assert 'role="img"' in body and "Cumulatieve doorstroom van 1 september 2024 tot en met 31 maart 2025" in body
        assert "H8: Voorbereiding 1, Advies Raad van State 1, Tweede Kamer 1" in body
        assert "VWS: 21 dagen te laat, 68 dagen later gepland" in body
        assert "Advies Raad van State: mediaan 71,5 dagen, langste 85 dagen" in body
        assert "1 dossier is nooit verplaatst" in body
        assert "jan 2025" in body  # the date axis
        assert f'href="{reverse("bill-detail", args=[programme["B"].key])}"' in body
        assert f'href="{reverse("overview-xlsx")}?q=Proefprogramma"' in body

    def test_with_htmx_only_the_overview_is_swapped_with_its_new_title(self, client_charlie, programme):
        response = client_charlie.get(reverse("overview"), {**PROGRAMME, "ministry": "VWS"}, headers=HTMX)
        body = response.content.decode()
        title = "<title>Programmaoverzicht 31 maart 2025 — Zoeken: Proefprogramma · Ministerie: VWS · Wetgevingsmonitor"
        assert body.lstrip().startswith(title)
        assert '<div id="overview"' in body and "<html" not in body

    def test_without_javascript_the_filters_are_a_plain_form(self, client_charlie, programme):
        body = client_charlie.get(reverse("overview")).content.decode()
        assert 'method="get" action="/overzicht/"' in body and '<noscript><button type="submit">' in body

    def test_an_invalid_filter_is_reported_and_left_out(self, client_charlie, programme):
        response = client_charlie.get(reverse("overview"), {**PROGRAMME, "ministry": "XX"})
        assert response.context["overview"].item_count == 6
        assert response.context["filter_words"] == [("Zoeken", "Proefprogramma")]
        assert "Selecteer een geldige keuze" in response.content.decode()

    def test_the_filters_in_words(self, client_charlie, programme):
        params = {**PROGRAMME, "ministry": "JenV", "chapter": "H8", "stage": "raad_van_state", "overdue": "on"}
        assert client_charlie.get(reverse("overview"), params).context["filter_words"] == [
            ("Zoeken", "Proefprogramma"), ("Ministerie", "JenV"), ("Hoofdstuk", "H8. Nationale veiligheid"),
            ("Fase", "Advies Raad van State"), ("Te laat", "ja"),
        ]

    def test_a_filter_that_matches_nothing_shows_empty_figures(self, client_charlie, today):
        response = client_charlie.get(reverse("overview"), {"q": "Geen dossier heet zo"})
        overview = response.context["overview"]
        assert overview.item_count == 0 and overview.matrix.rows == [] and overview.chapters == []
        assert set(overview.flow.counts) == {tuple(row())}
        assert "Geen dossiers gevonden met deze filters." in response.content.decode()

    def test_logging_in_is_needed(self, client):
        response = client.get(reverse("overview"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


class TestWorkbook:
    @pytest.fixture
    def workbook(self, client_charlie, programme):
        response = client_charlie.get(reverse("overview-xlsx"), {**PROGRAMME, "chapter": ""})
        assert response["Content-Disposition"] == 'attachment; filename="programma-overzicht-2025-03-31.xlsx"'
        return openpyxl.load_workbook(io.BytesIO(response.content))

    @staticmethod
    def rows(sheet):
        return [list(values) for values in sheet.iter_rows(values_only=True)]

    def test_one_sheet_per_table_after_the_report(self, workbook):
        assert workbook.sheetnames == [
            "Rapport", "Fasen per ministerie", "Cumulatieve doorstroom", "Vertraging per ministerie",
            "Vertraagde mijlpalen", "Tijd in fase", "Langst in fase", "Hoofdstukken",
        ]

    def test_the_report_says_when_and_for_which_filters(self, workbook):
        rows = self.rows(workbook["Rapport"])
        assert rows[0][0] == "Programmaoverzicht"
        assert rows[2][:2] == ["Gemaakt op", datetime.datetime(2025, 3, 31, 12, 0)]
        assert rows[3][:2] == ["Stand aan het eind van", datetime.datetime(2025, 3, 31)]
        assert rows[4][:2] == ["Dossiers", 6]
        assert rows[5] == ["Filters", "Zoeken", "Proefprogramma"]
        assert [r[0] for r in rows[6:]] == [None, "Dossiers per ministerie en fase", "Vertraging", "Tijd in fase"]
        assert "1 dossier is nooit verplaatst" in rows[9][1]

    def test_the_matrix(self, workbook):
        rows = self.rows(workbook["Fasen per ministerie"])
        assert rows[0] == ["Ministerie", *(str(stage.label) for stage in STAGES), "Totaal"]
        assert rows[1:] == [
            ["JenV", *row(voorbereiding=1, raad_van_state=1, tweede_kamer=1, vervallen=1), 4],
            ["VWS", *row(aangekondigd=1, voorbereiding=1, consultatie=1), 3],
            ["Alle dossiers", *row(aangekondigd=1, voorbereiding=1, consultatie=1, raad_van_state=1, tweede_kamer=1,
                                   vervallen=1), 6],
        ]

    def test_the_cumulative_flow_has_every_day(self, workbook):
        rows = self.rows(workbook["Cumulatieve doorstroom"])
        assert rows[0] == ["Datum", *(str(stage.label) for stage in STAGES)]
        assert len(rows) == 1 + 212
        for day, *counts in rows[1:]:
            assert tuple(counts) == expected_flow(day.date()), day

    def test_the_slippage(self, workbook, programme):
        rows = self.rows(workbook["Vertraging per ministerie"])
        assert rows == [
            ["Ministerie", "Mijlpalen te laat", "Dagen te laat", "Mijlpalen later gepland", "Dagen later gepland"],
            ["JenV", *SLIPPAGE["JenV"]],
            ["VWS", *SLIPPAGE["VWS"]],
            ["Alle ministeries", 5, 167, 4, 113],
        ]
        rows = self.rows(workbook["Vertraagde mijlpalen"])
        assert rows[0] == ["Onderdeel", "Korte titel", "Eerstverantwoordelijk", "Mijlpaal", "Geplande datum",
                           "Eerst geplande datum", "Werkelijke datum", "Dagen te laat", "Dagen later gepland"]

        def day(value):
            return value.date() if value else None

        names = {bill.key: name for name, bill in programme.items()}
        assert [
            (names[key], milestone, day(planned), day(first), day(actual), overdue, later)
            for key, _title, _ministry, milestone, planned, first, actual, overdue, later in rows[1:]
        ] == SLIPPED
        assert [r[1:3] for r in rows[1:3]] == [["Proefprogramma B", "JenV"], ["Proefprogramma C", "VWS"]]

    def test_the_time_in_stage(self, workbook, programme):
        rows = self.rows(workbook["Tijd in fase"])
        assert rows[0] == ["Fase", "Verblijven", "Waarvan lopend", "Mediaan (dagen)", "Langste (dagen)"]
        assert {Stage(s).label: tuple(values) for s, values in STAGE_TIMES.items()} == {
            label: tuple(values) for label, *values in rows[1:]
        }
        rows = self.rows(workbook["Langst in fase"])
        assert rows[0] == ["Onderdeel", "Korte titel", "Eerstverantwoordelijk", "Fase", "In deze fase sinds", "Dagen"]
        names = {bill.key: name for name, bill in programme.items()}
        assert [(names[key], stage, since.date(), days) for key, _t, _m, stage, since, days in rows[1:]] == [
            (name, str(Stage(stage).label), since, days) for name, stage, since, days in LONGEST
        ]

    def test_the_chapters(self, workbook):
        rows = self.rows(workbook["Hoofdstukken"])
        assert rows[0] == ["Hoofdstuk", "Titel", "Dossiers", *(str(stage.label) for stage in STAGES),
                           "Voorbij de Raad van State", "Aandeel voorbij de Raad van State"]
        assert rows[1:] == [
            ["H6a", "Zorg", 2, *row(aangekondigd=1, consultatie=1), 0, 0],
            ["H8", "Nationale veiligheid", 4, *row(voorbereiding=1, raad_van_state=1, tweede_kamer=1, vervallen=1),
             1, 0.25],
        ]
        assert workbook["Hoofdstukken"].cell(3, len(rows[0])).number_format == "0%"

    def test_no_cell_is_a_formula_not_even_the_filters_from_the_address(self, client_charlie, programme):
        formula = '=HYPERLINK("http://example.invalid","klik")'
        response = client_charlie.get(reverse("overview-xlsx"), {"q": formula})
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert not [f"{cell.parent.title}!{cell.coordinate}" for cell in cells if cell.data_type == "f"]
        assert self.rows(book["Rapport"])[5] == ["Filters", "Zoeken", formula]


class TestQueries:
    def grow(self, make_bill, count):
        """`count` more items, each with moves, a flag and milestones with a changed plan."""
        ministries = list(Ministry.objects.all())
        for n in range(count):
            bill = make_bill(short_title=f"Groeiwet {n}", lead_ministry=ministries[n % len(ministries)])
            moved(bill, (D(2024, 10, 1), "voorbereiding"), (D(2024, 11, 1 + n % 28), "consultatie"))
            services.set_flag(bill, "aangehouden", True, reason="wacht", occurred_on=D(2025, 1, 1))
            m = services.add_milestone(bill, by=None, kind="advies_rvs", planned_date=D(2025, 1, 1))
            services.change_milestone(m, by=None, planned_date=D(2025, 2, 1))
            bill.co_ministries.add(Ministry.objects.get(code="VWS"))

    def count(self, client, url, params, bound, django_assert_max_num_queries):
        with django_assert_max_num_queries(bound) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    @pytest.mark.parametrize("url", [reverse("overview"), reverse("overview-xlsx")])
    @pytest.mark.parametrize("params", [{}, {"ministry": "VWS", "mine": "on"}])
    def test_the_number_of_queries_does_not_grow_with_the_programme(
        self, client_charlie, programme, make_bill, django_assert_max_num_queries, url, params
    ):
        assert Bill.objects.count() >= 170 + 6
        small = self.count(client_charlie, url, params, 12, django_assert_max_num_queries)
        self.grow(make_bill, 60)
        assert self.count(client_charlie, url, params, 12, django_assert_max_num_queries) == small


def test_sampling_keeps_every_day_of_a_short_period_and_the_last_day_of_a_long_one():
    assert sampled(92) == (list(range(92)), 1)
    assert sampled(93) == ([*range(0, 93, 7), 92], 7)
    assert sampled(2000)[1] == 21 and sampled(2000)[0][-1] == 1999
