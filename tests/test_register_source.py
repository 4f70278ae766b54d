"""legislation/data/register.yaml against its source, Bijlage 2 of the Regeerprogramma.

Plain pytest, no Django. Bijlage 2 is parsed here from the seed (004, from line 9444),
independently of the data file: every `•` bullet and `−` sub-item, each running to the next
marker or to the next chapter or category heading. The register must hold exactly those items,
in that order, with the keys of the README scheme recomputed here, the source line, chapter and
category of the bullet, and a title that is the bullet's text (compared by fingerprint, so line
breaks and hyphenation do not matter). Every milestone and move must quote the bullet it belongs
to, at the line given.
"""

import calendar
import datetime
import re
from pathlib import Path

import pytest
import yaml

from tests.seeds import REGEERPROGRAMMA, fingerprint, seed_lines

REGISTER = Path(__file__).resolve().parent.parent / "legislation" / "data" / "register.yaml"

BIJLAGE2_START = 9444  # 1-based line of " Bijlage 2 " in 004
CHAPTER_HEADING = re.compile(r"^\s*H(\d+)([ab]?)\.\s")
CATEGORY_A = re.compile(r"^\s*Aangekondigde nieuwe wetgeving")
CATEGORY_V = re.compile(r"^\s*Zal naar verwachting")  # case-sensitive: bullet text has "zal naar verwachting"
MARKER = re.compile(r"^\s*([•−])\s*(.*)$")
KEY = re.compile(r"^H\d{2}[ab]?-[AV]-\d{2}(\.\d+)?$")

# (chapter, category) -> number of items, sub-items included, as counted by hand in the seed.
COUNTS = {
    ("H1", "aangekondigd"): 14, ("H1", "verwacht"): 13,
    ("H2", "aangekondigd"): 9,
    ("H3a", "aangekondigd"): 13, ("H3a", "verwacht"): 9,
    ("H3b", "aangekondigd"): 2, ("H3b", "verwacht"): 2,
    ("H4", "aangekondigd"): 2, ("H4", "verwacht"): 6,
    ("H5", "aangekondigd"): 1, ("H5", "verwacht"): 8,
    ("H6a", "aangekondigd"): 9,
    ("H6b", "aangekondigd"): 6,
    ("H7", "aangekondigd"): 24, ("H7", "verwacht"): 5,
    ("H8", "aangekondigd"): 23, ("H8", "verwacht"): 11,
    ("H9", "aangekondigd"): 3,
    ("H10", "aangekondigd"): 6, ("H10", "verwacht"): 4,
}

# key -> (kinds of its milestones, stages of its moves), in file order: every date or step the
# Bijlage 2 text states. A change to the evidence must be a deliberate change to this table.
EVIDENCE = {
    "H01-A-05": (["inwerkingtreding"], []),  # "maximum uurprijzen KOT 2026"
    "H01-V-01": (["overig"], []),  # beleidsopties eind 2024 naar de Kamer
    "H01-V-02": (["overig"], []),
    "H01-V-03": (["overig"], []),  # uitwerking eind 2024 naar de Kamer
    "H01-V-04": (["overig"], []),
    "H04-A-02": ([], ["tweede_kamer"]),  # the Transitiefonds bill "wordt ingetrokken": it is pending
    "H05-A-01": (["consultatie_start"], []),  # Q4 2024
    "H05-V-02": (["inwerkingtreding"], []),  # Belastingplan 2025
    "H05-V-02.2": (["inwerkingtreding"], []),  # 1 januari 2027
    "H06a-A-01": (["inwerkingtreding"], []),  # voor het jaar 2026
    "H06a-A-02": (["inwerkingtreding"], []),  # met ingang van het jaar 2027
    "H06a-A-07": ([], ["tweede_kamer"]),  # Kamerstukken 36546
    "H06a-A-08": (["voorhang"], []),  # nog dit jaar naar de Tweede Kamer
    "H10-V-01": (["overig", "inwerkingtreding"], ["tweede_kamer"]),  # ATR: nota van wijziging, voorjaar 2025
}

CHAPTERS = ["H1", "H2", "H3a", "H3b", "H4", "H5", "H6a", "H6b", "H7", "H8", "H9", "H10"]
CATEGORIES = {"aangekondigd", "verwacht"}
INSTRUMENTS = {
    "wet", "rijkswet", "grondwet", "amvb", "amvrb", "kb", "ministeriele_regeling", "eu_implementatie",
    "circulaire", "besluit", "onbekend",
}
MINISTRIES = {
    "AZ", "BZ", "JenV", "AenM", "BZK", "OCW", "Fin", "Def", "IenW", "EZ", "KGG", "LVVN", "SZW", "VWS", "VRO",
}
STAGES = {
    "aangekondigd", "voorbereiding", "consultatie", "raad_van_state", "tweede_kamer",
    "eerste_kamer", "gepubliceerd", "in_werking", "ingetrokken", "verworpen", "vervallen",
}
KINDS = {
    "consultatie_start", "consultatie_einde", "ministerraad", "adviesaanvraag_rvs", "advies_rvs",
    "indiening_tk", "voorhang", "stemming_tk", "stemming_ek", "publicatie", "inwerkingtreding",
    "eu_deadline", "overig",
}
PRECISIONS = {"day", "month", "quarter", "year"}
ITEM_FIELDS = [
    "key", "chapter", "category", "parent", "source_line", "title", "short_title", "instrument",
    "lead_ministry", "co_ministries", "kamerstuk", "milestones", "moves",
]
OPTIONAL_ITEM_FIELDS = ["notes"]  # after the others, where present
MILESTONE_FIELDS = {"kind", "date", "precision", "actual", "document", "line", "quote"}
MOVE_FIELDS = {"to", "date", "precision", "reason", "document", "line", "quote"}
NOTE_FIELDS = {"text", "document", "line", "quote"}
OPTIONAL_EVENT_FIELDS = {"date_inferred"}
# The Regeerprogramma states no date of its own; a step dated by it is dated by inference.
REGEERPROGRAMMA_DATE = datetime.date(2024, 9, 13)


# --- Bijlage 2, parsed from 004 ---------------------------------------------------------------

def parse_bijlage2():
    """The bullets of Bijlage 2 in document order, each a dict with key, marker, parent,
    chapter, category, line (1-based, of the marker), end (last line of its text) and text."""
    lines = seed_lines(REGEERPROGRAMMA)
    assert lines[BIJLAGE2_START - 1].strip() == "Bijlage 2", "Bijlage 2 has moved in the seed"
    bullets = []
    chapter = code = category = current = parent = None
    position = {}
    for number in range(BIJLAGE2_START, len(lines) + 1):
        raw = lines[number - 1]
        heading = CHAPTER_HEADING.match(raw)
        if heading:
            chapter = f"H{heading.group(1)}{heading.group(2)}"  # as in the data: H1, H3a, H10
            code = f"H{int(heading.group(1)):02d}{heading.group(2)}"  # as in keys: H01, H03a, H10
            # H1's heading carries the start of its category heading: "H1. Bestaanszekerheid Aangekondigde"
            category = "aangekondigd" if "Aangekondigde" in raw else None
            current = None
            continue
        if CATEGORY_A.match(raw):
            category, current = "aangekondigd", None
            continue
        if CATEGORY_V.match(raw):
            category, current = "verwacht", None
            continue
        marker = MARKER.match(raw)
        if marker:
            assert chapter and category, f"bullet outside a chapter or category at line {number}"
            sign, first = marker.groups()
            prefix = f"{code}-{'A' if category == 'aangekondigd' else 'V'}"
            if sign == "•":
                position[prefix] = position.get(prefix, 0) + 1
                key = f"{prefix}-{position[prefix]:02d}"
                current = {"key": key, "parent": None, "subs": 0}
                parent = current
            else:
                assert parent and parent["key"].startswith(prefix + "-"), (
                    f"sub-item without a bullet of its chapter and category at line {number}"
                )
                parent["subs"] += 1
                key = f"{parent['key']}.{parent['subs']}"
                current = {"key": key, "parent": parent["key"]}
            current.update(
                marker=sign, chapter=chapter, category=category, line=number, end=number, lines=[first]
            )
            bullets.append(current)
            continue
        if current is not None:
            current["lines"].append(raw)
            if raw.strip():
                current["end"] = number
    for bullet in bullets:
        bullet["text"] = " ".join(part.strip() for part in bullet["lines"] if part.strip())
    return bullets


@pytest.fixture(scope="module")
def bullets():
    return parse_bijlage2()


@pytest.fixture(scope="module")
def register():
    try:
        data = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an impossible date such as 2024-02-30
        pytest.fail(f"register.yaml does not load: {error}")
    assert isinstance(data, list) and data, "register.yaml must be a non-empty list"
    for index, item in enumerate(data):
        assert isinstance(item, dict) and "key" in item, f"register.yaml entry {index} has no key"
    return data


def events(register, fields=("milestones", "moves")):
    """(item key, field, index, record) for every dated record (or every record of `fields`)."""
    for item in register:
        for field in fields:
            for index, record in enumerate(item.get(field) or []):
                yield item["key"], field, index, record


def is_texts(value):
    """A text the interface shows: Dutch, with the English version the English interface shows."""
    return (
        isinstance(value, dict) and set(value) == {"nl", "en"}
        and all(isinstance(text, str) and text.strip() for text in value.values()) and value["nl"] != value["en"]
    )


def as_date(value, where):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    assert isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (
        f"{where}: not an ISO date: {value!r}"
    )
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pytest.fail(f"{where}: not a valid date: {value!r}")


def report(errors):
    assert not errors, f"{len(errors)} problem(s):\n" + "\n".join(errors)


# --- the parser itself ------------------------------------------------------------------------

def test_parser_finds_every_bullet(bullets):
    assert len([b for b in bullets if b["marker"] == "•"]) == 160
    assert len([b for b in bullets if b["marker"] == "−"]) == 10
    counts = {}
    for b in bullets:
        counts[b["chapter"], b["category"]] = counts.get((b["chapter"], b["category"]), 0) + 1
    assert counts == COUNTS
    assert [c for c in dict.fromkeys(b["chapter"] for b in bullets)] == CHAPTERS
    by_key = {b["key"]: b for b in bullets}
    # spot checks on the careful spots
    assert by_key["H03a-A-09"]["line"] == 9621 and "servicekosten" in by_key["H03a-A-09"]["text"]
    assert by_key["H06a-A-03"]["text"].endswith("Wijziging Zorgverzekeringswet en/of Besluit zorgverzekering")
    assert by_key["H06a-A-09"]["text"] == "Wetsvoorstel Jeugdbescherming"
    assert by_key["H05-A-01"]["text"].endswith("voor deze wet te starten.")
    assert by_key["H07-V-05"]["text"] == "Wetsvoorstel vereenvoudiging burgerlijk procesrecht"
    assert "wet- en regelgeving:" not in by_key["H10-A-06"]["text"]
    assert by_key["H10-V-01"]["text"].startswith("“Introductie van de wettelijke verplichting")
    assert by_key["H01-V-09.4"]["text"] == "Tweede wijziging Maatregelenbesluit"
    assert by_key["H02-A-01.3"]["parent"] == "H02-A-01"


# --- one item per bullet ----------------------------------------------------------------------

def test_every_bullet_is_one_item(register, bullets):
    """Nothing missing, duplicated, merged or split: item i is bullet i."""
    errors = []
    if len(register) != len(bullets):
        errors.append(f"register.yaml has {len(register)} items, Bijlage 2 has {len(bullets)} bullets")
    for index, (item, bullet) in enumerate(zip(register, bullets)):
        where = f"item {index} ({item.get('key')}, bullet at line {bullet['line']})"
        if item.get("source_line") != bullet["line"]:
            errors.append(f"{where}: source_line {item.get('source_line')} != {bullet['line']}")
        if item.get("chapter") != bullet["chapter"]:
            errors.append(f"{where}: chapter {item.get('chapter')} != {bullet['chapter']}")
        if item.get("category") != bullet["category"]:
            errors.append(f"{where}: category {item.get('category')} != {bullet['category']}")
        title = item.get("title")
        if not isinstance(title, str) or fingerprint(title) != fingerprint(bullet["text"]):
            errors.append(f"{where}: title is not the bullet's text\n  title:  {title!r}\n  bullet: {bullet['text']!r}")
    for bullet in bullets[len(register):]:
        errors.append(f"no item for the bullet at line {bullet['line']}: {bullet['text'][:60]!r}")
    for item in register[len(bullets):]:
        errors.append(f"{item.get('key')}: no bullet left for this item")
    report(errors)


def test_titles_keep_the_wording_and_are_clean(register, bullets):
    """Stricter than the fingerprint: case is kept, and line breaks leave no trace."""
    errors = []
    strip = lambda text: re.sub(r"[\s\-]+", "", text)  # noqa: E731
    for item, bullet in zip(register, bullets):
        title = item["title"]
        where = f"{item['key']} (line {bullet['line']})"
        if strip(title) != strip(bullet["text"]):
            errors.append(f"{where}: title differs from the bullet in more than spacing and hyphens")
        if title != " ".join(title.split()):
            errors.append(f"{where}: title has line breaks or runs of white space")
        if title.startswith(("•", "−")):
            errors.append(f"{where}: title includes its marker")
        # a hyphen at a line break ("vereenvoudig-" / "de") is joined, never left as "vereenvoudig- de"
        seed = [raw for raw in bullet["lines"] if raw.strip()]
        for this, following in zip(seed, seed[1:]):
            broken = re.search(r"(\w+)-$", this)
            if broken:
                word = following.split()[0]
                if f"{broken.group(1)}- {word}" in title:
                    errors.append(f"{where}: line-break hyphen left in {broken.group(1)}- {word!r}")
    report(errors)


# --- keys and parents -------------------------------------------------------------------------

def test_keys_follow_the_scheme_in_document_order(register, bullets):
    keys = [item["key"] for item in register]
    errors = [f"{k}: not a key of the README scheme" for k in keys if not KEY.match(str(k))]
    errors += [
        f"item {i} (line {b['line']}): key {item['key']} should be {b['key']}"
        for i, (item, b) in enumerate(zip(register, bullets))
        if item["key"] != b["key"]
    ]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        errors.append(f"duplicate keys: {duplicates}")
    if keys != sorted(keys):
        errors.append("keys do not sort in document order: " + ", ".join(
            f"{a} > {b}" for a, b in zip(keys, keys[1:]) if a > b))
    lines = [item.get("source_line") for item in register]
    if lines != sorted(lines):
        errors.append("items are not in document order (source_line decreases)")
    report(errors)


def test_sub_items_belong_to_the_nearest_preceding_bullet(register, bullets):
    errors = []
    last_bullet = None
    for item, bullet in zip(register, bullets):
        where = f"{item['key']} (line {bullet['line']})"
        if bullet["marker"] == "•":
            last_bullet = item["key"]
            if item.get("parent") is not None:
                errors.append(f"{where}: a • bullet has parent {item.get('parent')!r}")
        else:
            if item.get("parent") != last_bullet:
                errors.append(f"{where}: parent {item.get('parent')!r}, should be {last_bullet!r}")
            if not str(item["key"]).startswith(f"{last_bullet}."):
                errors.append(f"{where}: a sub-item's key must extend its parent's key {last_bullet}")
    report(errors)


# --- fields and codes -------------------------------------------------------------------------

def test_fields_and_codes(register):
    errors = []
    for item in register:
        key = item["key"]
        if list(item)[: len(ITEM_FIELDS)] != ITEM_FIELDS or list(item)[len(ITEM_FIELDS):] not in ([], OPTIONAL_ITEM_FIELDS):
            errors.append(f"{key}: fields {list(item)} != {ITEM_FIELDS} (+ {OPTIONAL_ITEM_FIELDS})")
            continue
        if item["chapter"] not in CHAPTERS:
            errors.append(f"{key}: chapter {item['chapter']!r}")
        if item["category"] not in CATEGORIES:
            errors.append(f"{key}: category {item['category']!r}")
        if item["instrument"] not in INSTRUMENTS:
            errors.append(f"{key}: instrument {item['instrument']!r}")
        if item["lead_ministry"] not in MINISTRIES:
            errors.append(f"{key}: lead_ministry {item['lead_ministry']!r}")
        co = item["co_ministries"]
        if not isinstance(co, list) or any(code not in MINISTRIES for code in co):
            errors.append(f"{key}: co_ministries {co!r} must be a list of ministry codes")
        elif len(set(co)) != len(co) or item["lead_ministry"] in co:
            errors.append(f"{key}: co_ministries {co!r} repeat a ministry or the lead")
        if not isinstance(item["milestones"], list) or not isinstance(item["moves"], list):
            errors.append(f"{key}: milestones and moves must be lists")
    report(errors)


def test_short_titles(register):
    errors = []
    seen = {}
    for item in register:
        key, short = item["key"], item.get("short_title")
        if not isinstance(short, str) or not short.strip():
            errors.append(f"{key}: short_title is empty")
            continue
        if short != " ".join(short.split()):
            errors.append(f"{key}: short_title has stray white space: {short!r}")
        if len(short) > 110:
            errors.append(f"{key}: short_title has {len(short)} characters (max 110): {short!r}")
        if short in seen:
            errors.append(f"{key}: short_title {short!r} is also that of {seen[short]}")
        seen.setdefault(short, key)
    report(errors)


def test_kamerstuk_is_named_in_the_bullet(register, bullets):
    errors = []
    for item, bullet in zip(register, bullets):
        kamerstuk = item.get("kamerstuk")
        if kamerstuk is None:
            continue
        if not re.fullmatch(r"\d{5}(-[A-Z0-9]+)?", str(kamerstuk)):
            errors.append(f"{item['key']}: kamerstuk {kamerstuk!r} is not a Kamerstuk number")
        elif str(kamerstuk).split("-")[0] not in bullet["text"]:
            errors.append(f"{item['key']}: kamerstuk {kamerstuk} is not named in its bullet (line {bullet['line']})")
    report(errors)


# --- milestones and moves ---------------------------------------------------------------------

def test_evidence_matches_expected_table(register):
    actual = {
        item["key"]: ([m.get("kind") for m in item["milestones"]], [m.get("to") for m in item["moves"]])
        for item in register
        if item.get("milestones") or item.get("moves")
    }
    report([
        f"{key}: (milestone kinds, move stages) are {actual.get(key)}, the table says {EVIDENCE.get(key)}"
        for key in sorted(set(actual) | set(EVIDENCE))
        if actual.get(key) != EVIDENCE.get(key)
    ])


def test_milestones_and_moves_are_well_formed(register):
    errors = []
    for key, field, index, record in events(register):
        where = f"{key} {field}[{index}]"
        expected = MILESTONE_FIELDS if field == "milestones" else MOVE_FIELDS
        if not isinstance(record, dict) or not expected <= set(record) <= expected | OPTIONAL_EVENT_FIELDS:
            errors.append(f"{where}: fields {sorted(record) if isinstance(record, dict) else record!r} != {sorted(expected)}")
            continue
        if not isinstance(record.get("date_inferred", False), bool):
            errors.append(f"{where}: date_inferred must be true or false")
        if field == "milestones":
            if record["kind"] not in KINDS:
                errors.append(f"{where}: kind {record['kind']!r}")
            if not isinstance(record["actual"], bool):
                errors.append(f"{where}: actual must be true or false")
        else:
            if record["to"] not in STAGES:
                errors.append(f"{where}: stage {record['to']!r}")
            # a move in the register is always an inference from the text: say which, in both languages
            if not is_texts(record["reason"]):
                errors.append(f"{where}: a move needs its reason, as {{nl: …, en: …}}")
        date = as_date(record["date"], where)
        precision = record["precision"]
        if precision not in PRECISIONS:
            errors.append(f"{where}: precision {precision!r}")
        last_of_month = calendar.monthrange(date.year, date.month)[1]
        if precision in ("month", "quarter", "year") and date.day != last_of_month:
            errors.append(f"{where}: {date} is not the last day of its {precision}")
        if precision == "quarter" and date.month not in (3, 6, 9, 12):
            errors.append(f"{where}: {date} is not the last day of a quarter")
        if precision == "year" and (date.month, date.day) != (12, 31):
            errors.append(f"{where}: {date} is not the last day of a year")
        if not datetime.date(2024, 1, 1) <= date <= datetime.date(2035, 12, 31):
            errors.append(f"{where}: {date} is outside 2024-2035")
    report(errors)


def test_dates_stated_or_inferred(register):
    """A date the text does not state is marked inferred: the Regeerprogramma's own date, and a
    day assumed where the quote gives only a year (KOT 2026, Belastingplan 2025)."""
    errors = []
    for key, field, index, record in events(register):
        date = record.get("date")
        if not isinstance(date, datetime.date):
            continue  # reported by test_milestones_and_moves_are_well_formed
        assumed_day = record.get("precision") == "day" and f"{date.day} " not in str(record.get("quote"))
        if (date == REGEERPROGRAMMA_DATE or assumed_day) and not record.get("date_inferred"):
            errors.append(f"{key} {field}[{index}]: {date} is not stated in its quote; mark it inferred")
    report(errors)


def test_notes(register):
    errors = []
    for key, field, index, note in events(register, ("notes",)):
        if not isinstance(note, dict) or set(note) != NOTE_FIELDS or not is_texts(note["text"]):
            errors.append(f"{key} notes[{index}]: needs {sorted(NOTE_FIELDS)} with text as {{nl: …, en: …}}")
    report(errors)


def test_quotes_stand_in_their_bullet_at_their_line(register, bullets):
    """Each quote is in the Regeerprogramma, starts on the line given (it may run on into the
    following lines) and lies within the bullet of its own item."""
    lines = seed_lines(REGEERPROGRAMMA)
    spans = {b["key"]: (b["line"], b["end"]) for b in bullets}
    errors = []
    for key, field, index, record in events(register, ("milestones", "moves", "notes")):
        where = f"{key} {field}[{index}]"
        if not isinstance(record, dict) or not {"document", "line", "quote"} <= set(record):
            errors.append(f"{where}: no document, line or quote")
            continue
        if record["document"] != REGEERPROGRAMMA:
            errors.append(f"{where}: register evidence must come from {REGEERPROGRAMMA}, not {record['document']}")
            continue
        line = record["line"]
        if not isinstance(line, int) or not 1 <= line <= len(lines):
            errors.append(f"{where}: line {line!r} is not a line of {REGEERPROGRAMMA}")
            continue
        quote = fingerprint(str(record["quote"]))
        if len(quote) < 15:
            errors.append(f"{where}: quote too short to prove anything: {record['quote']!r}")
            continue
        first = fingerprint(lines[line - 1])
        following = fingerprint(" ".join(lines[line - 1 : line + 20]))
        start = following.find(quote)  # the earliest occurrence: one starting in the first line wins
        if not 0 <= start < len(first):
            errors.append(f"{where}: quote not found starting at {REGEERPROGRAMMA}:{line}: {record['quote']!r}")
            continue
        begin, end = spans.get(key, (None, None))
        if begin is None or not begin <= line <= end:
            errors.append(f"{where}: line {line} is outside the bullet of {key} (lines {begin}-{end})")
    report(errors)
