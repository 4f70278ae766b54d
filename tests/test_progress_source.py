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

# key -> (the stage the item's moves lead to, the kinds of its milestones in file order, the number
# of its notes). 001 is the Jaarverslag 2024, 003 the beleidsbrief 2026, 004 the chapters of the
# Regeerprogramma.
EXPECTED = {
    # Gerechtsdeurwaarderswet: the 2026 cabinet keeps it, as a duty of care (003)
    "H01-A-07": (None, [], 1),
    # Buy Now Pay Later: the 2026 cabinet speaks of protection, not of age verification (003)
    "H01-A-08": (None, [], 1),
    # aftrek extra vervoerskosten: per 1 januari 2025 (004)
    "H01-A-10": (None, ["inwerkingtreding"], 0),
    # dubbele algemene heffingskorting: frozen in 2025-2027 (004, day inferred)
    "H01-A-13": (None, ["inwerkingtreding"], 0),
    # netto terugvorderen: vanaf 2026 (004, day inferred)
    "H01-V-05": (None, ["inwerkingtreding"], 0),
    # asielhervormingspakket: two bills to the RvS planned in the autumn (004), three sent in 2024,
    # the Pact bill into consultation end 2024 (001), the Pact applies 12 June 2026 (001) and is to
    # be implemented by summer 2026 (004); a bundle
    "H02-A-03": ("consultatie", ["adviesaanvraag_rvs"] * 5 + ["consultatie_start", "eu_deadline", "inwerkingtreding"], 1),
    # hospitaverhuur, VvE's: being prepared at the time of the Regeerprogramma (004, date inferred)
    "H03a-A-04": ("voorbereiding", [], 0),
    "H03a-A-13": ("voorbereiding", [], 0),
    # grondbeleid: proposals by spring 2025 (004)
    "H03a-V-01": (None, ["overig"], 0),
    # Luchthavenverkeerbesluit Schiphol: expected in 2025 (004)
    "H03b-A-01": (None, ["publicatie"], 0),
    # 130 km/u: Actieagenda Auto this year (004)
    "H03b-A-02": (None, ["overig"], 0),
    # doelsturing: an action agenda in 2024, the substance balance tested in pilots in 2025 (004)
    "H04-V-01": (None, ["overig", "overig"], 0),
    # plastics: decision at the Voorjaarsnota 2025, a levy per 2028 (004, dates inferred)
    "H05-V-05": (None, ["overig", "inwerkingtreding"], 0),
    # Wetsvoorstel Jeugdbescherming: direction decided end 2024 (001), reform continued (003)
    "H06a-A-09": (None, ["overig"], 1),
    # onderwijs: consultation in the second half of 2024, submissions in 2025 and 2024 (004)
    "H06b-A-03": (None, ["consultatie_start"], 0),
    "H06b-A-04": (None, ["indiening_tk"], 0),
    "H06b-A-05": (None, ["indiening_tk", "inwerkingtreding"], 0),
    "H06b-A-06": (None, ["indiening_tk"], 0),
    # art. 120 Grondwet, constitutionele toetsing: consultation responses being processed (003)
    "H07-A-01": ("consultatie", [], 0),
    # constitutioneel hof: to be submitted in 2025 (004), then not wanted by the 2026 cabinet (003)
    "H07-A-02": ("vervallen", ["indiening_tk"], 0),
    # verzelfstandiging ABRvS: submission in 2025 (004)
    "H07-A-03": (None, ["indiening_tk"], 0),
    # nieuw kiesstelsel: submission within a year (004, date inferred)
    "H07-A-04": (None, ["indiening_tk"], 0),
    # art. 119 Grondwet and Herzieningswet ambtsmisdrijven: consultation this autumn (004)
    "H07-A-06": (None, ["consultatie_start"], 0),
    "H07-A-07": (None, ["consultatie_start"], 0),
    # vervolgfuncties bewindspersonen: pending in the Tweede Kamer (004, date inferred)
    "H07-A-08": ("tweede_kamer", [], 0),
    # rechtsbescherming jeugdbescherming: TK informed in November, consultation end 2024 (001),
    # submission in 2025 (004)
    "H07-V-01": ("consultatie", ["overig", "consultatie_start", "indiening_tk"], 0),
    # NIS2 / Cyberbeveiligingswet: to the RvS end 2024, EU deadline missed (001), in force Q3 2025 (004)
    "H08-A-01": ("raad_van_state", ["eu_deadline", "adviesaanvraag_rvs", "inwerkingtreding"], 0),
    # Wet veiligheidsregio's: first tranche drafted in 2024 (001)
    "H08-A-03": ("voorbereiding", [], 0),
    # bewaken en beveiligen: laid down in a circular, in practice, to be renewed in 2026 (001, 003)
    "H08-A-04": ("in_werking", ["overig"], 1),
    # strafmaximum deelneming terroristische organisatie: pending in the Tweede Kamer (004)
    "H08-A-08": ("tweede_kamer", [], 0),
    # kroongetuigenregeling: the 2026 cabinet keeps it (003)
    "H08-A-12": (None, [], 1),
    # taakstrafverbod: decision on its design in the autumn of 2024 (004)
    "H08-A-15": (None, ["overig"], 0),
    # nieuw Wetboek van Strafvordering: second vaststellingswet submitted October 2024 (001); a bundle
    "H08-A-17": ("tweede_kamer", ["indiening_tk", "consultatie_start", "overig", "inwerkingtreding"], 1),
    # strafmaxima: plan in 2025 (004); cybercrime still explored in 2026 (003)
    "H08-A-18": (None, ["overig"], 1),
    # jeugdstrafrecht: the Kamer informed in spring 2025 (004)
    "H08-A-20": (None, ["overig"], 0),
    # tenuitvoerleggingstermijnen: a proposal being drafted (004, date inferred)
    "H08-A-22": ("voorbereiding", [], 0),
    # onttrekken aan vrijheidsbeneming: consultation in 2024 (004)
    "H08-A-23": (None, ["consultatie_start"], 0),
    # intrekken Nederlanderschap: the 2026 cabinet proposes something else (003)
    "H08-V-01": (None, [], 1),
    # minimumleeftijd prostitutie: outcome by end 2024 (004); only examined in 2026 (003)
    "H08-V-05": (None, ["overig"], 1),
    # huisverbod eergerelateerd geweld: pilots instead (003)
    "H08-V-06": (None, [], 1),
    # affectieschade broers en zussen: consultation end 2025 (004)
    "H08-V-10": (None, ["consultatie_start"], 0),
    # experiment nabijheidsrechter (Regelrechter): draft order in council prepared in 2024 (001)
    "H08-V-11": ("voorbereiding", [], 0),
}

# Kamerstuk dossiers the documents cite that are not the dossier of a Bijlage 2 bill: standing
# dossiers holding policy letters and motions, budgets, an initiatiefnota. No item may carry them.
NOT_A_BILLS_DOSSIER = {
    "22112", "24587", "26956", "27923", "29911", "30821", "30950", "31293", "31819", "31839",
    "34324", "36471", "36600", "36650", "36800",
}

SOURCE_DOCUMENTS = {
    "000_208b5a7ad068e7bf.txt",
    "001_5fb0f758aa3257ea.txt",
    "002_2ade213357e33586.txt",
    "003_8be0b48bee72e37d.txt",
    REGEERPROGRAMMA,  # its chapter texts; what Bijlage 2 itself says is in register.yaml
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
# Required fields, then the optional ones.
ENTRY_FIELDS = {"key", "match", "kamerstuk", "milestones", "moves"}, {"notes"}
MOVE_FIELDS = {"to", "date", "precision", "reason", "document", "line", "quote"}, {"date_inferred"}
MILESTONE_FIELDS = {"kind", "date", "precision", "actual", "document", "line", "quote"}, {"label", "date_inferred"}
NOTE_FIELDS = {"text", "document", "line", "quote"}, set()

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


def sourced(progress):
    """Every record that cites a document: the dated ones and the notes."""
    yield from events(progress)
    for entry in progress:
        for index, note in enumerate(entry.get("notes", [])):
            yield entry["key"], "notes", index, note


def check_fields(record, fields, where):
    required, optional = fields
    assert required <= set(record) <= required | optional, f"{where}: fields {sorted(record)}"


def check_texts(value, where):
    """A text the interface shows: Dutch, with the English version the English interface shows."""
    assert isinstance(value, dict) and set(value) == {"nl", "en"}, f"{where}: needs nl and en, not {value!r}"
    assert all(isinstance(text, str) and text.strip() for text in value.values()), where
    assert value["nl"] != value["en"], f"{where}: the Dutch text is the English one"


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
            len(entry.get("notes", [])),
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
        key = entry.get("key")
        check_fields(entry, ENTRY_FIELDS, key)
        assert isinstance(entry["match"], str) and entry["match"].strip()
        kamerstuk = entry["kamerstuk"]
        assert kamerstuk is None or re.fullmatch(r"\d{5}(-[A-Z0-9]+)?", str(kamerstuk)), kamerstuk
        assert isinstance(entry["moves"], list) and isinstance(entry["milestones"], list)
        assert entry["moves"] or entry["milestones"] or entry.get("notes"), f"{key}: nothing recorded"
        for index, move in enumerate(entry["moves"]):
            where = f"{key} moves[{index}]"
            check_fields(move, MOVE_FIELDS, where)
            assert move["to"] in STAGES, (where, move["to"])
            if move["reason"] != "":
                check_texts(move["reason"], where)
            assert isinstance(move.get("date_inferred", False), bool), where
        for index, milestone in enumerate(entry["milestones"]):
            where = f"{key} milestones[{index}]"
            check_fields(milestone, MILESTONE_FIELDS, where)
            assert milestone["kind"] in KINDS, (where, milestone["kind"])
            assert isinstance(milestone["actual"], bool), where
            assert isinstance(milestone.get("date_inferred", False), bool), where
            if "label" in milestone:
                check_texts(milestone["label"], where)
                assert len(milestone["label"]["nl"]) <= 200 and len(milestone["label"]["en"]) <= 200, where
            # a kind of milestone, or a general one, must say what it is
            assert milestone["kind"] != "overig" or "label" in milestone, f"{where}: an overig milestone needs a label"
        for index, note in enumerate(entry.get("notes", [])):
            check_fields(note, NOTE_FIELDS, f"{key} notes[{index}]")
            check_texts(note["text"], f"{key} notes[{index}]")


def test_kamerstukken_are_the_bills_own_dossiers(progress):
    """A policy letter in a standing dossier is not the bill's dossier: every dossier the documents
    cite is either known not to be a bill's, or is the kamerstuk of an item whose quote names it."""
    cited = set()
    for name in SOURCE_DOCUMENTS:
        lines = seed_lines(name)[: BIJLAGE2_START - 1] if name == REGEERPROGRAMMA else seed_lines(name)
        text = " ".join(lines)
        cited |= {re.sub(r"\s", "", number) for number in re.findall(r"Kamerstuk\w*[^0-9]{0,25}(\d{2}\s?\d{3})\b", text)}
    assert cited, "no Kamerstuk found in the documents: the pattern is wrong"
    carried = {str(entry["kamerstuk"]).split("-")[0]: entry for entry in progress if entry["kamerstuk"]}
    assert not set(carried) & NOT_A_BILLS_DOSSIER, sorted(set(carried) & NOT_A_BILLS_DOSSIER)
    assert cited - NOT_A_BILLS_DOSSIER <= set(carried), sorted(cited - NOT_A_BILLS_DOSSIER - set(carried))
    for number, entry in carried.items():
        quotes = " ".join(record["quote"] for _key, _field, _index, record in sourced([entry]))
        assert number in re.sub(r"(\d{2}) (\d{3})", r"\1\2", quotes), f"{entry['key']}: {number} is in none of its quotes"


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
                assert move["reason"], f"{entry['key']}: {move['to']} needs a reason"


# --- the sources ------------------------------------------------------------------------------

def test_dates_stated_or_inferred(progress):
    """A date the text does not state is marked inferred: a day assumed for a year (per 2028)
    and the date of an undated document (the Regeerprogramma, the beleidsbrief)."""
    for key, field, index, record in events(progress):
        where = f"{key} {field}[{index}]"
        date = as_date(record["date"])
        undated = record["document"] == REGEERPROGRAMMA and date == datetime.date(2024, 9, 13) or (
            record["document"] == "003_8be0b48bee72e37d.txt" and date.year >= 2025 and "2026" not in record["quote"]
        )
        day_assumed = record["precision"] == "day" and f"{date.day} " not in record["quote"]
        if undated or day_assumed:
            assert record.get("date_inferred"), f"{where}: {date} is not stated in its quote; mark it inferred"


def test_quotes_stand_in_their_documents_at_their_lines(progress):
    texts = {name: seed_lines(name) for name in SOURCE_DOCUMENTS}
    for key, field, index, record in sourced(progress):
        where = f"{key} {field}[{index}]"
        assert record["document"] in SOURCE_DOCUMENTS, f"{where}: {record['document']}"
        lines = texts[record["document"]]
        line = record["line"]
        assert isinstance(line, int) and 1 <= line <= len(lines), f"{where}: line {line}"
        if record["document"] == REGEERPROGRAMMA:
            assert line < BIJLAGE2_START, f"{where}: what Bijlage 2 says belongs in register.yaml"
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
