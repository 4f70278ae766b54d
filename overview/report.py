"""The overview as a report: the filters that made it, in words, and the Excel workbook."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from legislation.spreadsheets import text_not_formulas

from .figures import STAGES

DATE = "d-m-yyyy"
BOLD = Font(bold=True)
WIDEST_COLUMN = 60


def filters_in_words(filters):
    """The filters in effect, as (label, value) pairs in the user's language; invalid ones had no effect."""
    words = []
    for name, field in filters.form.fields.items():
        value = filters.form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if isinstance(field, forms.ModelChoiceField):
            shown = str(value)
        elif isinstance(field, forms.ChoiceField):
            shown = str(dict(field.choices).get(value, value))
        elif value is True:
            shown = _("yes")
        else:
            shown = str(value)
        words.append((str(field.label), shown))
    return words


def overview_workbook(overview, filter_words, *, generated):
    """One sheet per table of the overview, after a first sheet saying when and for which filters."""
    book = Workbook()
    stage_labels = [str(stage.label) for stage in STAGES]
    time = overview.time_in_stage
    slippage = overview.slippage

    report = book.active
    report.title = _("Report")
    report.append([_("Programme overview")])
    report["A1"].font = Font(bold=True, size=14)
    report.append([])
    report.append([_("Generated"), generated.replace(tzinfo=None)])
    report.append([_("Figures as of the end of"), overview.today])
    report.append([_("Items"), overview.item_count])
    report.append([_("Filters"), *(filter_words[0] if filter_words else [_("none: the whole programme")])])
    for label, value in filter_words[1:]:
        report.append(["", label, value])
    report.append([])
    for title, note in notes(overview):
        report.append([title, note])
    report["B3"].number_format = "d-m-yyyy hh:mm"
    report["B4"].number_format = DATE
    for cell in report["A"][2:6]:
        cell.font = BOLD
    report.column_dimensions["A"].width = 28
    report.column_dimensions["B"].width = 22
    report.column_dimensions["C"].width = 30

    matrix = overview.matrix
    table(book, _("Stages per ministry"), [_("Ministry"), *stage_labels, _("Total")], [
        *([row.ministry.code, *row.counts, row.total] for row in matrix.rows),
        [_("All items"), *matrix.totals, matrix.total],
    ])
    table(book, _("Cumulative flow"), [_("Date"), *stage_labels],
          ([day, *counts] for day, counts in zip(overview.flow.days, overview.flow.counts)))
    total = slippage.total
    table(book, _("Slippage per ministry"), [
        _("Ministry"), _("Overdue milestones"), _("Days overdue"), _("Milestones planned later"),
        _("Days planned later"),
    ], [
        *([row.ministry.code, row.overdue, row.days_overdue, row.moved, row.days_moved]
          for row in slippage.per_ministry),
        [_("All ministries"), total.overdue, total.days_overdue, total.moved, total.days_moved],
    ])
    table(book, _("Slipped milestones"), [
        _("Item"), _("Short title"), _("Lead ministry"), _("Milestone"), _("Planned date"), _("First planned date"),
        _("Actual date"), _("Days overdue"), _("Days planned later"),
    ], ([m.bill_key, m.bill_title, m.ministry.code, str(m.milestone), m.planned_date, m.first_planned_date,
         m.actual_date, m.days_overdue, m.days_moved] for m in slippage.milestones))
    table(book, _("Time in stage"), [_("Stage"), _("Stays"), _("Of which ongoing"), _("Median (days)"),
                                     _("Longest (days)")],
          ([str(row.stage.label), row.stays, row.ongoing, row.median, row.longest] for row in time.per_stage))
    table(book, _("Longest in stage"), [
        _("Item"), _("Short title"), _("Lead ministry"), _("Stage"), _("In this stage since"), _("Days"),
    ], ([item.key, item.short_title, item.ministry.code, str(item.stage.label), item.since, item.days]
        for item in time.longest))
    chapters = table(book, _("Chapters"), [
        _("Chapter"), _("Title"), _("Items"), *stage_labels, _("Past the Raad van State"),
        _("Share past the Raad van State"),
    ], ([c.chapter.code, c.chapter.title, c.total, *c.counts, c.past_raad_van_state, c.share_past_raad_van_state]
        for c in overview.chapters))
    for (cell,) in chapters.iter_rows(min_row=2, min_col=chapters.max_column, max_col=chapters.max_column):
        cell.number_format = "0%"
    # Titles and the filters from the address are text, whatever they begin with.
    for sheet in book.worksheets:
        text_not_formulas(sheet)
    return book


def notes(overview):
    """What a reader of the workbook needs to know to read the figures right: the page's notes."""
    never_moved = overview.time_in_stage.never_moved
    return [
        (_("Items per ministry and stage"),
         _("An item counts for its lead ministry and for each co-responsible ministry, as the board's ministry "
           "filter shows it; the bottom row counts each item once.")),
        (_("Slippage"),
         _("A milestone is overdue when its planned date has passed without an actual date, and planned later "
           "when its planned date is later than the first one recorded for it. Per lead ministry.")),
        (_("Time in stage"),
         _("From the move that entered a stage to the move that left it, or to today for items still there.") + " "
         + ngettext("%(items)s item never moved: when it entered its stage is not recorded, so it is left out here.",
                    "%(items)s items never moved: when they entered their stage is not recorded, so they are left "
                    "out here.", never_moved) % {"items": never_moved}),
    ]


def table(book, title, header, rows):
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    widths = [len(str(label)) for label in header]
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.is_date:
                cell.number_format = DATE
        widths = [max(width, len(str(value)) if value is not None else 0) for width, value in zip(widths, row)]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, WIDEST_COLUMN)
    sheet.freeze_panes = "B2"
    return sheet
