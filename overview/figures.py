"""The figures of the programme overview, read from the moves and milestones the tracker records.

Whatever the size of the programme, they take a fixed number of queries: one
each for the bills, their co-responsible ministries, their stage moves, their
milestones (with the first planned date from the milestones' history), the
ministries and the chapters. Days, stays and sums are counted here in Python.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery

from legislation.models import Bill, Chapter, Milestone, Ministry, Move, Stage
from legislation.policy import END_STATES, MAIN_LINE
from legislation.selectors import is_overdue

# Bijlage 2 of the Regeerprogramma was published on this day: the programme's history starts here,
# or at the first recorded move if one is older.
PROGRAMME_START = datetime.date(2024, 9, 13)
STAGES = (*MAIN_LINE, *END_STATES)
# Past the advice of the Raad van State: submitted to parliament, or further.
PAST_RAAD_VAN_STATE = MAIN_LINE[MAIN_LINE.index(Stage.TWEEDE_KAMER) :]
# Stages in which an item waits for its next step; nothing follows entry into force.
OPEN_STAGES = MAIN_LINE[:-1]
LONGEST_SHOWN = 10


@dataclass
class MatrixRow:
    ministry: Ministry
    counts: list  # per stage of STAGES
    total: int


@dataclass
class Matrix:
    """Items per ministry and stage; an item counts for its lead and each co-responsible ministry."""

    rows: list
    totals: list  # per stage, each item once
    total: int


@dataclass
class Flow:
    """The number of items in each stage of STAGES at the end of every day of the period."""

    days: list
    counts: list  # per day, a tuple in the order of STAGES


@dataclass
class MinistrySlippage:
    ministry: Ministry
    overdue: int = 0
    days_overdue: int = 0
    moved: int = 0
    days_moved: int = 0


@dataclass
class SlippedMilestone:
    bill_key: str
    bill_title: str
    ministry: Ministry
    milestone: str
    planned_date: datetime.date
    first_planned_date: datetime.date | None  # None: no planned date in the milestone's history
    actual_date: datetime.date | None
    days_overdue: int
    days_moved: int

    @property
    def days_slipped(self):
        return self.days_overdue + self.days_moved


@dataclass
class Slippage:
    per_ministry: list
    milestones: list  # worst first

    @property
    def total(self):
        return MinistrySlippage(
            ministry=None,
            overdue=sum(row.overdue for row in self.per_ministry),
            days_overdue=sum(row.days_overdue for row in self.per_ministry),
            moved=sum(row.moved for row in self.per_ministry),
            days_moved=sum(row.days_moved for row in self.per_ministry),
        )


@dataclass
class StageTime:
    stage: Stage
    stays: int  # completed and ongoing
    ongoing: int
    median: float | None
    longest: int | None


@dataclass
class WaitingItem:
    key: str
    short_title: str
    ministry: Ministry
    stage: Stage
    since: datetime.date
    days: int


@dataclass
class TimeInStage:
    per_stage: list
    longest: list  # the items longest in their current stage, longest first
    never_moved: int  # items whose entry into their stage is not recorded


@dataclass
class ChapterProgress:
    chapter: Chapter
    counts: list  # per stage of STAGES
    total: int
    past_raad_van_state: int

    @property
    def share_past_raad_van_state(self):
        return self.past_raad_van_state / self.total


@dataclass
class Overview:
    today: datetime.date
    item_count: int
    matrix: Matrix
    flow: Flow
    slippage: Slippage
    time_in_stage: TimeInStage
    chapters: list


def programme_overview(bills, *, today, ministry=None):
    """The overview of the items in `bills` as it stands at the end of `today`.

    With `ministry` (the filter on one ministry) the matrix shows that ministry's row only:
    another ministry's row would count just the items it shares with it.
    """
    ids = bills.values("pk")
    items = list(
        bills.order_by("key").values("pk", "key", "short_title", "stage", "stage_entered_on", "lead_ministry_id",
                                     "chapter_id")
    )
    co_ministries = list(
        Bill.co_ministries.through.objects.filter(bill_id__in=ids)
        .exclude(ministry_id=F("bill__lead_ministry_id"))  # counted once, as the lead
        .values_list("bill_id", "ministry_id")
    )
    moves = defaultdict(list)
    for bill_id, from_stage, to_stage, occurred_on in (
        Move.objects.filter(bill_id__in=ids, flag="")
        .order_by("bill_id", "occurred_on", "recorded_at", "id")
        .values_list("bill_id", "from_stage", "to_stage", "occurred_on")
    ):
        moves[bill_id].append((from_stage, to_stage, occurred_on))
    ministries = {ministry.pk: ministry for ministry in Ministry.objects.all()}
    chapters = list(Chapter.objects.all())

    timelines = {item["pk"]: timeline(item, moves[item["pk"]], today) for item in items}
    return Overview(
        today=today,
        item_count=len(items),
        matrix=stage_matrix(items, co_ministries, ministries, ministry),
        flow=cumulative_flow(items, timelines, today),
        slippage=slippage(ids, ministries, today),
        time_in_stage=time_in_stage(items, timelines, ministries, today),
        chapters=chapter_progress(items, chapters),
    )


def timeline(item, moves, today):
    """The stages an item was in as (entered on, stage), oldest first; the first entry date may be None.

    Before its first move an item was in that move's `from_stage`, since a date not recorded; an item
    never moved has been in its stage since `stage_entered_on`, if known. Moves dated after today
    have not happened yet.
    """
    if not moves:
        return [(item["stage_entered_on"], item["stage"])]
    stays = [(None, moves[0][0])]
    for _from_stage, to_stage, occurred_on in moves:
        if occurred_on > today:
            break
        stays.append((occurred_on, to_stage))
    return stays


def stage_matrix(items, co_ministries, ministries, only_ministry):
    stage_of = {item["pk"]: item["stage"] for item in items}
    counts = defaultdict(Counter)
    for item in items:
        counts[item["lead_ministry_id"]][item["stage"]] += 1
    for bill_id, ministry_id in co_ministries:
        counts[ministry_id][stage_of[bill_id]] += 1
    rows = [
        MatrixRow(ministry=ministry, counts=[counts[pk][stage] for stage in STAGES], total=counts[pk].total())
        for pk, ministry in ministries.items()
        if counts[pk] and (only_ministry is None or pk == only_ministry.pk)
    ]
    totals = Counter(stage_of.values())
    return Matrix(rows=rows, totals=[totals[stage] for stage in STAGES], total=len(items))


def cumulative_flow(items, timelines, today):
    known_dates = [entered for stays in timelines.values() for entered, _stage in stays[1:]]
    start = min([PROGRAMME_START, today, *known_dates])
    in_stage = Counter()
    changes = defaultdict(Counter)
    for item in items:
        stays = timelines[item["pk"]]
        in_stage[stays[0][1]] += 1
        for (_since, before), (day, after) in zip(stays, stays[1:]):
            changes[day][before] -= 1
            changes[day][after] += 1
    days, counts = [], []
    for offset in range((today - start).days + 1):
        day = start + datetime.timedelta(days=offset)
        in_stage.update(changes[day])
        days.append(day)
        counts.append(tuple(in_stage[stage] for stage in STAGES))
    return Flow(days=days, counts=counts)


def slippage(ids, ministries, today):
    """Milestones overdue, and milestones planned later than first planned, per lead ministry.

    The first planned date is the oldest non-empty planned date in the milestone's history; a
    milestone without one in its history has no known earlier plan and counts as not moved.
    """
    first_planned = (
        Milestone.history.model.objects.filter(id=OuterRef("pk"), planned_date__isnull=False)
        .order_by("history_date", "history_id")
        .values("planned_date")[:1]
    )
    rows = (
        Milestone.objects.filter(bill_id__in=ids, planned_date__isnull=False)
        .annotate(first_planned_date=Subquery(first_planned))
        .values("kind", "label", "label_en", "edited_fields", "planned_date", "actual_date", "first_planned_date",
                "bill__key", "bill__short_title", "bill__lead_ministry_id")
    )
    per_ministry = {}
    slipped = []
    for row in rows:
        overdue = is_overdue(row["planned_date"], row["actual_date"], today)
        first = row["first_planned_date"]
        moved = first is not None and row["planned_date"] > first
        if not (overdue or moved):
            continue
        ministry = ministries[row["bill__lead_ministry_id"]]
        milestone = SlippedMilestone(
            bill_key=row["bill__key"],
            bill_title=row["bill__short_title"],
            ministry=ministry,
            milestone=Milestone.shown_label(row["kind"], row["label"], row["label_en"], row["edited_fields"]),
            planned_date=row["planned_date"],
            first_planned_date=first,
            actual_date=row["actual_date"],
            days_overdue=(today - row["planned_date"]).days if overdue else 0,
            days_moved=(row["planned_date"] - first).days if moved else 0,
        )
        slipped.append(milestone)
        totals = per_ministry.setdefault(ministry.pk, MinistrySlippage(ministry=ministry))
        totals.overdue += overdue
        totals.days_overdue += milestone.days_overdue
        totals.moved += moved
        totals.days_moved += milestone.days_moved
    slipped.sort(key=lambda m: (-m.days_slipped, m.bill_key, m.milestone))
    return Slippage(
        per_ministry=sorted(per_ministry.values(), key=lambda row: row.ministry.code),
        milestones=slipped,
    )


def time_in_stage(items, timelines, ministries, today):
    """How long items stay in each stage still open, from the dates of the moves.

    A stay counts from the day an item entered the stage to the day it left, or to today if it
    is still there. The stay before an item's first move has no recorded start and is left out,
    as are items never moved (unless their stage's entry date is known).
    """
    durations = defaultdict(list)
    ongoing = Counter()
    waiting = []
    never_moved = 0
    for item in items:
        stays = timelines[item["pk"]]
        for (entered, stage), (left, _next) in zip(stays, [*stays[1:], (today, None)]):
            if entered is None or stage not in OPEN_STAGES:
                continue
            durations[stage].append((left - entered).days)
        entered, stage = stays[-1]
        if entered is None:
            never_moved += 1
        elif stage in OPEN_STAGES:
            ongoing[stage] += 1
            waiting.append(
                WaitingItem(key=item["key"], short_title=item["short_title"],
                            ministry=ministries[item["lead_ministry_id"]], stage=Stage(stage), since=entered,
                            days=(today - entered).days)
            )
    per_stage = [
        StageTime(
            stage=stage,
            stays=len(durations[stage]),
            ongoing=ongoing[stage],
            median=statistics.median(durations[stage]) if durations[stage] else None,
            longest=max(durations[stage], default=None),
        )
        for stage in OPEN_STAGES
    ]
    waiting.sort(key=lambda item: (-item.days, item.key))
    return TimeInStage(per_stage=per_stage, longest=waiting[:LONGEST_SHOWN], never_moved=never_moved)


def chapter_progress(items, chapters):
    counts = defaultdict(Counter)
    for item in items:
        counts[item["chapter_id"]][item["stage"]] += 1
    return [
        ChapterProgress(
            chapter=chapter,
            counts=[counts[chapter.pk][stage] for stage in STAGES],
            total=counts[chapter.pk].total(),
            past_raad_van_state=sum(counts[chapter.pk][stage] for stage in PAST_RAAD_VAN_STATE),
        )
        for chapter in chapters
        if counts[chapter.pk]
    ]
