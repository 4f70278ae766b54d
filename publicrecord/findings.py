"""What a public source says about an item, in the tracker's words.

Each source module (`sources/`) reads its own format and answers with
`Finding`s; `apply.py` alone turns them into moves, milestones and proposals
through `legislation.services`, so every source obeys the same rules.
"""

import datetime
from dataclasses import dataclass

from legislation.identifiers import IdentifierKind
from legislation.models import MilestoneKind, Stage


@dataclass(frozen=True)
class Finding:
    """One public document, and what it proves about the items that carry `identifier`."""

    # The source's own, stable name for the document: seeing it again changes nothing.
    document_id: str
    identifier_kind: IdentifierKind
    identifier: str
    title: str
    date: datetime.date
    url: str
    # The document type as the source names it (e.g. "Koninklijke boodschap", "Stemmingsuitslag").
    document_type: str
    # The stage the document proves the item has reached, or an end state it proves (withdrawn, rejected).
    stage: Stage | None = None
    # The milestone it meets (an actual date) or announces (a planned date, `planned`).
    milestone: MilestoneKind | None = None
    planned: bool = False
