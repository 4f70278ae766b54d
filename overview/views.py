from dataclasses import dataclass

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
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


def overview_context(request):
    filters = bill_filter(request)
    overview = figures_of(filters)
    rows, totals, total = matrix_table(overview.matrix, filters)
    time = overview.time_in_stage
    longest_stay = max((row.longest or 0 for row in time.per_stage), default=0)
    slippage = overview.slippage
    most_days = max((max(row.days_overdue, row.days_moved) for row in slippage.per_ministry), default=0)
    return {
        "filter": filters,
        "filter_words": filters_in_words(filters),
        "query": request.GET.urlencode(),
        "overview": overview,
        "past_raad_van_state": sum(chapter.past_raad_van_state for chapter in overview.chapters),
        "slippage_total": slippage.total,
        "stages": STAGES,
        "matrix_rows": rows,
        "matrix_totals": totals,
        "matrix_total": total,
        "flow_chart": flow_chart(overview.flow),
        "chapter_bars": [(chapter, stage_segments(chapter.counts)) for chapter in overview.chapters],
        "stage_times": [(row, share(row.median, longest_stay), share(row.longest, longest_stay))
                        for row in time.per_stage],
        "ministry_slippage": [(row, share(row.days_overdue, most_days), share(row.days_moved, most_days))
                              for row in slippage.per_ministry],
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
