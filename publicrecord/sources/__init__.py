"""The public sources the sync reads, one module each, all answering alike.

The contract of a source module (`publicrecord.sync.SOURCES` lists them):

- `SOURCE`: its `publicrecord.models.Source`;
- `read(http, identifiers, cursor) -> Reading`, where `http` is the
  `httpx.Client` of `client()` (use `get()` with it), `identifiers` is
  `{IdentifierKind: set of values}` of every linked item, each value in its
  one written form (`legislation.identifiers.parse`), and `cursor` is the
  text the source's last successful `Reading` returned ("" the first time).
  Each `Finding` names its document by an id that stays the same whenever
  the source sends it again; the sync applies each document to an item once.
  A planned date that may move (`planned=True`) is named `<event id>@<date>`:
  a new date is then a new document, and moves the same planned milestone.

A source is given the identifiers the register links (`legislation.Identifier`,
by kind) and where its last successful read stopped (`SourceState.cursor`). It
answers with a `Reading`: the `Finding`s it made and the cursor to start from
next time. It never writes to the register: `publicrecord.apply` does that,
through the rules, for every source alike.

A source that is down, slow, or answers what it cannot read raises
`SourceUnavailable` with a sentence saying which; the sync records it for that
source only and goes on with the others.
"""

import datetime
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..findings import Finding


class SourceUnavailable(Exception):
    """The source could not be read this time; the next run tries again from the same cursor."""


class SourceUnreachable(SourceUnavailable):
    """No answer at all (no network, refused, timed out), as on a machine without internet."""


@dataclass
class Reading:
    findings: list[Finding] = field(default_factory=list)
    # Where the next run starts; the old cursor when nothing new was read.
    cursor: str = ""


def client():
    """The HTTP client every source uses: bounded in time, identified, and never following a redirect off-site."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.PUBLIC_RECORD_TIMEOUT),
        headers={"User-Agent": "wetgevingsmonitor (legislative pipeline tracker)"},
        follow_redirects=False,
    )


def get(http, url, missing_ok=False, **params):
    """GET `url`, raising `SourceUnavailable` for anything but a readable 200 answer; with `missing_ok`, a 404
    (the source has no such record, which is no outage) answers None."""
    try:
        response = http.get(url, params=params or None)
    except httpx.TimeoutException:
        raise SourceUnreachable(_("%(url)s did not answer within %(seconds)s seconds.")
                                % {"url": url, "seconds": settings.PUBLIC_RECORD_TIMEOUT}) from None
    except httpx.HTTPError as error:
        raise SourceUnreachable(_("%(url)s cannot be reached (%(error)s).")
                                % {"url": url, "error": error.__class__.__name__}) from None
    if missing_ok and response.status_code == 404:
        return None
    if response.status_code != 200:
        raise SourceUnavailable(_("%(url)s answered with status %(status)s.")
                                % {"url": url, "status": response.status_code})
    return response


def text(element, path, namespaces):
    """The text at `path` under `element`, its whitespace collapsed; empty when there is none."""
    found = element.find(path, namespaces)
    return " ".join((found.text or "").split()) if found is not None else ""


def iso_date(value):
    """The date `value` writes as YYYY-MM-DD, or None."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
