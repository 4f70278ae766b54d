"""What the board shows: columns of cards per stage, optionally in swimlanes.

Built from a filtered queryset in a fixed number of queries, whatever the
number of bills: one aggregate for the exact counts, and one query (plus
prefetches) for the first cards of every column, chosen by a window function.
"""

import functools
import hashlib
import operator
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import caches
from django.db.models import Count, F, JSONField, Max, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Bill, Chapter, Milestone, Ministry, Stage
from .widgets import option_tags

CARDS_PER_COLUMN = 20

# Swimlane choices: the Bill field a lane groups by, and the model that names the lanes.
LANES = {
    "ministry": ("lead_ministry", Ministry, _("Ministry")),
    "chapter": ("chapter", Chapter, _("Chapter")),
}


@dataclass
class Column:
    stage: Stage
    count: int = 0
    cards: list = field(default_factory=list)
    lane: object = None

    @property
    def more(self):
        return self.count > len(self.cards)


@dataclass
class Lane:
    title: object
    key: object
    columns: list
    closed: list

    @property
    def closed_count(self):
        return sum(column.count for column in self.closed)

    @property
    def count(self):
        return sum(column.count for column in self.columns + self.closed)


# The fields of a bill that its card shows; the board fetches no others.
CARD_FIELDS = (
    "key", "version", "stage", "short_title", "instrument", "reading", "on_hold", "controversial",
    "voorhang_required", "lead_ministry__code", "chapter__code",
)  # fmt: skip
# Everything a card shows. Its rendered HTML is kept under these values and the
# language, so a change to any of them, however it was made, draws it anew.
CARD_FACTS = operator.attrgetter(
    *(name.replace("__", ".") for name in CARD_FIELDS), "movable", "overdue", "next_date", "next_title"
)
# A day at most, so that the cards of bills no longer shown do not linger.
CARD_HTML_SECONDS = 24 * 60 * 60


def with_card_details(bills, user):
    """The bills as cards: only the fields a card shows, and each one's next open milestone."""
    next_open = Milestone.objects.filter(
        bill=OuterRef("pk"), actual_date__isnull=True, planned_date__isnull=False
    ).order_by("planned_date", "id")
    if rules.ministry_ids(user):
        bills = bills.prefetch_related("co_ministries")  # may_change asks whether they share the bill
    return (
        bills.select_related("chapter", "lead_ministry")
        .only(*CARD_FIELDS)
        .annotate(
            next_date=Subquery(next_open.values("planned_date")[:1]),
            next_kind=Subquery(next_open.values("kind")[:1]),
            next_label=Subquery(next_open.values("label")[:1]),
            next_label_en=Subquery(next_open.values("label_en")[:1]),
            next_edited=Subquery(next_open.values("edited_fields")[:1], output_field=JSONField()),
        )
    )


def prepare_cards(cards, user):
    """Mark what the user may do with each card, and what the card shows."""
    cards = list(cards)
    today = timezone.localdate()
    language = get_language()
    for card in cards:
        card.movable = rules.may_change(user, card)
        card.overdue = card.next_date is not None and card.next_date < today
        card.next_title = (
            Milestone.shown_label(card.next_kind, card.next_label, card.next_label_en, card.next_edited or [])
            if card.next_kind else ""
        )
        card.notice = None
        card.signature = repr((language, *CARD_FACTS(card)))
    return cards


def with_html(cards):
    """Give each card its HTML: kept from before if nothing it shows changed, else drawn now and kept."""
    cache = caches["cards"]
    keys = [f"card:{hashlib.md5(card.signature.encode(), usedforsecurity=False).hexdigest()}" for card in cards]
    kept = cache.get_many(keys)
    drawn = {}
    for card, key in zip(cards, keys):
        card.html = kept.get(key)
        if card.html is None:
            card.html = drawn[key] = render_to_string("legislation/board.html#card", {"card": card})
    cache.set_many(drawn, CARD_HTML_SECONDS)
    return cards


def stage_options(bill, selected):
    """The <option>s of a card's move menu, `selected` chosen."""
    return _stage_options(rules.allowed_targets(bill), selected, get_language())


@functools.cache
def _stage_options(targets, selected, language):
    # Few distinct menus exist: each is built once per process.
    return option_tags((target, target.label, target == selected) for target in targets)


def one_card(bill, user):
    """The card of one bill, as the board shows it (`bill` with its chapter and lead ministry at hand)."""
    next_open = (
        bill.milestones.filter(actual_date__isnull=True, planned_date__isnull=False)
        .order_by("planned_date", "id")
        .values("planned_date", "kind", "label", "label_en", "edited_fields")
        .first()
    ) or {}
    bill.next_date, bill.next_kind, bill.next_label, bill.next_label_en, bill.next_edited = (
        next_open.get(k) for k in ("planned_date", "kind", "label", "label_en", "edited_fields")
    )
    return prepare_cards([bill], user)[0]


def lane_counts(bills, lanes, card):
    """The exact count per stage in the lane of `card` (the whole board without lanes)."""
    if lanes:
        lane_field = LANES[lanes][0]
        bills = bills.filter(**{f"{lane_field}_id": getattr(card, f"{lane_field}_id")})
    return dict(bills.order_by().values_list("stage").annotate(n=Count("id")))


def column_cards(bills, user, *, stage, lane_field=None, lane_key=None, offset=0, limit=CARDS_PER_COLUMN):
    """One column's cards from `offset` on: the board's "load more"."""
    bills = bills.filter(stage=stage)
    if lane_field:
        bills = bills.filter(**{f"{lane_field}_id": lane_key})
    return with_html(prepare_cards(with_card_details(bills.order_by("key"), user)[offset : offset + limit], user))


def build_board(bills, user, *, lanes=None, limit=CARDS_PER_COLUMN, with_closed=False):
    """The lanes of the board (one lane without a title when `lanes` is None).

    The end states are counted always but their cards fetched only `with_closed`:
    that lane is folded away unless someone asks for it.
    """
    lane_field, lane_model, _label = LANES.get(lanes, (None, None, None))
    group = [f"{lane_field}_id", "stage"] if lane_field else ["stage"]

    def place(values):
        """A card's or count's (lane, stage); the lane is None without swimlanes."""
        return (values[group[0]] if lane_field else None, values["stage"])

    counts = {place(row): row["n"] for row in bills.order_by().values(*group).annotate(n=Count("id"))}
    ranked = (bills if with_closed else bills.exclude(stage__in=rules.END_STATES)).annotate(
        rank=Window(RowNumber(), partition_by=[F(name) for name in group], order_by=[F("key").asc()])
    )
    first = Bill.objects.filter(pk__in=ranked.filter(rank__lte=limit).values("pk"))
    placed = defaultdict(list)
    for card in with_html(prepare_cards(with_card_details(first, user).order_by("key"), user)):
        placed[place(vars(card))].append(card)

    if lane_field:
        present = {lane for lane, _stage in counts}
        lanes_shown = [(obj, obj.pk) for obj in lane_model.objects.all() if obj.pk in present]
    else:
        lanes_shown = [(None, None)]

    def column(lane, stage):
        return Column(stage=stage, lane=lane, count=counts.get((lane, stage), 0), cards=placed[(lane, stage)])

    return [
        Lane(
            title=title,
            key=lane,
            columns=[column(lane, stage) for stage in rules.MAIN_LINE],
            closed=[column(lane, stage) for stage in rules.END_STATES],
        )
        for title, lane in lanes_shown
    ]


def board_stamp():
    """Changes whenever anything on any board may have changed; cheap to ask for."""
    stamp = Bill.objects.aggregate(changed=Max("updated_at"), bills=Count("id"))
    changed = stamp["changed"].timestamp() if stamp["changed"] else 0
    return f"{changed:.6f}-{stamp['bills']}"
