"""The Wetgevingskalender (wetgevingskalender.overheid.nl): a regulation's phase and dated milestones.

Every regulation in the calendar has a record by its KetenID, published as XML at
`/Regeling/WGK012345/xml` (a `regelgevingFiche`): its active phase in `meta/regelgevingipm`, and
per phase (`fase/@faseTitel`) the milestones (`mijlpaal`) with a title, a date and the documents
they cite. The calendar has no feed of changes, so each run reads the record of every linked
number once; what was seen before changes nothing (the engine keys on `document_id`).

A milestone dated after today is a plan: it becomes a planned milestone and proves no stage (its
document is the milestone "gepland@<date>", so that a plan moved to another date moves the same
planned milestone). Once the date has passed, the milestone is a new document and is met.

The record may cite its Kamerstuk (a milestone document at zoek.officielebekendmakingen.nl). It
is cited as that milestone's address, not linked to the item: an item's identifiers are linked by
a person or a seed, never by a source.
"""

import logging
import re
from xml.etree import ElementTree

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from legislation.identifiers import IdentifierKind
from legislation.models import MilestoneKind, Stage

from ..findings import Finding
from ..models import Source
from . import Reading, SourceUnavailable, get, iso_date, text

SOURCE = Source.WETGEVINGSKALENDER

log = logging.getLogger(__name__)

NS = {"dcterms": "http://purl.org/dc/terms/", "overheidwk": "http://standaarden.overheid.nl/wk/terms/"}

# The calendar's phases (its search form's "Fase"), and the stage an active phase proves.
# "Bekendmaking" means adopted and waiting for publication: only the publication itself proves more.
PHASES = {
    "voorbereiding": Stage.VOORBEREIDING,
    "raad van state": Stage.RAAD_VAN_STATE,
    "tweede kamer": Stage.TWEEDE_KAMER,
    "eerste kamer": Stage.EERSTE_KAMER,
}

# A milestone's title, read within its phase: (phase or None for any, words it contains) → what it is
# and, once met, the stage it proves. The first that fits wins; a title none fits is not read.
MILESTONES = [
    (None, ("internetconsultatie", "start"), MilestoneKind.CONSULTATIE_START, Stage.CONSULTATIE),
    (None, ("internetconsultatie", "begin"), MilestoneKind.CONSULTATIE_START, Stage.CONSULTATIE),
    (None, ("internetconsultatie", "einde"), MilestoneKind.CONSULTATIE_EINDE, Stage.CONSULTATIE),
    (None, ("internetconsultatie", "sluiting"), MilestoneKind.CONSULTATIE_EINDE, Stage.CONSULTATIE),
    (None, ("ministerraad",), MilestoneKind.MINISTERRAAD, None),
    (None, ("voorhang",), MilestoneKind.VOORHANG, None),
    (None, ("adviesaanvraag",), MilestoneKind.ADVIESAANVRAAG_RVS, Stage.RAAD_VAN_STATE),
    ("raad van state", ("advies",), MilestoneKind.ADVIES_RVS, Stage.RAAD_VAN_STATE),
    (None, ("indiening",), MilestoneKind.INDIENING_TK, Stage.TWEEDE_KAMER),
    # Adopted by the Tweede Kamer, a bill is pending in the Eerste Kamer.
    ("tweede kamer", ("aanvaard",), MilestoneKind.STEMMING_TK, Stage.EERSTE_KAMER),
    ("tweede kamer", ("stemming",), MilestoneKind.STEMMING_TK, Stage.EERSTE_KAMER),
    # Adopted by the Eerste Kamer it waits for publication, which the publication proves.
    ("eerste kamer", ("aanvaard",), MilestoneKind.STEMMING_EK, None),
    ("eerste kamer", ("stemming",), MilestoneKind.STEMMING_EK, None),
    (None, ("inwerkingtreding",), MilestoneKind.INWERKINGTREDING, Stage.IN_WERKING),
    (None, ("publicatie",), MilestoneKind.PUBLICATIE, Stage.GEPUBLICEERD),
    (None, ("bekendmaking",), MilestoneKind.PUBLICATIE, Stage.GEPUBLICEERD),
]


def read(http, identifiers, cursor):
    today = timezone.localdate()
    findings = []
    for number in sorted(identifiers.get(IdentifierKind.WETGEVINGSKALENDER, ())):
        fiche = _fiche(http, number)
        if fiche is not None:
            findings += _findings(number, fiche, today)
    # Nothing to resume from: every run reads each linked record whole.
    return Reading(findings=findings, cursor=cursor)


def regeling_url(number):
    return f"{settings.WETGEVINGSKALENDER_URL}/Regeling/{number}"


def _fiche(http, number):
    response = get(http, f"{regeling_url(number)}/xml", missing_ok=True)
    if response is None:
        log.warning("The Wetgevingskalender has no regulation %s; check the item's identifier.", number)
        return None
    try:
        fiche = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        fiche = None
    if fiche is None or fiche.tag != "regelgevingFiche":
        raise SourceUnavailable(_("The Wetgevingskalender answered for %(number)s what is not a regulation's "
                                  "record.") % {"number": number})
    return fiche


def _findings(number, fiche, today):
    title = text(fiche, "meta/owmskern/dcterms:title", NS) or number
    page = regeling_url(number)
    findings = []
    phase = text(fiche, "meta/regelgevingipm/overheidwk:actieveFase", NS)
    modified = iso_date(text(fiche, "meta/owmskern/dcterms:modified", NS)) or today
    if phase.lower() in PHASES:
        findings.append(Finding(
            document_id=f"{number}/fase/{phase}",
            identifier_kind=IdentifierKind.WETGEVINGSKALENDER, identifier=number,
            title=f"{title} ({phase})", date=modified, url=page,
            document_type="Actieve fase", stage=PHASES[phase.lower()],
        ))
    for fase in fiche.iterfind("body/regelgeving/fases/fase"):
        fase_title = fase.get("faseTitel", "")
        for mijlpaal in fase.iterfind("mijlpalen/mijlpaal"):
            finding = _milestone(number, title, page, fase_title, mijlpaal, today)
            if finding:
                findings.append(finding)
    return findings


def _milestone(number, title, page, fase_title, mijlpaal, today):
    name = text(mijlpaal, "mijlpaalTitel", NS)
    date = iso_date(text(mijlpaal, "mijlpaalDatum", NS))
    kind = _kind(fase_title, name)
    if kind is None or date is None:
        return None
    milestone, stage = kind
    planned = date > today
    return Finding(
        document_id=f"{number}/{fase_title[:40]}/{name[:100]}/" + (f"gepland@{date}" if planned else f"{date}"),
        identifier_kind=IdentifierKind.WETGEVINGSKALENDER, identifier=number,
        title=f"{title}: {name}", date=date, url=_cited(mijlpaal) or page,
        document_type=name, stage=None if planned else stage, milestone=milestone, planned=planned,
    )


def _kind(fase_title, name):
    fase_title, name = fase_title.lower(), name.lower()
    for phase, words, milestone, stage in MILESTONES:
        if (phase is None or phase in fase_title) and all(word in name for word in words):
            return milestone, stage
    return None


def _cited(mijlpaal):
    """The address of what the milestone cites: its reference (a Kamerstuk, a consultation), else its first document."""
    reference = mijlpaal.find("mijlpaalDocument")
    candidates = [reference.get("resourceIdentifier", "") if reference is not None else ""]
    candidates += [text(document, "url", NS) for document in mijlpaal.iterfind("documenten/document")]
    return next((url for url in candidates if re.match(r"https?://", url) and len(url) <= 500), "")
