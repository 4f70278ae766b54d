"""The register as CSV or JSON: the `export_register` command and the users' download."""

import csv
import json

from .identifiers import IdentifierKind
from .models import Bill
from .spreadsheets import neutralise

# An item's public identifiers, a column per kind; several in one cell are separated by SEPARATOR.
IDENTIFIER_COLUMNS = {
    "kamerstukdossier": IdentifierKind.DOSSIER,
    "wetgevingskalender": IdentifierKind.WETGEVINGSKALENDER,
    "internetconsultatie": IdentifierKind.CONSULTATIE,
    "publicaties": IdentifierKind.PUBLICATIE,
}
SEPARATOR = "; "
COLUMNS = ("key", "chapter", "category", "parent_key", "title", "short_title", "instrument", "lead_ministry",
           "co_ministries", "stage", "stage_entered_on", "reading", "on_hold", "controversial", *IDENTIFIER_COLUMNS,
           "source_line")


def bills_for_export():
    return (
        Bill.objects.select_related("chapter", "parent", "lead_ministry")
        .prefetch_related("co_ministries", "identifiers__added_by", "milestones", "moves__moved_by")
        .order_by("key")
    )


def row(bill):
    return {
        "key": bill.key,
        "chapter": bill.chapter.code,
        "category": bill.category,
        "parent_key": bill.parent.key if bill.parent else "",
        "title": bill.title,
        "short_title": bill.short_title,
        "instrument": bill.instrument,
        "lead_ministry": bill.lead_ministry.code,
        "co_ministries": " ".join(sorted(m.code for m in bill.co_ministries.all())),
        "stage": bill.stage,
        "stage_entered_on": bill.stage_entered_on.isoformat() if bill.stage_entered_on else "",
        "reading": bill.reading,
        "on_hold": bill.on_hold,
        "controversial": bill.controversial,
        **{column: identifier_cell(bill, kind) for column, kind in IDENTIFIER_COLUMNS.items()},
        "source_line": bill.source_line,
    }


def identifier_values(bill, kind):
    """The values of `bill`'s identifiers of `kind`, from its prefetched identifiers."""
    return frozenset(identifier.value for identifier in bill.identifiers.all() if identifier.kind == kind)


def identifier_cell(bill, kind):
    return SEPARATOR.join(sorted(identifier_values(bill, kind)))


def write_csv(stream, bills=None):
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    for bill in bills if bills is not None else bills_for_export():
        writer.writerow({name: neutralise(value) for name, value in row(bill).items()})


def write_json(stream, bills=None):
    records = []
    for bill in bills if bills is not None else bills_for_export():
        record = row(bill)
        record["identifiers"] = [
            {
                "kind": i.kind,
                "value": i.value,
                "source": i.source,
                "added_by": i.added_by.get_username() if i.added_by else None,
            }
            for i in bill.identifiers.all()
        ]
        record["milestones"] = [
            {
                "kind": m.kind,
                "label": m.label,
                "planned_date": m.planned_date.isoformat() if m.planned_date else None,
                "precision": m.precision,
                "actual_date": m.actual_date.isoformat() if m.actual_date else None,
                "source": m.source,
            }
            for m in bill.milestones.all()
        ]
        record["moves"] = [
            {
                "from": m.from_stage,
                "to": m.to_stage,
                "flag": m.flag,
                "flag_set": m.flag_set,
                "date": m.occurred_on.isoformat(),
                "by": m.moved_by.get_username() if m.moved_by else None,
                "reason": m.reason,
                "source": m.source,
            }
            for m in bill.moves.all()
        ]
        records.append(record)
    # One write, so that a management command's stdout adds no line breaks in between.
    stream.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
