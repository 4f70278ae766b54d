"""One run of the sync: every source read from where it stopped, what it found applied, each source on its own.

A source that is down, slow or answers garbage is recorded in its
`SourceState` (and logged) while the others go on; its cursor stays where it
was, so the next run reads the same changes again and catches up. Nothing here
runs in a web request: the management command, the Celery task and the loop
of `./dev run` call `sync`.
"""

import importlib
import importlib.util
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from legislation.models import Identifier

from .models import Outcome, Source, SourceState
from .sources import SourceUnavailable, SourceUnreachable, client

logger = logging.getLogger(__name__)

# Each source's module (publicrecord/sources/), read in this order.
SOURCES = {
    Source.TWEEDE_KAMER: "publicrecord.sources.tweedekamer",
    Source.WETGEVINGSKALENDER: "publicrecord.sources.wetgevingskalender",
    Source.STAATSBLAD: "publicrecord.sources.staatsblad",
}


def label(source):
    return str(Source(source).label)


@dataclass
class Report:
    outcomes: dict = field(default_factory=dict)  # source -> Counter of outcomes
    failures: dict = field(default_factory=dict)  # source -> the sentence saying why
    unreachable: set = field(default_factory=set)  # the failures that were no answer at all

    def __str__(self):
        # A source with nothing to ask (no item linked to it) read nothing either way: it does not count.
        if self.failures and self.unreachable == set(self.failures) and not any(self.outcomes.values()):
            return _("The public sources cannot be reached (%(sources)s); nothing changed.") % {
                "sources": ", ".join(label(source) for source in self.failures)}
        parts = []
        for source, outcomes in self.outcomes.items():
            counts = ", ".join(f"{count} {Outcome(outcome).label}" for outcome, count in sorted(outcomes.items()))
            parts.append(f"{label(source)}: {counts or _('nothing new')}")
        parts += [_("%(source)s: failed (%(error)s)") % {"source": label(source), "error": error}
                  for source, error in self.failures.items()]
        return "; ".join(parts)

    @property
    def news(self):
        return bool(self.failures) or any(
            count for outcomes in self.outcomes.values()
            for outcome, count in outcomes.items() if outcome != Outcome.ALREADY_KNOWN)


def installed_sources():
    """The sources whose module is installed (each of SOURCES, in its order)."""
    return [source for source, module in SOURCES.items() if importlib.util.find_spec(module) is not None]


def linked_identifiers():
    """{IdentifierKind: set of values} of every item's public identifiers."""
    linked = {}
    for kind, value in Identifier.objects.values_list("kind", "value"):
        linked.setdefault(kind, set()).add(value)
    return linked


def sync(sources=None):
    """Read `sources` (all by default) once and apply what they found; a `Report` of the run."""
    from .apply import apply_findings  # apply imports the register's services, which the admin loads late

    report = Report()
    identifiers = linked_identifiers()
    with client() as http:
        for source in sources or installed_sources():
            state, _created = SourceState.objects.get_or_create(source=source)
            SourceState.objects.filter(pk=state.pk).update(last_attempt_at=timezone.now())
            try:
                module = importlib.import_module(SOURCES[source])
                reading = module.read(http, identifiers, state.cursor)
                report.outcomes[source] = Counter(apply_findings(source, reading.findings))
            except SourceUnreachable as error:
                # No answer at all is said by the report's one line (a machine without internet).
                fail(report, state, str(error), unreachable=True)
            except SourceUnavailable as error:
                logger.warning("The public source %s was not read: %s", source, error)
                fail(report, state, str(error))
            except Exception as error:  # a source answering garbage must not stop the others
                logger.exception("The public source %s failed.", source)
                fail(report, state, f"{error.__class__.__name__}: {error}"[:500])
            else:
                SourceState.objects.filter(pk=state.pk).update(
                    cursor=reading.cursor or state.cursor, last_success_at=timezone.now(), last_error="", failures=0)
    return report


def fail(report, state, message, unreachable=False):
    if unreachable:
        report.unreachable.add(state.source)
    report.failures[state.source] = message
    SourceState.objects.filter(pk=state.pk).update(last_error=message, failures=F("failures") + 1)
