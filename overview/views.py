from dataclasses import dataclass

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from legislation.filters import BillFilter
from legislation.models import Bill

from .charts import flow_chart, share, stage_segments
from .figures import STAGES, programme_overview
from .report import filters_in_words, overview_workbook

HEAT_LEVELS = 4
WORST_SHOWN = 10  # slipped milestones on the page; the workbook lists them all


@dataclass
class Cell:
    count: int
    url: str
    heat: int = 0  # 0 (none) to HEAT_LEVELS (the fullest cell)


def bill_filter(request):
    filters = BillFilter(request.GET, queryset=Bill.objects.all(), request=request)
    filters.form.is_valid()  # a filter with an invalid value is left out, as on the board
    return filters


def figures_of(filters):
    return programme_overview(
        filters.qs, today=timezone.localdate(), ministry=filters.form.cleaned_data.get("ministry")
    )


def board_url(filters, **chosen):
    """The board with the current filters, and `chosen` instead of those of the same name."""
    params = QueryDict(mutable=True)
    for name in filters.form.fields:
        values = [chosen[name]] if name in chosen else filters.data.getlist(name)
        params.setlist(name, [value for value in values if value])
    query = params.urlencode()
    return reverse("board") + (f"?{query}" if query else "")


def matrix_table(matrix, filters):
    """The matrix's rows with a link to the board behind every count."""
    fullest = max((count for row in matrix.rows for count in row.counts), default=0)

    def cell(count, **chosen):
        heat = -(-count * HEAT_LEVELS // fullest) if fullest else 0  # rounded up: any item shows
        return Cell(count=count, url=board_url(filters, **chosen), heat=heat)

    rows = [
        (row.ministry, [cell(n, ministry=row.ministry.code, stage=s) for s, n in zip(STAGES, row.counts)],
         Cell(count=row.total, url=board_url(filters, ministry=row.ministry.code)))
        for row in matrix.rows
    ]
    totals = [Cell(count=n, url=board_url(filters, stage=s)) for s, n in zip(STAGES, matrix.totals)]
    return rows, totals, Cell(count=matrix.total, url=board_url(filters))


@dataclass
class BarRow:
    """A row of a table whose last cell draws bars: a heading, figures, the bars in words and (class, width) each."""

    heading: str
    figures: list
    label: str = ""
    bars: tuple = ()
    title: str = ""


@dataclass
class BarTable:
    """Slippage per ministry and time in stage: the same table of figures and two bars per row."""

    name: str
    headings: list
    keys: tuple  # (class, words) of the upper and the lower bar
    rows: list
    empty: str = ""
    total: BarRow | None = None


def slippage_table(slippage):
    most_days = max((max(row.days_overdue, row.days_moved) for row in slippage.per_ministry), default=0)
    total = slippage.total
    return BarTable(
        "slippage",
        [_("Ministry"), _("Overdue milestones"), _("Days overdue"), _("Milestones planned later"), _("Days planned later")],
        (("overdue", _("days overdue")), ("moved", _("days planned later"))),
        [BarRow(row.ministry.code, [row.overdue, row.days_overdue, row.moved, row.days_moved],
                _("%(ministry)s: %(overdue)s days overdue, %(moved)s days planned later") % {
                    "ministry": row.ministry.code, "overdue": row.days_overdue, "moved": row.days_moved},
                (("overdue", share(row.days_overdue, most_days)), ("moved", share(row.days_moved, most_days))),
                title=row.ministry.name)
         for row in slippage.per_ministry],
        empty=_("No milestone is overdue or planned later."),
        total=BarRow(_("All ministries"), [total.overdue, total.days_overdue, total.moved, total.days_moved])
        if len(slippage.per_ministry) > 1 else None,
    )


def stage_times_table(time):
    longest_stay = max((row.longest or 0 for row in time.per_stage), default=0)
    rows = []
    for row in time.per_stage:
        median = floatformat(row.median, -1) or "–"
        longest = "–" if row.longest is None else row.longest
        bars = {}
        if row.stays:
            bars = {"label": _("%(stage)s: median %(median)s days, longest %(longest)s days") % {
                        "stage": row.stage.label, "median": median, "longest": longest},
                    "bars": (("median", share(row.median, longest_stay)), ("longest", share(row.longest, longest_stay)))}
        rows.append(BarRow(row.stage.label, [row.stays, row.ongoing, median, longest], **bars))
    return BarTable(
        "stage-times",
        [_("Stage"), _("Stays"), _("Of which ongoing"), _("Median (days)"), _("Longest (days)")],
        (("median", _("median")), ("longest", _("longest"))),
        rows,
    )


def overview_context(request):
    filters = bill_filter(request)
    overview = figures_of(filters)
    rows, totals, total = matrix_table(overview.matrix, filters)
    slippage = overview.slippage
    return {
        "filter": filters,
        "filter_words": filters_in_words(filters),
        "query": request.GET.urlencode(),
        "overview": overview,
        "past_raad_van_state": sum(chapter.past_raad_van_state for chapter in overview.chapters),
        "slippage_total": slippage.total,
        "slippage_table": slippage_table(slippage),
        "stage_times_table": stage_times_table(overview.time_in_stage),
        "stages": STAGES,
        "matrix_rows": rows,
        "matrix_totals": totals,
        "matrix_total": total,
        "flow_chart": flow_chart(overview.flow),
        "chapter_bars": [(chapter, stage_segments(chapter.counts)) for chapter in overview.chapters],
        "worst_slipped": slippage.milestones[:WORST_SHOWN],
    }


@require_GET
def overview(request):
    template = "overview/overview.html"
    if request.htmx:
        template += "#overview"
    return render(request, template, overview_context(request))


@require_GET
def overview_xlsx(request):
    filters = bill_filter(request)
    overview = figures_of(filters)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="programma-overzicht-{overview.today.isoformat()}.xlsx"'
    overview_workbook(overview, filters_in_words(filters), generated=timezone.localtime()).save(response)
    return response
