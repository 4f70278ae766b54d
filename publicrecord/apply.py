"""Where what the public record says becomes moves, milestones and proposals: the only place it does.

Every source's `Finding`s come here and go through `legislation.services`,
so the rules are those a person meets on the board. A finding is applied to
each item that carries its identifier, once: its `Document` row (unique per
source, document and item) is written in the same transaction as what it
changes, so a document seen again, re-sent by a feed or read out of order
changes nothing a second time.

- A forward move the record proves is made, by no one (`by=None`), citing the
  document, with the origin `<source>:<document>` (a move's origin is unique
  per item, so even a replay past the Document row cannot move twice).
- A backward move, an end state (withdrawn, rejected), a move the rules
  refuse, or one against a person's move of the last PUBLIC_RECORD_RESPECT_DAYS
  days becomes an open `Proposal` for the item's coordinators.
- A finding older than where the item stands changes nothing.
- A planned date becomes a planned milestone (the reminders warn about it); an
  actual one meets the milestone.
"""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from legislation import services
from legislation.models import Bill, Milestone, Move, Stage
from legislation.policy import END_STATES, MAIN_LINE, MoveRefused, Position, RuleError, check_move

from .models import Document, Outcome, Proposal, ProposalStatus

logger = logging.getLogger(__name__)


def apply_findings(source, findings):
    """Apply each finding to the items carrying its identifier; return how many documents ended how."""
    outcomes = Counter()
    for finding in findings:
        bills = Bill.objects.filter(identifiers__kind=finding.identifier_kind,
                                    identifiers__value=finding.identifier).distinct()
        for bill in bills:
            outcomes[apply_finding(source, finding, bill)] += 1
    return outcomes


def apply_finding(source, finding, bill):
    """Apply one finding to one item, unless its document was applied to it before."""
    if Document.objects.filter(source=source, document_id=finding.document_id, bill=bill).exists():
        return Outcome.ALREADY_KNOWN
    try:
        with transaction.atomic():
            bill = Bill.objects.select_for_update().get(pk=bill.pk)
            document = Document.objects.create(
                source=source, document_id=finding.document_id, bill=bill, title=finding.title[:2000],
                date=finding.date, url=finding.url, document_type=finding.document_type[:200],
                outcome=Outcome.NOT_UNDERSTOOD)
            document.outcome = decide(source, finding, bill, document)
            document.save(update_fields=["outcome"])
    except IntegrityError:
        # Another run recorded this document for this item at the same time: it is known.
        return Outcome.ALREADY_KNOWN
    except RuleError as refusal:
        # E.g. an item with the most milestones it may have: nothing of the document is written, so that a
        # later run applies it once someone made room; the other documents go on.
        logger.warning("%s %s was not applied to %s: %s", source, finding.document_id, bill.key, refusal.message)
        return Outcome.NOT_UNDERSTOOD
    return document.outcome


def cite(document):
    """How a move or milestone names its document (a `Finding` or a recorded `Document`): title, date, address."""
    return f"{document.title} ({document.date.isoformat()}), {document.url}"


def origin(source, document_id):
    return f"{source}:{document_id}"[:200]


def decide(source, finding, bill, document):
    if finding.stage is None and finding.milestone is None:
        return Outcome.NOT_UNDERSTOOD
    if finding.planned:
        return plan_milestone(source, finding, bill)
    outcome = Outcome.ALREADY_KNOWN
    if finding.stage is not None:
        outcome = move(source, finding, bill, document)
    if finding.milestone is not None and meet_milestone(source, finding, bill) and outcome == Outcome.ALREADY_KNOWN:
        outcome = Outcome.RECORDED
    return outcome


def move(source, finding, bill, document):
    target, stage = Stage(finding.stage), Stage(bill.stage)
    if target == stage:
        return Outcome.ALREADY_KNOWN
    if target in END_STATES:
        return propose(bill, document, target, _("An end state is left to a person to decide."))
    if stage in END_STATES:
        return propose(bill, document, target, _("The item is “%(stage)s”; reopening it is left to a person.")
                       % {"stage": stage.label})
    if MAIN_LINE.index(target) < MAIN_LINE.index(stage):
        if bill.stage_entered_on and finding.date > bill.stage_entered_on:
            return propose(bill, document, target, _("The document is newer than the item's move to “%(stage)s” "
                                                     "and puts it back in “%(target)s”.")
                           % {"stage": stage.label, "target": target.label})
        return Outcome.ALREADY_KNOWN  # older news: the item went on since
    if person_moved_away(bill, target):
        return propose(bill, document, target, _("A person moved this item back from “%(target)s” less than "
                                                 "%(days)s days ago.")
                       % {"target": target.label, "days": settings.PUBLIC_RECORD_RESPECT_DAYS})
    reason = _("The public record: %(title)s") % {"title": finding.title}
    try:
        check_move(Position.of(bill), target, reason)
    except MoveRefused as refusal:
        return propose(bill, document, target, refusal.message)
    services.move_bill(bill, target, by=None, reason=reason, source=cite(finding), occurred_on=finding.date,
                       origin=origin(source, finding.document_id))
    return Outcome.APPLIED


def person_moved_away(bill, target):
    """Whether a person moved the item, within the respected days, from `target` or beyond to before it."""
    since = timezone.now() - datetime.timedelta(days=settings.PUBLIC_RECORD_RESPECT_DAYS)
    later = {stage for stage in MAIN_LINE if MAIN_LINE.index(stage) >= MAIN_LINE.index(target)} | set(END_STATES)
    return Move.objects.filter(bill=bill, moved_by__isnull=False, recorded_at__gte=since, flag="",
                               from_stage__in=later).exclude(to_stage__in=later).exists()


def propose(bill, document, target, reason):
    """An open proposal to move `bill` to `target`; one is enough, however many documents suggest it."""
    if Proposal.objects.filter(bill=bill, to_stage=target, status=ProposalStatus.OPEN).exists():
        return Outcome.ALREADY_KNOWN
    Proposal.objects.create(bill=bill, document=document, to_stage=target, reason=reason)
    return Outcome.PROPOSED


def meet_milestone(source, finding, bill):
    """Give the milestone of the finding's kind its actual date; add it if the item has none. Whether it changed."""
    milestones = bill.milestones.filter(kind=finding.milestone)
    if milestones.filter(actual_date__isnull=False).exists():
        return False
    open_one = milestones.order_by("planned_date", "id").first()
    if open_one is not None:
        services.change_milestone(open_one, by=None, reason=_("The public record"), actual_date=finding.date,
                                  source=cite(finding))
    else:
        services.add_milestone(bill, by=None, reason=_("The public record"), kind=finding.milestone,
                               actual_date=finding.date, source=cite(finding),
                               origin=origin(source, finding.document_id))
    return True


def plan_milestone(source, finding, bill):
    """A date the record announces: one milestone per announced event, its date following the record.

    A source names an event whose date moved by the event's id and the new date
    (`<id>@<date>`), so that the new date is a new document and the same milestone.
    """
    key = origin(source, finding.document_id.partition("@")[0])
    milestone = Milestone.objects.filter(bill=bill, origin=key).first()
    if milestone is None:
        services.add_milestone(bill, by=None, reason=_("The public record"), kind=finding.milestone,
                               label=finding.title[:200], planned_date=finding.date, source=cite(finding),
                               origin=key)
        return Outcome.RECORDED
    if milestone.actual_date or milestone.planned_date == finding.date:
        return Outcome.ALREADY_KNOWN
    services.change_milestone(milestone, by=None, reason=_("The public record"), planned_date=finding.date,
                              source=cite(finding))
    return Outcome.RECORDED
