"""Loading the curated data files (legislation/data/) into the database.

Loading is idempotent and respects people's work: a field someone edited by
hand (listed in `edited_fields`) is never overwritten, a stage someone set is
never moved by the sources, and a move or milestone already loaded is found
again by its origin instead of being added twice.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from . import services
from .identifiers import IdentifierKind, parse
from .models import Bill, Chapter, Milestone, Ministry
from .policy import RuleError

DATA_DIR = Path(__file__).resolve().parent / "data"

# Fields the data file owns until someone edits them.
BILL_FIELDS = ("chapter", "category", "parent", "source_line", "title", "short_title", "instrument",
               "lead_ministry", "notes", "notes_en")
MILESTONE_FIELDS = ("label", "label_en", "planned_date", "precision", "date_inferred", "actual_date", "source")
# What the loader may still correct in a move it recorded: the wording, never the step.
MOVE_TEXT_FIELDS = ("reason", "reason_en", "source", "date_inferred")
# The history's reason for what the loader writes (its moves give their own).
LOADED = "Geladen uit de gegevensbestanden van het register"
# The text register.yaml's items come from: an item's source_line is the line of its bullet here.
BIJLAGE_2 = "004_1166f54ba1c9bc08.txt"


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
    identifiers: int = 0
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
            item["kamerstuk_fact"] = fact_naming(entry, str(entry["kamerstuk"]))
        item["milestones"] = [*(item.get("milestones") or []), *(entry.get("milestones") or [])]
        item["moves"] = [*(item.get("moves") or []), *(entry.get("moves") or [])]
        item["notes"] = [*(item.get("notes") or []), *(entry.get("notes") or [])]
    return items


def dossier_pattern(number):
    """A dossier's number as texts write it: 36546 or 36 546."""
    digits = number.split("-")[0]
    return re.compile(rf"\b{digits[:2]}\s?{digits[2:]}\b")


def fact_naming(entry, number):
    """The fact of a progress.yaml entry whose quote names dossier `number`."""
    pattern = dossier_pattern(number)
    facts = [*(entry.get("milestones") or []), *(entry.get("moves") or []), *(entry.get("notes") or [])]
    for fact in facts:
        if pattern.search(fact["quote"]):
            return fact
    raise RegisterDataError(f"progress.yaml: {entry['key']} has kamerstuk {number}, which none of its quotes names")


def dossier_fact(item):
    """Where the seeds state an item's own dossier, as a fact `cite` reads; None if they state none."""
    number = str(item.get("kamerstuk") or "")
    if not number:
        return None
    if "kamerstuk_fact" in item:
        return item["kamerstuk_fact"]
    # register.yaml's dossier is named in the item's bullet: the passage is the sentence that names it.
    text = " ".join(item["title"].split())
    found = dossier_pattern(number).search(text)
    if found is None:
        raise RegisterDataError(f"register.yaml: {item['key']} has kamerstuk {number}, which its text does not name")
    start = text.rfind(". ", 0, found.start()) + 2 if ". " in text[: found.start()] else 0
    end = text.find(". ", found.end())
    return {"document": BIJLAGE_2, "line": item["source_line"], "quote": text[start : end + 1 if end >= 0 else None]}


def texts(value):
    """A text of the data files as (Dutch, English): either {nl: …, en: …} or Dutch alone."""
    if isinstance(value, dict):
        return value["nl"].strip(), (value.get("en") or "").strip()
    return (value or "").strip(), ""


def cite(documents, fact, line_word="regel"):
    """The source of a move, milestone or note, as a person reads it."""
    title = documents.get(fact["document"], fact["document"])
    return f"{title} ({fact['document']}), {line_word} {fact['line']}: «{fact['quote'].strip()}»"


def notes(documents, facts):
    """An item's notes from the data files, in Dutch and in English, each with its source."""
    dutch = [f"{texts(fact['text'])[0]}\nBron: {cite(documents, fact)}" for fact in facts]
    english = [f"{texts(fact['text'])[1]}\nSource: {cite(documents, fact, 'line')}" for fact in facts]
    return "\n\n".join(dutch), "\n\n".join(english)


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
        }
        values["notes"], values["notes_en"] = notes(reference["documents"], item.get("notes") or [])
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
        _load_dossier(bill, item, reference["documents"], report)

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


def _load_dossier(bill, item, documents, report):
    """The item's own dossier where a seed states it; one a person removed from the item stays removed."""
    fact = dossier_fact(item)
    if fact is None or "identifiers" in bill.edited_fields:
        return
    value = parse(IdentifierKind.DOSSIER, str(item["kamerstuk"]))
    if not bill.identifiers.filter(kind=IdentifierKind.DOSSIER, value=value).exists():
        services.add_identifier(bill, IdentifierKind.DOSSIER, value, by=None, source=cite(documents, fact))
        report.identifiers += 1


def milestone_origins(milestones):
    """(origin, fact) for an item's milestones: where each came from, so a reload finds it again."""
    seen = Counter()
    for fact in milestones:
        origin = f"{fact['document']}:{fact['line']}:{fact['kind']}"
        # One sentence may report the same kind of step for several bills of a bundle.
        seen[origin] += 1
        yield (origin if seen[origin] == 1 else f"{origin}:{seen[origin]}"), fact


def _load_milestones(bill, milestones, documents, report):
    for origin, fact in milestone_origins(milestones):
        label, label_en = texts(fact.get("label"))
        values = {
            "label": label,
            "label_en": label_en,
            "planned_date": fact["date"],
            "precision": fact.get("precision", "day"),
            "date_inferred": bool(fact.get("date_inferred")),
            "actual_date": fact["date"] if fact.get("actual") else None,
            "source": cite(documents, fact),
        }
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
        reason, reason_en = texts(fact.get("reason"))
        if not reason:
            title = documents.get(fact["document"], fact["document"])
            reason = f"Voortgang gemeld in {title}; eerdere stappen staan niet in de bronnen."
            reason_en = f"Progress reported in {title}; earlier steps are not in the sources."
        text = {"reason": reason, "reason_en": reason_en, "source": cite(documents, fact),
                "date_inferred": bool(fact.get("date_inferred"))}
        move = bill.moves.filter(origin=origin).first()
        if move is None:
            if "stage" in bill.edited_fields:
                # Someone has steered this bill since; what they did stands.
                report.kept_by_hand.append(f"{bill.key}.stage")
                continue
            try:
                move = services.move_bill(bill, fact["to"], reason=reason, source=text["source"],
                                       occurred_on=fact["date"], origin=origin)
            except RuleError as error:
                raise RegisterDataError(f"{bill.key}: move to {fact['to']} refused: {error.message}") from error
            report.moves += 1
        # The services record the step; the English reason and whether its date is inferred only
        # the data files know, and their wording may be corrected on a later load.
        changed = [name for name in MOVE_TEXT_FIELDS if getattr(move, name) != text[name]]
        if changed:
            for name in changed:
                setattr(move, name, text[name])
            move.save(update_fields=changed)
