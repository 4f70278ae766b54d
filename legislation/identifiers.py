"""What a public identifier of an item looks like, and where its public page is.

Pure functions, no database: a coordinator's input, an import's cell and a
seed's text are all read by `parse`, so that one item's dossier is written
one way everywhere and the sync finds it again.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class IdentifierKind(models.TextChoices):
    """The public records an item can be found in."""

    DOSSIER = "dossier", gettext_lazy("Kamerstukdossier")
    WETGEVINGSKALENDER = "wetgevingskalender", gettext_lazy("Wetgevingskalender number")
    CONSULTATIE = "consultatie", gettext_lazy("internet consultation")
    PUBLICATIE = "publicatie", gettext_lazy("Staatsblad or Staatscourant publication")


# 36546 (or 36 546), 35570-VII, 36123-R2190: the dossier number, a hyphen and its toevoeging,
# as the Staten-Generaal Digitaal and officielebekendmakingen.nl write it in addresses.
DOSSIER = re.compile(r"(?P<number>\d{2} ?\d{3})(?:[- ]?\(?(?P<addition>[A-Z0-9]{1,10})\)?)?")
# The Wetgevingskalender's KetenID of a regulation.
WETGEVINGSKALENDER = re.compile(r"(?:WGK)?(?P<number>\d{1,6})", re.IGNORECASE)
# The last part of https://www.internetconsultatie.nl/<name>.
CONSULTATIE = re.compile(r"(?:https?://(?:www\.)?internetconsultatie\.nl/)?(?P<name>[a-z0-9][a-z0-9_-]*)/?",
                         re.IGNORECASE)
# KOOP's identifier of a Staatsblad or Staatscourant publication: stb-2025-123, stcrt-2025-12345.
PUBLICATIE = re.compile(r"(?:https?://zoek\.officielebekendmakingen\.nl/)?(?P<series>stb|stcrt)[- ](?P<year>\d{4})"
                        r"[- ](?P<number>\d{1,6})(?:\.html)?", re.IGNORECASE)

EXAMPLES = {
    IdentifierKind.DOSSIER: "36546, 36123-R2190",
    IdentifierKind.WETGEVINGSKALENDER: "WGK012345",
    IdentifierKind.CONSULTATIE: "https://www.internetconsultatie.nl/wetjeugdbescherming",
    IdentifierKind.PUBLICATIE: "stb-2025-123",
}


def parse(kind, text):
    """The identifier of `kind` written in `text`, in its one written form; ValidationError if it is none."""
    text = " ".join(str(text).split())
    match kind:
        case IdentifierKind.DOSSIER:
            found = DOSSIER.fullmatch(text.upper())
            if found:
                return found["number"].replace(" ", "") + (f"-{found['addition']}" if found["addition"] else "")
        case IdentifierKind.WETGEVINGSKALENDER:
            found = WETGEVINGSKALENDER.fullmatch(text)
            if found:
                return f"WGK{int(found['number']):06d}"
        case IdentifierKind.CONSULTATIE:
            found = CONSULTATIE.fullmatch(text)
            if found:
                return found["name"].lower()
        case IdentifierKind.PUBLICATIE:
            found = PUBLICATIE.fullmatch(text)
            if found:
                return f"{found['series'].lower()}-{found['year']}-{int(found['number'])}"
    raise ValidationError(
        _("“%(text)s” cannot be read as %(kind)s; write it as, for example, %(example)s."),
        code="invalid",
        params={"text": text, "kind": IdentifierKind(kind).label, "example": EXAMPLES[IdentifierKind(kind)]},
    )


def dossier_parts(value):
    """A dossier's number and toevoeging (empty if none), as the Tweede Kamer's open data keeps them apart."""
    number, _hyphen, addition = value.partition("-")
    return int(number), addition


def public_url(kind, value):
    """The public page of an identifier."""
    match kind:
        case IdentifierKind.DOSSIER:
            return f"https://zoek.officielebekendmakingen.nl/dossier/{value}"
        case IdentifierKind.WETGEVINGSKALENDER:
            return f"https://wetgevingskalender.overheid.nl/regeling/{value}"
        case IdentifierKind.CONSULTATIE:
            return f"https://www.internetconsultatie.nl/{value}"
        case IdentifierKind.PUBLICATIE:
            return f"https://zoek.officielebekendmakingen.nl/{value}.html"
    raise ValueError(kind)
