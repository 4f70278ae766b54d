"""The Tweede Kamer's open data (the Gegevensmagazijn): what the chamber's record proves of a linked dossier.

Two published APIs, both without a key (opendata.tweedekamer.nl/documentatie):

- the SyncFeed (Atom 1.0, XML), walked for the entity kind Kamerstukdossier from
  where the last run stopped (its `skiptoken`). A dossier reappears in it when
  it changes, e.g. when a new Kamerstuk raises its HoogsteVolgnummer; every
  dossier in it is kept as a `Dossier` for candidate matching;
- the OData v4 API (JSON), asked once per linked dossier that the feed showed
  changed, that was never read, or was last read a day ago (a vote or a planned
  debate changes the bill's Zaak, not the dossier): the dossier with its
  documents and its bill's Zaak, that Zaak's decisions and activities.

`tkapi` (PyPI) was considered: it covers OData only, not the SyncFeed, on
`requests` without a timeout, so this module is a small client on the shared
httpx client instead.
"""

import datetime
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from legislation.identifiers import IdentifierKind
from legislation.models import MilestoneKind, Ministry, Stage

from ..findings import Finding
from ..models import Dossier, Source
from . import Reading, SourceUnavailable, get

SOURCE = Source.TWEEDE_KAMER

ATOM = "{http://www.w3.org/2005/Atom}"
TK = "{http://www.tweedekamer.nl/xsd/tkData/v1-0}"
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
# The feed sends 250 changes a page; a run reads at most this many pages and goes on from there next time.
PAGES_PER_RUN = 20
# The dossiers of the feed whose first signatory a run asks for (one request), for candidate matching.
SIGNATORIES_PER_RUN = 25
# A linked dossier is read again after this long even when the feed did not show it.
REREAD_AFTER = timedelta(days=1)

# What a Document of these kinds proves: (stage reached, milestone met). Any other kind proves nothing.
DOCUMENT_KINDS = {
    "Voorstel van wet": (Stage.TWEEDE_KAMER, MilestoneKind.INDIENING_TK),
    "Koninklijke boodschap": (Stage.TWEEDE_KAMER, MilestoneKind.INDIENING_TK),
    "Memorie van toelichting": (Stage.TWEEDE_KAMER, None),
    "Advies Afdeling advisering Raad van State": (Stage.RAAD_VAN_STATE, MilestoneKind.ADVIES_RVS),
    "Advies Afdeling advisering Raad van State en Nader rapport": (Stage.RAAD_VAN_STATE, MilestoneKind.ADVIES_RVS),
    "Advies Afdeling advisering Raad van State en Reactie van de initiatiefnemer(s)": (
        Stage.RAAD_VAN_STATE, MilestoneKind.ADVIES_RVS),
}
# BesluitSoort of a vote on the bill itself, after "Stemmen - ".
VOTES = {
    "aangenomen": (Stage.EERSTE_KAMER, MilestoneKind.STEMMING_TK),
    "zonder stemming aannemen": (Stage.EERSTE_KAMER, MilestoneKind.STEMMING_TK),
    "verworpen": (Stage.VERWORPEN, MilestoneKind.STEMMING_TK),
}
BILL_CASES = ("Wetgeving", "Initiatiefwetgeving")


def read(http, identifiers, cursor):
    """The findings for the linked dossiers, and the SyncFeed's skiptoken to go on from."""
    linked = identifiers.get(IdentifierKind.DOSSIER, set())
    changed, cursor = walk_feed(http, cursor)
    known = {dossier.value: dossier.updated_at for dossier in Dossier.objects.filter(tk_id__gt="")}
    stale = timezone.now() - REREAD_AFTER
    findings = []
    for value in sorted(linked):
        if value in changed or value not in known or known[value] < stale:
            findings.extend(read_dossier(http, value))
    keep_signatories(http, sorted(changed - linked))
    return Reading(findings=findings, cursor=cursor)


def walk_feed(http, cursor):
    """The dossiers the SyncFeed changed since `cursor` (each kept as a `Dossier`), and where to go on."""
    changed = set()
    for _page in range(PAGES_PER_RUN):
        params = {"category": "Kamerstukdossier", **({"skiptoken": cursor} if cursor else {})}
        feed = parse_xml(get(http, f"{settings.TWEEDEKAMER_SYNCFEED_URL}/Feed", **params))
        entries = feed.findall(f"{ATOM}entry")
        for entry in entries:
            dossier = entry.find(f"{ATOM}content/{TK}kamerstukdossier")
            if dossier is not None and attribute(dossier, "verwijderd") != "true":
                changed.add(keep_listed_dossier(dossier))
            cursor = skiptoken(entry) or cursor
        if skiptoken(feed) is None or not entries:
            break
        cursor = skiptoken(feed)
    return changed, cursor


def parse_xml(response):
    try:
        return ET.fromstring(response.content)
    except ET.ParseError:
        raise SourceUnavailable(_("%(url)s answered with something that is not a feed.")
                                % {"url": response.url}) from None


def attribute(element, name):
    """An attribute of an entity, whether the feed writes it with the tk: prefix or without."""
    return element.get(f"{TK}{name}", element.get(name))


def skiptoken(element):
    """The skiptoken of the element's `next` link: the feed's next page, or the change after an entry."""
    for link in element.findall(f"{ATOM}link"):
        if link.get("rel") == "next":
            _base, _mark, query = link.get("href", "").partition("?")
            for pair in query.split("&"):
                name, _sign, value = pair.partition("=")
                if name == "skiptoken" and value.isdigit():
                    return value
    return None


def text(element, name):
    child = element.find(f"{TK}{name}")
    if child is None or child.get(NIL) == "true":
        return ""
    return (child.text or "").strip()


def keep_listed_dossier(element):
    """Keep a dossier of the feed for candidate matching; return its value as identifiers write it."""
    number, addition = int(text(element, "nummer")), text(element, "toevoeging")
    Dossier.objects.update_or_create(
        number=number, addition=addition,
        defaults={"title": text(element, "titel"), "url": dossier_url(number, addition)},
    )
    return dossier_value(number, addition)


def dossier_value(number, addition):
    return f"{number}-{addition}" if addition else str(number)


def dossier_url(number, addition):
    return f"https://zoek.officielebekendmakingen.nl/dossier/{dossier_value(number, addition)}"


def odata(http, entity, **params):
    response = get(http, f"{settings.TWEEDEKAMER_ODATA_URL}/{entity}", **params)
    try:
        return response.json()["value"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise SourceUnavailable(_("%(url)s answered with something that is not OData.")
                                % {"url": response.url}) from None


def read_dossier(http, value):
    """One OData request: the dossier, its documents and its bill's Zaak; what they prove."""
    number, _hyphen, addition = value.partition("-")
    addition_filter = f"Toevoeging eq '{addition}'" if addition else "Toevoeging eq null"
    rows = odata(
        http, "Kamerstukdossier",
        **{"$filter": f"Nummer eq {int(number)} and {addition_filter} and Verwijderd eq false",
           "$expand": "Document($filter=Verwijderd eq false;$select=Id,Soort,Titel,Onderwerp,Datum,Volgnummer),"
                      "Zaak($filter=Verwijderd eq false and (Soort eq 'Wetgeving' or Soort eq 'Initiatiefwetgeving');"
                      "$expand=ZaakActor($select=Relatie,ActorNaam,Functie),"
                      "Besluit($filter=Verwijderd eq false;$expand=Agendapunt($expand=Activiteit($select=Datum))),"
                      "Activiteit($filter=Verwijderd eq false;$select=Id,Soort,Onderwerp,Datum,Status))"},
    )
    if not rows:
        return []
    dossier = rows[0]
    cases = [case for case in dossier.get("Zaak") or [] if case.get("Soort") in BILL_CASES]
    keep_read_dossier(dossier, value, cases)
    findings = [document_finding(value, document) for document in dossier.get("Document") or []]
    for case in cases:
        findings += [finding for decision in case.get("Besluit") or []
                     if (finding := decision_finding(value, case, decision))]
        findings += [finding for activity in case.get("Activiteit") or []
                     if (finding := activity_finding(value, activity))]
    return findings


def keep_read_dossier(dossier, value, cases):
    """Keep the dossier as read, with the ministry of its first signatory where it names one of ours."""
    number, addition = dossier["Nummer"], dossier.get("Toevoeging") or ""
    Dossier.objects.update_or_create(
        number=number, addition=addition,
        defaults={"title": dossier.get("Titel") or "", "url": dossier_url(number, addition),
                  "tk_id": dossier["Id"], **signed_by(cases), "updated_at": timezone.now()},
    )


def signed_by(cases):
    """The first signatory of a bill's Zaak as the record writes it, and the ministry of ours it names."""
    signatory = next((actor.get("Functie") or "" for case in cases for actor in case.get("ZaakActor") or []
                      if actor.get("Relatie") == "Indiener"), "")
    # The longest name that fits, so that "Binnenlandse Zaken en Koninkrijksrelaties" wins over a shorter one.
    ministry = next((ministry for ministry in sorted(Ministry.objects.all(), key=lambda m: -len(m.name))
                     if ministry.name and ministry.name.lower() in signatory.lower()), None)
    return {"ministry": ministry, "ministry_name": signatory[:200]}


def keep_signatories(http, values):
    """Ask, in one request, who signed the feed's dossiers not yet known to have a signatory; keep it."""
    unsigned = [dossier for dossier in Dossier.objects.filter(ministry_name="")
                if dossier.value in set(values)][:SIGNATORIES_PER_RUN]
    if not unsigned:
        return
    clauses = " or ".join(
        f"(Nummer eq {dossier.number} and Toevoeging eq " + (f"'{dossier.addition}')" if dossier.addition else "null)")
        for dossier in unsigned)
    rows = odata(http, "Kamerstukdossier", **{
        "$filter": f"({clauses}) and Verwijderd eq false", "$select": "Id,Nummer,Toevoeging",
        "$expand": "Zaak($filter=Verwijderd eq false and (Soort eq 'Wetgeving' or Soort eq 'Initiatiefwetgeving');"
                   "$select=Soort;$expand=ZaakActor($select=Relatie,ActorNaam,Functie))"})
    for row in rows:
        cases = [case for case in row.get("Zaak") or [] if case.get("Soort") in BILL_CASES]
        if cases:
            Dossier.objects.filter(number=row["Nummer"], addition=row.get("Toevoeging") or "").update(
                **signed_by(cases))


def day(stamp):
    """The date of an OData date-time (2024-01-10T00:00:00+01:00), as the chamber's calendar has it."""
    return datetime.date.fromisoformat(stamp[:10])


def document_finding(value, document):
    kind = document.get("Soort") or ""
    stage, milestone = DOCUMENT_KINDS.get(kind, (None, None))
    title = " — ".join(part for part in (document.get("Titel"), document.get("Onderwerp")) if part)
    if kind == "Koninklijke boodschap" and "intrekking" in title.lower():
        stage, milestone = Stage.INGETROKKEN, None
    number = document.get("Volgnummer")
    url = (f"https://zoek.officielebekendmakingen.nl/kst-{value}-{number}.html" if number
           else dossier_url(*value.partition("-")[::2]))
    return Finding(document_id=f"Document/{document['Id']}", identifier_kind=IdentifierKind.DOSSIER,
                   identifier=value, title=title or kind, date=day(document["Datum"]), url=url,
                   document_type=kind, stage=stage, milestone=milestone)


def bill_page(value):
    """The bill's page on tweedekamer.nl, where its decisions and debates are listed."""
    return ("https://www.tweedekamer.nl/kamerstukken/wetsvoorstellen/detail"
            f"?cfg=wetsvoorsteldetails&qry=wetsvoorstel%3A{value}")


def decision_finding(value, case, decision):
    """A decision on the bill's Zaak; only a decision taken (not one proposed) proves anything."""
    if decision.get("Status") != "Besluit":
        return None
    kind = decision.get("BesluitSoort") or ""
    stage, milestone = VOTES.get(kind.removeprefix("Stemmen - "), (None, None)) if kind.startswith("Stemmen") \
        else (None, None)
    activity = (decision.get("Agendapunt") or {}).get("Activiteit") or {}
    date = day(activity.get("Datum") or decision["GewijzigdOp"])
    title = f"{decision.get('BesluitTekst') or kind} ({case.get('Titel') or case.get('Onderwerp') or value})"
    return Finding(document_id=f"Besluit/{decision['Id']}", identifier_kind=IdentifierKind.DOSSIER,
                   identifier=value, title=title, date=date, url=bill_page(value), document_type=kind,
                   stage=stage, milestone=milestone)


def activity_finding(value, activity):
    """A plenary debate the chamber plans: a planned milestone, renamed by its date so a new date is news."""
    if activity.get("Soort") != "Plenair debat" or activity.get("Status") != "Gepland" or not activity.get("Datum"):
        return None
    date = day(activity["Datum"])
    return Finding(document_id=f"Activiteit/{activity['Id']}@{date.isoformat()}",
                   identifier_kind=IdentifierKind.DOSSIER, identifier=value,
                   title=f"Plenair debat: {activity.get('Onderwerp') or value}", date=date, url=bill_page(value),
                   document_type="Plenair debat", milestone=MilestoneKind.OVERIG, planned=True)
