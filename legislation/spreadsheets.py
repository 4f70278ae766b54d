"""CSV and Excel files that never carry a live formula, for every export of the tracker.

A spreadsheet takes a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return for a formula, so a title such as ``=HYPERLINK(…)`` would run in the reader's Excel
(OWASP, "CSV Injection"). In a CSV such a cell gets a leading apostrophe, which the
spreadsheet shows as text and which an import of the file takes off again; in an Excel file
the cell is stored as text. Both are applied to whole files, so no column is forgotten.
"""

import tablib
from import_export.formats import base_formats
from tablib.formats._xlsx import XLSXFormat

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` as a CSV cell no spreadsheet runs; `restore` gives the original back.

    Text that already starts with apostrophes before a formula character gets one more, so that
    the apostrophe taken off on import is always the one added here.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def text_not_formulas(sheet):
    """Store every cell of `sheet` that openpyxl took for a formula as the text it is."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def mapped(dataset, function):
    """A copy of `dataset` with `function` applied to every value (the header stays)."""
    copy = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        copy.append([function(value) for value in row])
    return copy


class CSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(mapped(dataset, neutralise), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        return mapped(super().create_dataset(in_stream, **kwargs), restore)


class TextXLSXFormat(XLSXFormat):
    @classmethod
    def dset_sheet(cls, dataset, ws, **kwargs):
        super().dset_sheet(dataset, ws, **kwargs)
        text_not_formulas(ws)


class XLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return TextXLSXFormat.export_set(dataset, **kwargs)
