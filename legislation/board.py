"""What the board shows: columns of cards per stage, optionally in swimlanes.

Built from a filtered queryset in a fixed number of queries, whatever the
number of bills: the exact counts of the columns and their first cards
(`columns_of`). What a board shows is kept drawn under a key naming all of it
(`Board.key`), and each card under the facts it shows (`CARD_FACTS`).
"""

import functools
import hashlib
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import caches
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .filters import BillFilter
from .models import Bill, Chapter, Instrument, Milestone, Ministry, Stage
from .policy import END_STATES, MAIN_LINE, MILESTONES_MET_BY, Position, allowed_targets
from .selectors import (
    NextMilestone,
    actor,
    is_overdue,
    may_change,
    read_next_open_milestone,
    shared_with,
    starred_by,
    with_next_open_milestone,
)
from .widgets import Select, option_tags

CARDS_PER_COLUMN = 20

# Swimlane choices: the Bill field a lane groups by, and the model that names the lanes.
LANES = {
    "ministry": ("lead_ministry", Ministry, _("Ministry")),
    "chapter": ("chapter", Chapter, _("Chapter")),
}


class LanesForm(forms.Form):
    lanes = forms.ChoiceField(
        label=_("Swimlanes"),
        required=False,
        widget=Select,
        choices=[("", _("None"))] + [(name, label) for name, (_field, _model, label) in LANES.items()],
    )


@dataclass
class Column:
    stage: Stage
    count: int = 0
    cards: list = field(default_factory=list)
    lane: object = None

    @property
    def more(self):
        return self.count > len(self.cards)

    @property
    def cards_html(self):
        return mark_safe("".join(card.html for card in self.cards))  # each card escaped by its template


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
# Everything a card shows, its viewer's star (`starred`) included. Its rendered HTML is kept under these values
# and the language, so a change to any of them, however it was made, draws it anew.
# tests/test_board.py checks that the card template shows nothing else.
CARD_FACT_NAMES = (*(name.replace("__", ".") for name in CARD_FIELDS), "movable", "overdue", "next_date", "next_title",
                   "starred")
CARD_FACTS = operator.attrgetter(*CARD_FACT_NAMES)
# A day at most, so that the cards of bills no longer shown do not linger.
CARD_HTML_SECONDS = 24 * 60 * 60


class Card:
    """A bill as its card shows it, from the plain values of `with_card_details`: a board builds many of these,
    and a model instance each (with its ministry and chapter) cost more than the card's SQL."""

    def __init__(self, values):
        for name, value in values.items():
            relation, _, attribute = name.partition("__")
            if attribute:  # lead_ministry__code: card.lead_ministry.code, as on a bill
                value = SimpleNamespace(**{attribute: value})
            setattr(self, relation, value)

    def get_instrument_display(self):
        return Instrument(self.instrument).label


def bill_filter(request, params, queryset=None):
    """The board's and the register's filters (`filters.BillFilter`) over `queryset`, by default every bill."""
    return BillFilter(params, queryset=queryset if queryset is not None else Bill.objects.all(), request=request)


def lanes_of(params):
    """The swimlanes the board at `params` is drawn in (None: no lanes)."""
    form = LanesForm(params)
    return form.cleaned_data["lanes"] or None if form.is_valid() else None


def board_page(request, params, stamp=None):
    """Everything the board at `params` (its address's query) shows; `stamp` is `board_stamp()` if read already."""
    params = params.copy()
    params.pop("since", None)
    filters = bill_filter(request, params)
    lanes = lanes_of(params)
    with_closed = params.get("stage") in END_STATES
    board = build_board(filters.qs, request.user, lanes=lanes, with_closed=with_closed)
    return {
        "filter": filters,
        "lanes_form": LanesForm(params),
        "filter_choices": filter_choices(filters),
        "board": board,
        "with_closed": with_closed,
        "lane_kind": lanes,
        "query": params.urlencode(),
        "stamp": stamp or board.stamp or board_stamp(),
    }


def filter_choices(filters):
    """The choices of the filters that come from the database, read once: the filters' HTML is kept under them
    (templates/legislation/board.html) and drawn from them when it is not."""
    read = []
    for choice_field in filters.form.fields.values():
        if isinstance(choice_field, forms.ModelChoiceField):
            # What the widget draws them from; not list(), which would count them first (a query more).
            choice_field.widget.choices = [choice for choice in choice_field.choices]
            read.append([(str(value), str(label)) for value, label in choice_field.widget.choices])
    return read


def with_card_details(bills, user):
    """The bills as the rows of their cards (`Card`), for `user`: the values a card shows, each one's next open
    milestone, and whether `user` follows it."""
    return with_star(card_values(bills), user)


def card_values(bills):
    """The values of `bills` that their cards show, with each one's next open milestone."""
    return with_next_open_milestone(bills).values("id", "lead_ministry_id", "chapter_id", *CARD_FIELDS, "next_open")


def with_star(rows, user):
    """Rows of cards (`card_values`) with `starred`: whether `user` follows each."""
    return rows.annotate(starred=starred_by(user))


@functools.cache
def card_rows():
    """Every bill as the row of its card but for the viewer's star (`card_values`), in the board's order: made
    once, since making it costs more than running it; each board narrows it to its own cards."""
    return card_values(Bill.objects.all()).order_by("key")


def cards_of(rows, user, shared=None):
    """The `Card`s of `rows` (`with_card_details`), ready to draw for `user`; `shared` as read for them
    (`selectors.shared_with`), else read here."""
    cards = [Card(row) for row in rows]
    if shared is None:
        shared = shared_with(user, [card.id for card in cards])
    return prepare_cards(cards, user, shared)


def prepare_cards(cards, user, shared=None):
    """Mark what the user may do with each card, and what the card shows.

    Each card has `starred`: whether `user` follows it. `shared`: the co-ministries of the cards that `user`
    coordinates (`selectors.shared_with`), else each card's are read when needed.
    """
    today = timezone.localdate()
    language = get_language()
    for card in cards:
        card.movable = may_change(user, card, None if shared is None else shared[card.id])
        next_open = NextMilestone.of(card.next_open)
        card.next_date = next_open.planned_date if next_open else None
        card.overdue = is_overdue(card.next_date, None, today)
        card.next_title = Milestone.shown_label(*next_open[1:]) if next_open else ""
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
    return _stage_options(allowed_targets(Position.of(bill)), selected, get_language())


@functools.cache
def _stage_options(targets, selected, language):
    # Few distinct menus exist: each is built once per process.
    return option_tags((target, target.label, target == selected) for target in targets)


def one_card(bill, user):
    """The card of one bill, as the board shows it.

    `bill` has its chapter and lead ministry at hand, whether `user` follows it
    (`selectors.with_starred`), and its next open milestone as read with it
    (`selectors.with_next_open_milestone`). Read
    again only if entering its stage may have met that milestone.
    """
    if bill.next_open and bill.next_open["kind"] in MILESTONES_MET_BY.get(bill.stage, ()):
        read_next_open_milestone(bill)
    return prepare_cards([bill], user)[0]


def lane_counts(bills, lanes, card):
    """The exact count per stage in the lane of `card` (the whole board without lanes)."""
    if lanes:
        lane_field = LANES[lanes][0]
        bills = bills.filter(**{f"{lane_field}_id": getattr(card, f"{lane_field}_id")})
    return dict(bills.order_by().values_list("stage").annotate(n=Count("*")))


def changed_card(request, bill, back, notice):
    """What the board at address `back` shows after a change to `bill` made on its card.

    The card as it now is, with `notice` (a dict: message, ok, ask_reason), and
    the exact counts of its lane under that board's filters.
    """
    params = QueryDict(urlsplit(back).query)
    lanes = lanes_of(params)
    card = one_card(bill, request.user)
    card.notice = notice
    if notice.get("ask_reason"):
        card.options = stage_options(card, notice["ask_reason"])
    counts = lane_counts(bill_filter(request, params).qs, lanes, card)
    return {
        "card": card,
        "lane": getattr(card, f"{LANES[lanes][0]}_id") if lanes else "all",
        "counts": [(stage, counts.get(stage, 0)) for stage in Stage],
        "closed_count": sum(counts.get(stage, 0) for stage in END_STATES),
        "query": params.urlencode(),
        "back": back,
    }


def column_cards(bills, user, *, offset=0, limit=CARDS_PER_COLUMN):
    """One column's cards (`bills`: those of the column) from `offset` on."""
    return with_html(cards_of(with_card_details(bills.order_by("key"), user)[offset : offset + limit], user))


# A place in a column, or a lane's id, as the board's addresses hold it: ASCII digits that a database integer
# holds ("²" is a digit to str.isdigit, not to int()).
SMALL_NUMBER = re.compile(r"[0-9]{1,9}")


class BadPlace(ValueError):
    """A "show more" address whose offset or lane is no small whole number; `message` says so."""

    def __init__(self):
        self.message = _("The position in the column and the lane must be whole numbers of at most nine digits.")
        super().__init__(self.message)


def more_cards(request, params, stage):
    """The board's "show more": the next cards of one column (and lane) of the board at `params`."""
    params = params.copy()
    offset = params.pop("offset", [""])[-1]
    lane = params.pop("lane", [""])[-1]
    if not all(SMALL_NUMBER.fullmatch(value) for value in (offset, lane) if value):
        raise BadPlace()
    offset = int(offset or 0)
    lane_field = LANES[lanes][0] if (lanes := lanes_of(params)) else None
    bills = bill_filter(request, params).qs.filter(stage=stage)
    if lane_field:
        bills = bills.filter(**{f"{lane_field}_id": int(lane) if lane else None})
    # One more than shown, to know whether to offer more.
    cards = column_cards(bills, request.user, offset=offset, limit=CARDS_PER_COLUMN + 1)
    shown = offset + min(len(cards), CARDS_PER_COLUMN)
    return {
        "cards": cards[:CARDS_PER_COLUMN],
        "more": len(cards) > CARDS_PER_COLUMN,
        "stage": stage,
        "lane": lane,
        "offset": shown,
        "shown": shown,
        "total": bills.count(),  # the link says how many of how many, like the column's first one
        "query": params.urlencode(),
    }


def build_board(bills, user, *, lanes=None, limit=CARDS_PER_COLUMN, with_closed=False):
    """The board over `bills` (a `Board`): one lane without a title when `lanes` is None.

    The end states are counted always but their cards fetched only `with_closed`:
    that lane is folded away unless someone asks for it.
    """
    lane_field, lane_model, _label = LANES.get(lanes, (None, None, None))
    group = [f"{lane_field}_id", "stage"] if lane_field else ["stage"]
    counts, changed, first = columns_of(bills, group, limit, with_closed)
    rows = list(with_star(card_rows(), user).filter(first)) if first else []
    ids = [row["id"] for row in rows]
    if lane_field:
        present = {lane for lane, _stage in counts}
        lanes_shown = [(obj, obj.pk) for obj in lane_model.objects.all() if obj.pk in present]
    else:
        lanes_shown = [(None, None)]
    # A board of every bill has read the change stamp with its counts.
    stamp = None if bills.query.has_filters() else stamp_of(changed, sum(counts.values()))
    return Board(user, lane_field, counts, rows, shared_with(user, ids), lanes_shown, stamp)


@dataclass
class Board:
    """What a board shows, as read: the exact counts per (lane, stage), the rows of the first cards
    (`with_card_details`, the viewer's stars included), which of them the viewer shares through a co-ministry,
    the lanes shown (title, key), and for a board of every bill the change stamp (`board_stamp`), else None.

    `key` names all of that and everything else its HTML depends on, so that the HTML can be kept under it
    (templates/legislation/board.html): `lanes`, the cards in their columns, are made only to draw it anew.
    """

    user: object
    lane_field: str | None
    counts: dict
    rows: list
    shared: dict
    lanes_shown: list
    stamp: str | None

    @functools.cached_property
    def key(self):
        rights = actor(self.user)
        facts = (
            get_language(), timezone.localdate(), rights.is_active, sorted(rights.ministry_ids), rights.steers_all,
            sorted(self.counts.items(), key=repr), self.rows, sorted(self.shared.items()),
            [(str(title), key) for title, key in self.lanes_shown],
        )
        return hashlib.md5(repr(facts).encode(), usedforsecurity=False).hexdigest()

    @functools.cached_property
    def lanes(self):
        placed = defaultdict(list)
        for card in with_html(cards_of(self.rows, self.user, self.shared)):
            placed[(getattr(card, f"{self.lane_field}_id") if self.lane_field else None, card.stage)].append(card)

        def column(lane, stage):
            return Column(stage=stage, lane=lane, count=self.counts.get((lane, stage), 0), cards=placed[(lane, stage)])

        return [
            Lane(
                title=title,
                key=lane,
                columns=[column(lane, stage) for stage in MAIN_LINE],
                closed=[column(lane, stage) for stage in END_STATES],
            )
            for title, lane in self.lanes_shown
        ]


def columns_of(bills, group, limit, with_closed):
    """The exact count of each column of `bills` ({(lane, stage): n}, the lane None without swimlanes; `group`:
    the fields of a column, the lane's first), the latest change of any of them, and a condition on bills for
    the first `limit` cards of each column (None if there are none), those of the end states only `with_closed`.
    One query for the counts, whatever the number of bills; the condition is for the query of the cards:

    On PostgreSQL the counts come with each column's first cards, a subquery per column (`FirstCards`) that
    reads a few rows of the (stage, key, id) index at any size, and the condition names their ids. On SQLite
    (no such arrays) the condition is one window function that ranks the bills of every column.
    """

    def place(row):
        return row[group[0]] if len(group) > 1 else None, row["stage"]

    columns = bills.order_by().values(*group).annotate(n=Count("*"), changed=Max("updated_at"))
    if connection.vendor == "postgresql":
        first = bills.filter(**{name: OuterRef(name) for name in group}).order_by("key").values("pk")[:limit]
        columns = list(columns.annotate(first=FirstCards(first)))
        ids = [pk for row in columns if with_closed or row["stage"] not in END_STATES for pk in row["first"]]
        first = Q(pk__in=ids) if ids else None
    else:
        columns = list(columns)
        shown = sum(min(row["n"], limit) for row in columns if with_closed or row["stage"] not in END_STATES)
        ranked = (bills if with_closed else bills.exclude(stage__in=END_STATES)).annotate(
            rank=Window(RowNumber(), partition_by=[F(name) for name in group], order_by=[F("key").asc()])
        )
        first = Q(pk__in=ranked.filter(rank__lte=limit).values("pk")[:shown]) if shown else None
    changed = max((row["changed"] for row in columns), default=None)
    return {place(row): row["n"] for row in columns}, changed, first


class FirstCards(ArraySubquery):
    """The ids of a column's first cards, one array per row of the counts. Its only outer references are the
    column's own fields, by which the counts are grouped already: so grouped by nothing of its own (Django would
    add it to the GROUP BY, and PostgreSQL then run it for every bill rather than every column)."""

    def get_group_by_cols(self):
        return []


def board_stamp():
    """Changes whenever anything on any board may have changed; cheap to ask for."""
    # COUNT(*), not COUNT(id): PostgreSQL then reads both from the updated_at index alone, not every row.
    stamp = Bill.objects.aggregate(changed=Max("updated_at"), bills=Count("*"))
    return stamp_of(stamp["changed"], stamp["bills"])


def stamp_of(changed, bills):
    """The change stamp of `bills` bills whose latest change was at `changed` (None: there are none)."""
    return f"{changed.timestamp() if changed else 0:.6f}-{bills}"
