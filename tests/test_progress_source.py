"""legislation/data/progress.yaml against the government documents it cites.

Plain pytest, no Django. Every quote must stand in its document at the line given, every `match`
fragment in the Bijlage 2 bullet its key names (keys computed here from 004, not taken from
register.yaml), and the set of items with reported progress must equal EXPECTED below, so that
any change to the evidence is a deliberate change to this table.
"""

import calendar
import datetime
import re
from pathlib import Path

import pytest
import yaml

from tests.seeds import REGEERPROGRAMMA, fingerprint, seed_lines

PROGRESS = Path(__file__).resolve().parent.parent / "legislation" / "data" / "progress.yaml"

# key -> (the stage the item's moves lead to, the kinds of its milestones in file order).
EXPECTED = {
    # asielhervormingspakket incl. EU Migratiepact: Pact bill into consultation end 2024 (001)
    "H02-A-03": ("consultatie", ["adviesaanvraag_rvs", "consultatie_start", "eu_deadline"]),
    # art. 120 Grondwet, constitutionele toetsing: consultation responses being processed (003)
    "H07-A-01": ("consultatie", []),
    # constitutioneel hof: the 2026 cabinet does not want it (003)
    "H07-A-02": ("vervallen", []),
    # Wet versterking rechtsbescherming jeugdbescherming: consultation end 2024 (001)
    "H07-V-01": ("consultatie", ["consultatie_start"]),
    # NIS2 / Cyberbeveiligingswet: to the Raad van State end 2024, EU deadline missed (001)
    "H08-A-01": ("raad_van_state", ["eu_deadline", "adviesaanvraag_rvs"]),
    # Wet veiligheidsregio's: first tranche drafted in 2024 (001)
    "H08-A-03": ("voorbereiding", []),
    # nieuw Wetboek van Strafvordering: second vaststellingswet submitted October 2024 (001)
    "H08-A-17": ("tweede_kamer", ["indiening_tk", "consultatie_start", "inwerkingtreding"]),
    # experiment nabijheidsrechter (Regelrechter): draft order in council prepared in 2024 (001)
    "H08-V-11": ("voorbereiding", []),
}

SOURCE_DOCUMENTS = {
    "000_208b5a7ad068e7bf.txt",
    "001_5fb0f758aa3257ea.txt",
    "002_2ade213357e33586.txt",
    "003_8be0b48bee72e37d.txt",
}
STAGES = {
    "aangekondigd", "voorbereiding", "consultatie", "raad_van_state", "tweede_kamer",
    "eerste_kamer", "gepubliceerd", "in_werking", "ingetrokken", "verworpen", "vervallen",
}
END_STATES_NEEDING_REASON = {"vervallen", "ingetrokken", "verworpen"}
KINDS = {
    "consultatie_start", "consultatie_einde", "ministerraad", "adviesaanvraag_rvs", "advies_rvs",
    "indiening_tk", "voorhang", "stemming_tk", "stemming_ek", "publicatie", "inwerkingtreding",
    "eu_deadline", "overig",
}
PRECISIONS = {"day", "month", "quarter", "year"}
ENTRY_FIELDS = {"key", "match", "kamerstuk", "milestones", "moves"}
MOVE_FIELDS = {"to", "date", "precision", "reason", "document", "line", "quote"}
MILESTONE_FIELDS = {"kind", "date", "precision", "actual", "document", "line", "quote"}

BIJLAGE2_START = 9444  # 1-based line of " Bijlage 2 " in 004
CHAPTER_HEADING = re.compile(r"^\s*H(\d+)([ab]?)\.\s")
KEY = re.compile(r"^H\d{2}[ab]?-[AV]-\d{2}(\.\d+)?$")


# --- Bijlage 2, parsed from 004 ---------------------------------------------------------------

def parse_bijlage2():
    """key -> (1-based line of the marker, the bullet's text), in document order."""
    lines = seed_lines(REGEERPROGRAMMA)
    assert lines[BIJLAGE2_START - 1].strip() == "Bijlage 2"
    items = {}
    chapter = category = parent = current = None
    counts = {}
    sub = 0
    for number in range(BIJLAGE2_START, len(lines) + 1):
        text = lines[number - 1].strip()
        heading = CHAPTER_HEADING.match(lines[number - 1])
        if heading:
            chapter = f"H{int(heading.group(1)):02d}{heading.group(2)}"
            # H1's heading line carries the start of its category heading: "... Aangekondigde"
            category = "A" if "Aangekondigde" in text else None
            current = None
            continue
        if text.startswith("Aangekondigde nieuwe wetgeving"):
            category, current = "A", None
            continue
        if text.startswith("Zal naar verwachting"):
            category, current = "V", None
            continue
        if text.startswith("•"):
            assert chapter and category, f"bullet outside a chapter/category at line {number}"
            counts[chapter, category] = counts.get((chapter, category), 0) + 1
            parent = f"{chapter}-{category}-{counts[chapter, category]:02d}"
            sub = 0
            current = parent
            items[current] = [number, [text[1:].strip()]]
            continue
        if text.startswith("−"):
            assert parent, f"sub-item without a parent at line {number}"
            sub += 1
            current = f"{parent}.{sub}"
            items[current] = [number, [text[1:].strip()]]
            continue
        if current and text:
            items[current][1].append(text)
    return {key: (line, " ".join(parts)) for key, (line, parts) in items.items()}


@pytest.fixture(scope="module")
def bijlage2():
    return parse_bijlage2()


@pytest.fixture(scope="module")
def progress():
    data = yaml.safe_load(PROGRESS.read_text(encoding="utf-8"))
    assert isinstance(data, list) and data, "progress.yaml must be a non-empty list"
    return data


def events(progress):
    """(entry key, 'moves'/'milestones', index, record) for every dated record."""
    for entry in progress:
        for field in ("moves", "milestones"):
            for index, record in enumerate(entry[field]):
                yield entry["key"], field, index, record


def as_date(value):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    assert isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (
        f"not an ISO date: {value!r}"
    )
    return datetime.date.fromisoformat(value)  # raises on e.g. 2024-02-30


# --- the parser itself ------------------------------------------------------------------------

def test_bijlage2_parser_finds_every_bullet(bijlage2):
    assert len([k for k in bijlage2 if "." not in k]) == 160
    assert len([k for k in bijlage2 if "." in k]) == 10
    # spot checks, including the H3a bullet whose line begins with a space
    assert bijlage2["H01-A-01"][1].startswith("Wetswijziging Awir t.b.v. aanpassing")
    assert bijlage2["H01-V-09.4"][1] == "Tweede wijziging Maatregelenbesluit"
    assert bijlage2["H03a-A-09"][0] == 9621
    assert "servicekosten" in bijlage2["H03a-A-09"][1]
    assert "Nederlandse taalvaardigheid" not in bijlage2["H06b-A-01"][1]
    assert bijlage2["H08-A-23"][1].startswith("Wetsvoorstel strafbaarstelling onttrekken")
    assert "fusietoezicht" in bijlage2["H10-V-04"][1]


# --- the table --------------------------------------------------------------------------------

def test_progress_matches_expected_table(progress):
    keys = [entry["key"] for entry in progress]
    assert len(keys) == len(set(keys)), "an item has more than one entry"
    actual = {
        entry["key"]: (
            entry["moves"][-1]["to"] if entry["moves"] else None,
            [m["kind"] for m in entry["milestones"]],
        )
        for entry in progress
    }
    assert actual == EXPECTED


def test_entries_in_bijlage2_order(progress, bijlage2):
    order = list(bijlage2)
    keys = [entry["key"] for entry in progress]
    assert all(KEY.match(k) for k in keys), keys
    assert all(k in bijlage2 for k in keys), [k for k in keys if k not in bijlage2]
    assert keys == sorted(keys, key=order.index)


# --- schema -----------------------------------------------------------------------------------

def test_fields(progress):
    for entry in progress:
        assert set(entry) == ENTRY_FIELDS, entry.get("key")
        assert isinstance(entry["match"], str) and entry["match"].strip()
        kamerstuk = entry["kamerstuk"]
        assert kamerstuk is None or re.fullmatch(r"\d{5}(-[A-Z0-9]+)?", str(kamerstuk)), kamerstuk
        assert isinstance(entry["moves"], list) and isinstance(entry["milestones"], list)
        assert entry["moves"] or entry["milestones"], f"{entry['key']}: nothing recorded"
        for move in entry["moves"]:
            assert set(move) == MOVE_FIELDS, (entry["key"], move)
            assert move["to"] in STAGES, (entry["key"], move["to"])
            assert isinstance(move["reason"], str)
        for milestone in entry["milestones"]:
            assert set(milestone) == MILESTONE_FIELDS, (entry["key"], milestone)
            assert milestone["kind"] in KINDS, (entry["key"], milestone["kind"])
            assert isinstance(milestone["actual"], bool), (entry["key"], milestone)


def test_dates_are_iso_and_end_their_period(progress):
    for key, field, index, record in events(progress):
        date = as_date(record["date"])
        where = f"{key} {field}[{index}]"
        precision = record["precision"]
        assert precision in PRECISIONS, where
        last_of_month = calendar.monthrange(date.year, date.month)[1]
        if precision in ("month", "quarter", "year"):
            assert date.day == last_of_month, f"{where}: {date} is not the last day of its period"
        if precision == "quarter":
            assert date.month in (3, 6, 9, 12), where
        if precision == "year":
            assert (date.month, date.day) == (12, 31), where
        assert datetime.date(2020, 1, 1) <= date <= datetime.date(2035, 12, 31), where


def test_moves_in_date_order_and_reasons(progress):
    for entry in progress:
        dates = [as_date(move["date"]) for move in entry["moves"]]
        assert dates == sorted(dates), f"{entry['key']}: moves out of date order"
        for move in entry["moves"]:
            if move["to"] in END_STATES_NEEDING_REASON:
                assert move["reason"].strip(), f"{entry['key']}: {move['to']} needs a reason"


# --- the sources ------------------------------------------------------------------------------

def test_quotes_stand_in_their_documents_at_their_lines(progress):
    texts = {name: seed_lines(name) for name in SOURCE_DOCUMENTS}
    for key, field, index, record in events(progress):
        where = f"{key} {field}[{index}]"
        assert record["document"] in SOURCE_DOCUMENTS, f"{where}: {record['document']}"
        lines = texts[record["document"]]
        line = record["line"]
        assert isinstance(line, int) and 1 <= line <= len(lines), f"{where}: line {line}"
        quote = fingerprint(record["quote"])
        assert len(quote) >= 20, f"{where}: quote too short to prove anything"
        first = fingerprint(lines[line - 1])
        following = fingerprint(" ".join(lines[line - 1 : line + 20]))
        # the quote starts within the line given and may run on into the following lines
        # (find gives the earliest occurrence, so one starting in the first line wins)
        start = following.find(quote)
        assert 0 <= start < len(first), (
            f"{where}: quote not found starting at {record['document']}:{line}"
        )


def test_match_fragments_stand_in_the_bullet_of_their_key(progress, bijlage2):
    for entry in progress:
        key = entry["key"]
        assert key in bijlage2, f"{key} is not a Bijlage 2 item"
        fragment = fingerprint(entry["match"])
        assert len(fragment) >= 10, f"{key}: match fragment too short"
        assert fragment in fingerprint(bijlage2[key][1]), (
            f"{key}: {entry['match']!r} not in its bullet {bijlage2[key][1]!r}"
        )
