"""The Staatsblad and the Staatscourant, searched through KOOP's SRU 2.0 service (repository.overheid.nl/sru).

For each linked dossier, Wetgevingskalender number and publication, one CQL search in the collection
`officielepublicaties`, limited to the two journals, on the index that holds it: `w.behandeldDossier`
(the Kamerstuk dossier an act was passed in), `w.ketenid` (the KetenID, WGK012345) or
`dt.identifier` (stb-2024-88). Answers are `searchRetrieveResponse` documents whose records carry
KOOP's metadata (`gzd:originalData/overheidwetgeving:meta`: owmskern, owmsmantel, tpmeta) and its
addresses (`gzd:enrichedData`); a long answer is read page by page (`nextRecordPosition`).

What a record proves:
- an act, order or decree published in the Staatsblad, or a regulation in the Staatscourant:
  published (`GEPUBLICEERD`), the milestone "publicatie" met on its date of issue;
- a decree fixing the moment of entry into force (its title says "inwerkingtreding"): in force on
  the date its text states, read from the publication's XML; a date still to come is a planned
  milestone. A decree stating no date proves nothing;
- anything else (a correction, a notice) nothing: it is not read.

The cursor keeps, per identifier, the last availability date read (`dt.available`), so a run asks
only for what is new, and an identifier linked since is read in full. A decree whose date is still
to come holds its identifier's cursor back, so that it is read again once the date has passed.
"""

import datetime
import json
import logging
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from legislation.identifiers import IdentifierKind
from legislation.models import MilestoneKind, Stage

from ..findings import Finding
from ..models import Source
from . import Reading, SourceUnavailable, get, iso_date, text

SOURCE = Source.STAATSBLAD

log = logging.getLogger(__name__)

NS = {
    "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
    "diag": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
    "gzd": "http://standaarden.overheid.nl/sru",
    "dcterms": "http://purl.org/dc/terms/",
    "overheidwetgeving": "http://standaarden.overheid.nl/wetgeving/",
}
META = "sru:recordData/gzd:gzd/gzd:originalData/overheidwetgeving:meta"
ENRICHED = "sru:recordData/gzd:gzd/gzd:enrichedData"

# The index each kind of identifier is searched on.
INDEXES = {
    IdentifierKind.DOSSIER: "w.behandeldDossier",
    IdentifierKind.WETGEVINGSKALENDER: "w.ketenid",
    IdentifierKind.PUBLICATIE: "dt.identifier",
}
PAGE_SIZE = 100

# The record types (`dcterms:type`) that publish an act or a regulation, per journal.
PUBLISHING = {
    "Staatsblad": {"Wet", "Rijkswet", "AMvB", "RijksAMvB", "Klein Koninklijk Besluit"},
    "Staatscourant": {"Regeling", "Ministeriële regeling"},
}
DECREES = {"AMvB", "RijksAMvB", "Klein Koninklijk Besluit"}

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
# "… treedt in werking met ingang van 1 juli 2024", the way a decree fixes the date.
IN_FORCE = re.compile(r"in werking (?:met ingang van|op) (\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})", re.IGNORECASE)


@dataclass
class Publication:
    identifier: str
    title: str
    type: str
    journal: str
    issued: datetime.date
    available: datetime.date | None
    url: str
    xml_url: str


def read(http, identifiers, cursor):
    read_until = _cursor(cursor)
    today = timezone.localdate()
    findings, cursors = [], {}
    for kind, index in INDEXES.items():
        for value in sorted(identifiers.get(kind, ())):
            key = f"{kind}:{value}"
            since = read_until.get(key)
            read_dates, waiting = [since] if since else [], []
            for publication in _search(http, index, value, since):
                finding, to_come = _finding(http, publication, kind, value, today)
                if finding:
                    findings.append(finding)
                if publication.available:
                    (waiting if to_come else read_dates).append(publication.available.isoformat())
            if waiting or read_dates:
                cursors[key] = min(waiting) if waiting else max(read_dates)
    return Reading(findings=findings, cursor=json.dumps(cursors, sort_keys=True))


def _cursor(saved):
    """Where each identifier was left; anything unreadable (a first run) reads everything again, which is harmless."""
    try:
        value = json.loads(saved or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {key: date for key, date in value.items() if isinstance(date, str) and iso_date(date)}


def _search(http, index, value, since):
    query = (f'c.product-area==officielepublicaties and (w.publicatienaam==Staatsblad or '
             f'w.publicatienaam==Staatscourant) and {index}=="{value}"')
    if since:
        query += f' and dt.available>="{since}"'
    start = 1
    while True:
        answer = _answer(get(http, settings.KOOP_SRU_URL, operation="searchRetrieve", version="2.0",
                             recordSchema="gzd", query=query, startRecord=start, maximumRecords=PAGE_SIZE))
        records = answer.findall("sru:records/sru:record", NS)
        for record in records:
            publication = _publication(record)
            if publication:
                yield publication
        following = text(answer, "sru:nextRecordPosition", NS)
        if not records or not following.isdigit() or int(following) <= start:
            return
        start = int(following)


def _answer(response):
    try:
        answer = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        answer = None
    if answer is None or answer.tag != f"{{{NS['sru']}}}searchRetrieveResponse":
        raise SourceUnavailable(_("KOOP's search service answered what is not a search result."))
    diagnostic = answer.find("sru:diagnostics/diag:diagnostic", NS)
    if diagnostic is not None:
        message = text(diagnostic, "diag:message", NS) or text(diagnostic, "diag:uri", NS)
        raise SourceUnavailable(_("KOOP's search service refused the search: %(message)s") % {"message": message})
    return answer


def _publication(record):
    meta = record.find(META, NS)
    if meta is None:
        return None
    available = iso_date(text(meta, "overheidwetgeving:owmsmantel/dcterms:available", NS))
    issued = iso_date(text(meta, "overheidwetgeving:owmsmantel/dcterms:issued", NS)) or available
    identifier = text(meta, "overheidwetgeving:owmskern/dcterms:identifier", NS)
    if not identifier or issued is None:
        return None
    enriched = record.find(ENRICHED, NS)
    xml_url = ""
    if enriched is not None:
        xml_url = next((" ".join((item.text or "").split()) for item in enriched.iterfind("gzd:itemUrl", NS)
                        if item.get("manifestation") == "xml"), "")
    return Publication(
        identifier=identifier,
        title=text(meta, "overheidwetgeving:owmskern/dcterms:title", NS) or identifier,
        type=text(meta, "overheidwetgeving:owmskern/dcterms:type", NS),
        journal=text(meta, "overheidwetgeving:tpmeta/overheidwetgeving:publicatienaam", NS),
        issued=issued,
        available=available,
        url=(text(enriched, "gzd:preferredUrl", NS) if enriched is not None else "")
        or f"https://zoek.officielebekendmakingen.nl/{identifier}.html",
        xml_url=xml_url,
    )


def _finding(http, publication, kind, value, today):
    """What `publication` proves for the items carrying `value`, and whether it is a date still to come."""
    if publication.type not in PUBLISHING.get(publication.journal, ()):
        return None, False
    found = {"identifier_kind": kind, "identifier": value, "title": publication.title, "url": publication.url,
             "document_type": publication.type}
    if publication.journal == "Staatsblad" and publication.type in DECREES and \
            "inwerkingtreding" in publication.title.lower():
        in_force = _in_force(http, publication)
        if in_force is None:
            return None, False
        if in_force > today:
            return Finding(document_id=f"{publication.identifier}/gepland@{in_force}", date=in_force,
                           milestone=MilestoneKind.INWERKINGTREDING, planned=True, **found), True
        return Finding(document_id=publication.identifier, date=in_force, stage=Stage.IN_WERKING,
                       milestone=MilestoneKind.INWERKINGTREDING, **found), False
    return Finding(document_id=publication.identifier, date=publication.issued, stage=Stage.GEPUBLICEERD,
                   milestone=MilestoneKind.PUBLICATIE, **found), False


def _in_force(http, publication):
    """The earliest date of entry into force the decree's text states, or None."""
    if not publication.xml_url:
        return None
    response = get(http, publication.xml_url, missing_ok=True)
    try:
        words = " ".join(ElementTree.fromstring(response.content).itertext()) if response is not None else ""
    except ElementTree.ParseError:
        log.warning("The text of %s cannot be read; its date of entry into force is not known.", publication.identifier)
        return None
    dates = []
    for day, month, year in IN_FORCE.findall(" ".join(words.split())):
        try:
            dates.append(datetime.date(int(year), MONTHS.index(month.lower()) + 1, int(day)))
        except ValueError:
            continue
    return min(dates, default=None)
