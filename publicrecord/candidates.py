"""The Tweede Kamer dossiers that may be an item's own, for a coordinator to confirm.

Only a proposal: a dossier becomes an item's identifier when a person confirms it
(`legislation.services.add_identifier`), never by this guess alone. A dossier fits
when its title shares meaningful words with the item's short or official title
(or its text in Bijlage 2, which counts for less), and its first signing ministry
is the item's lead ministry or is not known.
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _

from legislation.identifiers import IdentifierKind
from legislation.models import Identifier

from .models import Dossier

# At most this many are shown: more would be a list to search, not a proposal.
MAX_CANDIDATES = 3
# A dossier sharing fewer meaningful words than this with the item is no candidate (unless its title is shorter).
MIN_SHARED = 2
# Nor one whose score (below) is lower.
MIN_SCORE = 0.2

# Dutch words that say nothing of what a law is about: function words, and the words of every bill's title.
STOP_WORDS = frozenset("""
    aan af al als bij dan dat de deze die dit door een en enkele er het hier hun in inzake is kan maar
    met na naar niet noch nu of om onder ook op over per te ten ter tot uit van vanwege voor wat welke
    wie wij zal ze zich zij zijn zo zoals zonder worden wordt werd
    andere diverse overige verband houdende mede alsmede betreffende onderwerpen aantal
    wet wetten wetsvoorstel wetswijziging wijziging wijzigen wijzigingen regels regeling regelingen
    voorstel voorstellen besluit nieuwe nieuw kabinet komt komen zal gaat gaan
""".split())
WORD = re.compile(r"\w+")


def meaningful_words(text):
    """The words of `text` that say what it is about, lower case."""
    return {word for word in WORD.findall(text.lower()) if len(word) > 2 and not word.isdigit()
            and word not in STOP_WORDS}


@dataclass(frozen=True)
class Candidate:
    dossier: Dossier
    score: float
    shared: tuple  # the words the titles share, for the person who judges

    @property
    def value(self):
        """The dossier as an identifier's value (legislation.identifiers.parse writes it so)."""
        return f"{self.dossier.number}-{self.dossier.addition}" if self.dossier.addition else str(self.dossier.number)


def score(dossier_words, named, described):
    """How well a dossier's title fits: the share of its words the item names, a word of the item's own
    titles (`named`) counting twice one only in its Bijlage 2 text (`described`)."""
    if not dossier_words:
        return 0.0
    return (2 * len(dossier_words & named) + len(dossier_words & (described - named))) / (2 * len(dossier_words))


def candidates(bill):
    """The dossiers that may be `bill`'s own, best first; none when it has a dossier already."""
    if bill.identifiers.filter(kind=IdentifierKind.DOSSIER).exists():
        return []
    named = meaningful_words(f"{bill.short_title} {bill.official_title}")
    described = meaningful_words(bill.title)
    words = named | described
    if not words:
        return []
    linked = set(Identifier.objects.filter(kind=IdentifierKind.DOSSIER).values_list("value", flat=True))
    dossiers = Dossier.objects.select_related("ministry").filter(
        Q(ministry=bill.lead_ministry_id) | Q(ministry__isnull=True),
        reduce(or_, (Q(title__icontains=word) for word in words)))
    found = []
    for dossier in dossiers:
        dossier_words = meaningful_words(dossier.title)
        shared = dossier_words & words
        candidate = Candidate(dossier, score(dossier_words, named, described), tuple(sorted(shared)))
        if candidate.value in linked or len(shared) < min(MIN_SHARED, len(dossier_words)):
            continue
        if candidate.score >= MIN_SCORE:
            found.append(candidate)
    found.sort(key=lambda candidate: (-candidate.score, -candidate.dossier.number))
    return found[:MAX_CANDIDATES]


def confirmation_source(candidate, by):
    """What a confirmed candidate's identifier says of where it came from: the person, and what they confirmed."""
    return _("Confirmed by %(name)s as the item's dossier, proposed by the tracker: %(dossier)s “%(title)s” "
             "(%(url)s)") % {"name": by.get_full_name() or by.get_username(), "dossier": candidate.value,
                             "title": candidate.dossier.title, "url": candidate.dossier.url}
