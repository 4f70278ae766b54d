import csv
import io
import json

from django.core.management import call_command
from django.urls import reverse

from legislation.models import Bill
from legislation.spreadsheets import FORMULA_STARTS, neutralise, restore


def export(fmt):
    out = io.StringIO()
    call_command("export_register", format=fmt, stdout=out)
    return out.getvalue()


def test_csv_has_one_row_per_item_sorted_by_key(db):
    rows = list(csv.DictReader(io.StringIO(export("csv"))))
    assert list(rows[0])[:9] == [
        "key", "chapter", "category", "parent_key", "title", "short_title", "instrument", "lead_ministry", "co_ministries"
    ]
    assert [r["key"] for r in rows] == sorted(Bill.objects.values_list("key", flat=True))
    by_key = {r["key"]: r for r in rows}
    for bill in Bill.objects.select_related("parent", "lead_ministry", "chapter"):
        row = by_key[bill.key]
        assert (row["chapter"], row["stage"], row["lead_ministry"], row["title"]) == (
            bill.chapter.code, bill.stage, bill.lead_ministry.code, bill.title
        )
        assert row["parent_key"] == (bill.parent.key if bill.parent else "")


def test_json_holds_milestones_and_moves(db):
    records = {r["key"]: r for r in json.loads(export("json"))}
    assert len(records) == Bill.objects.count()
    for bill in Bill.objects.prefetch_related("milestones", "moves"):
        record = records[bill.key]
        assert [(m["kind"], m["planned_date"]) for m in record["milestones"]] == [
            (m.kind, m.planned_date.isoformat() if m.planned_date else None) for m in bill.milestones.all()
        ]
        assert [(m["from"], m["to"], m["date"], m["source"]) for m in record["moves"]] == [
            (m.from_stage, m.to_stage, m.occurred_on.isoformat(), m.source) for m in bill.moves.all()
        ]


def test_export_takes_a_bounded_number_of_queries(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        export("json")


# Text a spreadsheet would run as a formula (OWASP, "CSV Injection"), and an apostrophe before one.
FORMULAS = ['=HYPERLINK("http://example.invalid","klik")', "+31 70", "-1", "@SUM(A1:A9)", "\tTab", "\rCR",
            "'=al met apostrof"]


def test_no_cell_of_the_register_csv_is_a_formula(client, alice, make_bill):
    bills = [make_bill(title=FORMULAS[0], short_title=FORMULAS[1]),
             make_bill(title=FORMULAS[2], short_title=FORMULAS[3]),
             make_bill(title=FORMULAS[4], short_title=FORMULAS[5]),
             make_bill(title=FORMULAS[6])]
    client.force_login(alice)
    content = client.get(reverse("register-csv")).content
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}
    cells = [rows[bill.key][name] for bill in bills for name in ("title", "short_title")][:7]
    assert cells == ["'" + text for text in FORMULAS]
    bill = bills[0]
    commanded = {r["key"]: r for r in csv.DictReader(io.StringIO(export("csv")))}[bill.key]
    assert commanded["title"] == "'" + FORMULAS[0]


def test_neutralised_text_is_restored_exactly():
    for text in [*FORMULAS, "'s-Hertogenbosch", "gewoon", ""]:
        assert restore(neutralise(text)) == text
        assert not str(neutralise(text)).startswith(FORMULA_STARTS)
