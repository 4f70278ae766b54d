"""The shapes of the API's requests and answers, as its OpenAPI document shows them.

Requests are checked here for their shape only; their values then go through
the same forms as on the board (`legislation.forms`), so a limit is set once.
"""

import datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema

from legislation.forms import MAX_VERSION, MilestoneForm, MoveForm
from legislation.history import bill_history
from legislation.identifiers import IdentifierKind
from legislation.models import KEY_PATTERN, Category, Flag, Follow, Instrument, MilestoneKind, Precision, Stage
from legislation.policy import Position, allowed_targets
from legislation.selectors import is_overdue, may_change
from overview.figures import STAGES

# A value no field can store (tracker.middleware.RefuseNullCharactersMiddleware): refused before it reaches a query.
NO_NULL_CHARACTER = r"^[^\x00]*$"
KEY = rf"^{KEY_PATTERN}$"
Version = Field(..., ge=1, le=MAX_VERSION, description="The version of the bill the client last read.")


def max_length(form, name):
    return form.base_fields[name].max_length


class Error(Schema):
    detail: str = Field(description="Why the request was refused, in the request's language.")
    code: Literal["invalid", "unauthorized", "not_allowed", "not_found", "stale_version", "move_refused",
                  "needs_reason", "throttled"]
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Per field, what is wrong with it.")


class FilterQuery(Schema):
    """The board's filters (legislation.filters.BillFilter)."""

    q: str = Field("", max_length=200, pattern=NO_NULL_CHARACTER,
                   description="Words in the key, the titles or the public identifiers.")
    ministry: str = Field("", max_length=10, pattern=NO_NULL_CHARACTER,
                          description="A ministry's code (e.g. JenV): the bills it leads or shares.")
    chapter: str = Field("", max_length=4, pattern=NO_NULL_CHARACTER, description="A chapter's code, e.g. H8.")
    category: Category | Literal[""] = ""
    instrument: Instrument | Literal[""] = ""
    stage: Stage | Literal[""] = ""
    overdue: bool = Field(False, description="Only bills with a milestone past its planned date.")
    mine: bool = Field(False, description="Only bills the user owns or their ministries lead or share.")
    followed: bool = Field(False, description="Only bills the user follows (PUT /bills/{key}/follow, the star).")


class Page(Schema):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(50, ge=1, le=200)


class BillSummary(Schema):
    key: str
    short_title: str
    chapter: str = Field(alias="chapter.code")
    category: Category
    instrument: Instrument
    stage: Stage
    stage_entered_on: datetime.date | None
    reading: int
    flags: list[Flag]
    lead_ministry: str = Field(alias="lead_ministry.code")
    co_ministries: list[str]
    owner: str | None
    version: int
    updated_at: datetime.datetime



    @staticmethod
    def resolve_co_ministries(bill):
        return [ministry.code for ministry in bill.co_ministries.all()]

    @staticmethod
    def resolve_owner(bill):
        return bill.owner.get_username() if bill.owner else None


class RegisterPage(Schema):
    count: int = Field(description="Bills matching the filters, on all pages.")
    page: int
    page_size: int
    items: list[BillSummary]


class MilestoneOut(Schema):
    id: int
    kind: MilestoneKind
    label: str
    planned_date: datetime.date | None
    precision: Precision
    actual_date: datetime.date | None
    owner: str | None
    source: str
    overdue: bool

    @staticmethod
    def resolve_owner(milestone):
        return milestone.owner.get_username() if milestone.owner else None

    @staticmethod
    def resolve_overdue(milestone):
        return is_overdue(milestone.planned_date, milestone.actual_date, timezone.localdate())


class MoveOut(Schema):
    from_stage: Stage
    to_stage: Stage
    flag: Flag | Literal[""]
    flag_set: bool | None
    reading: int
    occurred_on: datetime.date
    recorded_at: datetime.datetime
    moved_by: str | None
    reason: str
    source: str

    @staticmethod
    def resolve_moved_by(move):
        return move.moved_by.get_username() if move.moved_by else None


class IdentifierOut(Schema):
    id: int
    kind: IdentifierKind
    value: str = Field(description="In its one written form, e.g. 36546-R2190, WGK012345, stb-2025-123.")
    url: str = Field(description="Its public page.")
    source: str = Field(description="Who or what said it is the item's: a seed's passage, a person, an import.")
    added_by: str | None = Field(description="The user who linked it; null: the register's data files.")
    added_at: datetime.datetime

    @staticmethod
    def resolve_added_by(identifier):
        return identifier.added_by.get_username() if identifier.added_by else None


class IdentifierIn(Schema):
    kind: IdentifierKind
    value: str = Field(..., min_length=1, max_length=200, pattern=NO_NULL_CHARACTER,
                       description="As people write it: 36 546, https://www.internetconsultatie.nl/…, stb-2025-123.")


class ChangeOut(Schema):
    """One entry of the item's history (legislation.history.bill_history)."""

    when: datetime.datetime
    who: str | None = Field(description="The user; null: the register's data files.")
    reason: str
    model: Literal["bill", "milestone"]
    object_label: str
    action: Literal["created", "changed", "deleted"]
    field: str
    field_label: str
    old: str
    new: str

    @staticmethod
    def resolve_who(change):
        return change.who.get_username() if change.who else None

    # Labels may be lazy translations; the request's language is active now.
    @staticmethod
    def resolve_field_label(change):
        return str(change.field_label)

    @staticmethod
    def resolve_old(change):
        return str(change.old)

    @staticmethod
    def resolve_new(change):
        return str(change.new)


class BillDetail(BillSummary):
    title: str = Field(description="The item's full text in Bijlage 2.")
    official_title: str
    parent: str | None
    children: list[str]
    source_line: int | None
    voorhang_required: bool
    identifiers: list[IdentifierOut] = Field(description="Its public identifiers: dossier, WGK, consultation, "
                                                         "publications.")
    notes: str
    may_change: bool = Field(description="Whether the user may move the bill and edit its milestones.")
    allowed_stages: list[Stage] = Field(description="Where the user may move it (some need a reason).")
    followed: bool = Field(description="Whether the user follows it.")
    milestones: list[MilestoneOut]
    moves: list[MoveOut]
    history: list[ChangeOut] = Field(description="Every change to the bill and its milestones, newest first.")

    @staticmethod
    def resolve_parent(bill):
        return bill.parent.key if bill.parent else None

    @staticmethod
    def resolve_children(bill):
        return [child.key for child in bill.children.all()]

    @staticmethod
    def resolve_may_change(bill, context):
        return may_change(context["request"].user, bill)

    @staticmethod
    def resolve_allowed_stages(bill, context):
        return allowed_targets(Position.of(bill)) if may_change(context["request"].user, bill) else ()

    @staticmethod
    def resolve_followed(bill, context):
        return Follow.objects.filter(user=context["request"].user, bill=bill).exists()

    @staticmethod
    def resolve_history(bill):
        return bill_history(bill)


class MoveIn(Schema):
    stage: Stage
    version: int = Version
    reason: str = Field("", max_length=max_length(MoveForm, "reason"), pattern=NO_NULL_CHARACTER)


class Moved(Schema):
    move: MoveOut
    bill: BillSummary


LABEL_LENGTH = MilestoneForm._meta.model._meta.get_field("label").max_length


class MilestoneIn(Schema):
    kind: MilestoneKind
    label: str = Field("", max_length=LABEL_LENGTH, pattern=NO_NULL_CHARACTER)
    planned_date: datetime.date | None = None
    precision: Precision = Precision.DAY
    actual_date: datetime.date | None = None


class MilestonePatch(Schema):
    """The fields to change, with the version of the bill read; those left out stay as they are."""

    version: int = Version
    kind: MilestoneKind | None = None
    label: str | None = Field(None, max_length=LABEL_LENGTH, pattern=NO_NULL_CHARACTER)
    planned_date: datetime.date | None = None
    precision: Precision | None = None
    actual_date: datetime.date | None = None


class MatrixRowOut(Schema):
    ministry: str = Field(alias="ministry.code")
    counts: list[int] = Field(description="Per stage, in the order of `stages`.")
    total: int



class MatrixOut(Schema):
    rows: list[MatrixRowOut]
    totals: list[int]
    total: int


class FlowOut(Schema):
    days: list[datetime.date]
    counts: list[list[int]] = Field(description="Per day, the items in each stage of `stages` at its end.")


class MinistrySlippageOut(Schema):
    ministry: str = Field(alias="ministry.code")
    overdue: int
    days_overdue: int
    moved: int
    days_moved: int



class SlippedMilestoneOut(Schema):
    bill_key: str
    bill_title: str
    ministry: str = Field(alias="ministry.code")
    milestone: str
    planned_date: datetime.date
    first_planned_date: datetime.date | None
    actual_date: datetime.date | None
    days_overdue: int
    days_moved: int


    @staticmethod
    def resolve_milestone(row):
        return str(row.milestone)  # a kind's label is a lazy translation


class SlippageOut(Schema):
    per_ministry: list[MinistrySlippageOut]
    milestones: list[SlippedMilestoneOut] = Field(description="Worst first.")


class StageTimeOut(Schema):
    stage: Stage
    stays: int
    ongoing: int
    median: float | None
    longest: int | None


class WaitingItemOut(Schema):
    key: str
    short_title: str
    ministry: str = Field(alias="ministry.code")
    stage: Stage
    since: datetime.date
    days: int



class TimeInStageOut(Schema):
    per_stage: list[StageTimeOut]
    longest: list[WaitingItemOut]
    never_moved: int


class ChapterProgressOut(Schema):
    chapter: str = Field(alias="chapter.code")
    title: str = Field(alias="chapter.title")
    counts: list[int]
    total: int
    past_raad_van_state: int




class OverviewOut(Schema):
    """The programme overview's figures (overview.figures), for the bills matching the filters."""

    today: datetime.date
    stages: list[Stage] = Field(description="The order of every per-stage list below.")

    @staticmethod
    def resolve_stages(overview):
        return STAGES

    item_count: int
    matrix: MatrixOut
    flow: FlowOut
    slippage: SlippageOut
    time_in_stage: TimeInStageOut
    chapters: list[ChapterProgressOut]
