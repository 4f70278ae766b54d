"""Loading the curated data files (legislation/data/) into the database.

Loading is idempotent and respects people's work: a field someone edited by
hand (listed in `edited_fields`) is never overwritten, a stage someone set is
never moved by the sources, and a move or milestone already loaded is found
again by its origin instead of being added twice.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from . import services
from .models import Bill, Chapter, Milestone, Ministry
from .policy import RuleError

DATA_DIR = Path(__file__).resolve().parent / "data"

# Fields the data file owns until someone edits them.
BILL_FIELDS = ("chapter", "category", "parent", "source_line", "title", "short_title", "instrument",
               "lead_ministry", "kamerstuk")
MILESTONE_FIELDS = ("planned_date", "precision", "actual_date", "source")
# The history's reason for what the loader writes (its moves give their own).
LOADED = "Geladen uit de gegevensbestanden van het register"


class RegisterDataError(Exception):
    pass


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moves: int = 0
    milestones_created: int = 0
    milestones_updated: int = 0
    kept_by_hand: list = field(default_factory=list)
    not_in_data: list = field(default_factory=list)


def read_yaml(name, data_dir=DATA_DIR):
    with open(Path(data_dir) / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def read_items(data_dir=DATA_DIR):
    """The register's items with what progress.yaml reports merged in."""
    items = read_yaml("register.yaml", data_dir)
    by_key = {item["key"]: item for item in items}
    for entry in read_yaml("progress.yaml", data_dir) or []:
        item = by_key.get(entry["key"])
        if item is None:
            raise RegisterDataError(f"progress.yaml names {entry['key']}, which is not in register.yaml")
        if entry.get("kamerstuk"):
            item["kamerstuk"] = entry["kamerstuk"]
        item["milestones"] = [*(item.get("milestones") or []), *(entry.get("milestones") or [])]
        item["moves"] = [*(item.get("moves") or []), *(entry.get("moves") or [])]
    return items


def cite(documents, fact):
    """The source of a move or milestone, as a person reads it."""
    title = documents.get(fact["document"], fact["document"])
    return f"{title} ({fact['document']}), regel {fact['line']}: «{fact['quote'].strip()}»"


@transaction.atomic
def load_register(data_dir=DATA_DIR):
    reference = read_yaml("reference.yaml", data_dir)
    items = read_items(data_dir)
    report = LoadReport()

    ministries = {}
    for code, name in reference["ministries"].items():
        ministries[code], _ = Ministry.objects.update_or_create(code=code, defaults={"name": name})
    chapters = {}
    for position, (code, title) in enumerate(reference["chapters"].items(), start=1):
        chapters[code], _ = Chapter.objects.update_or_create(
            code=code, defaults={"title": title, "position": position}
        )

    existing = {bill.key: bill for bill in Bill.objects.prefetch_related("co_ministries")}
    loaded = {}
    for item in items:
        values = {
            "chapter": chapters[item["chapter"]],
            "category": item["category"],
            "parent": loaded[item["parent"]] if item.get("parent") else None,
            "source_line": item.get("source_line"),
            "title": item["title"].strip(),
            "short_title": item["short_title"].strip(),
            "instrument": item["instrument"],
            "lead_ministry": ministries[item["lead_ministry"]],
            "kamerstuk": str(item.get("kamerstuk") or ""),
        }
        co_ministries = {ministries[code] for code in item.get("co_ministries") or []}
        bill = existing.pop(item["key"], None)
        if bill is None:
            bill = Bill(key=item["key"], **values)
            with services.attributed(bill, None, LOADED):
                bill.save()
                bill.co_ministries.set(co_ministries)
            report.created += 1
        elif _update_bill(bill, values, co_ministries, report):
            report.updated += 1
        else:
            report.unchanged += 1
        loaded[bill.key] = bill
        _load_milestones(bill, item.get("milestones") or [], reference["documents"], report)
        _load_moves(bill, item.get("moves") or [], reference["documents"], report)

    report.not_in_data = sorted(existing)
    return report


def _update_bill(bill, values, co_ministries, report):
    changed = [name for name, value in values.items() if getattr(bill, name) != value]
    kept = [name for name in changed if name in bill.edited_fields]
    report.kept_by_hand += [f"{bill.key}.{name}" for name in kept]
    changes = {name: values[name] for name in changed if name not in kept}
    if "co_ministries" in bill.edited_fields or set(bill.co_ministries.all()) == co_ministries:
        co_ministries = None
    if not changes and co_ministries is None:
        return False
    services.load_bill(bill, reason=LOADED, co_ministries=co_ministries, **changes)
    return True


def _load_milestones(bill, milestones, documents, report):
    for fact in milestones:
        values = {
            "planned_date": fact["date"],
            "precision": fact.get("precision", "day"),
            "actual_date": fact["date"] if fact.get("actual") else None,
            "source": cite(documents, fact),
        }
        origin = f"{fact['document']}:{fact['line']}:{fact['kind']}"
        milestone = Milestone.objects.filter(bill=bill, origin=origin).select_related("bill").first()
        if milestone is None:
            services.add_milestone(bill, by=None, reason=LOADED, kind=fact["kind"], origin=origin, **values)
            report.milestones_created += 1
            continue
        changes = {name: values[name] for name in MILESTONE_FIELDS
                   if name not in milestone.edited_fields and getattr(milestone, name) != values[name]}
        if changes:
            services.change_milestone(milestone, by=None, reason=LOADED, **changes)
            report.milestones_updated += 1


def _load_moves(bill, moves, documents, report):
    for fact in sorted(moves, key=lambda fact: fact["date"]):
        origin = f"{fact['document']}:{fact['line']}:{fact['to']}"
        if bill.moves.filter(origin=origin).exists():
            continue
        if "stage" in bill.edited_fields:
            # Someone has steered this bill since; what they did stands.
            report.kept_by_hand.append(f"{bill.key}.stage")
            continue
        reason = fact.get("reason") or (
            f"Voortgang gemeld in {documents.get(fact['document'], fact['document'])}; "
            "eerdere stappen staan niet in de bronnen."
        )
        try:
            services.move_bill(bill, fact["to"], reason=reason, source=cite(documents, fact),
                            occurred_on=fact["date"], origin=origin)
        except RuleError as error:
            raise RegisterDataError(f"{bill.key}: move to {fact['to']} refused: {error.message}") from error
        report.moves += 1
