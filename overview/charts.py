"""The overview's charts as SVG geometry; the template draws what is measured here.

Coordinates are formatted here, in the units of each chart's viewBox, so that no
number reaches the SVG in Dutch notation (with a decimal comma).
"""

import datetime
import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from legislation.models import Stage
from legislation.policy import END_STATES, MAIN_LINE

from .figures import STAGES

# Preparation in blues, parliament in ambers, done in greens, closed in grey: the phases read at a
# glance, and neighbouring bands differ enough to tell apart.
STAGE_COLOURS = {
    Stage.AANGEKONDIGD: "#d5dfe8",
    Stage.VOORBEREIDING: "#9fc2de",
    Stage.CONSULTATIE: "#5f9bcb",
    Stage.RAAD_VAN_STATE: "#2f6599",
    Stage.TWEEDE_KAMER: "#f2c46d",
    Stage.EERSTE_KAMER: "#d48a1f",
    Stage.GEPUBLICEERD: "#86c08a",
    Stage.IN_WERKING: "#2e7d3a",
}
CLOSED_COLOUR = "#9a9a9a"
CLOSED_LABEL = _("Withdrawn, rejected or dropped")

# The cumulative flow chart's viewBox and the plot area inside it.
FLOW_WIDTH, FLOW_HEIGHT = 960, 340
LEFT, RIGHT, TOP, BOTTOM = 52, 944, 12, 304
# Up to this many days every day is drawn; a longer period is drawn at points a whole number of weeks apart.
DAILY_UP_TO = 92
MOST_POINTS = 130


@dataclass
class Band:
    label: str
    colour: str
    points: str  # the polygon: the band's top edge left to right, then its bottom edge back
    today: int  # items in the band at the end of the period


@dataclass
class Tick:
    at: str
    value: object


@dataclass
class FlowChart:
    bands: list  # bottom to top: closed, then the main line from its end
    legend: list  # the bands in the order of the main line, closed last
    x_ticks: list
    y_ticks: list
    first_day: datetime.date
    last_day: datetime.date
    step: int  # days between drawn points
    sampled_days: list
    width: int = FLOW_WIDTH
    height: int = FLOW_HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


@dataclass
class Segment:
    label: str
    colour: str
    count: int
    x: str  # in percent of the bar
    width: str


def sampled(count):
    """The indexes of the days drawn out of `count`: every day, or every so many weeks, and always the last."""
    step = 1 if count <= DAILY_UP_TO else 7 * math.ceil(count / 7 / MOST_POINTS)
    indexes = list(range(0, count, step))
    if indexes[-1] != count - 1:
        indexes.append(count - 1)
    return indexes, step


def nice_step(maximum, ticks=5):
    """A whole, round step (1, 2 or 5 times a power of ten) dividing 0..maximum into about `ticks` parts at most."""
    raw = max(maximum / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)


def month_ticks(first, last):
    """First days of months between `first` and `last`, every 1, 2, 3, 6 or 12 months, at most eight."""
    months = (last.year - first.year) * 12 + last.month - first.month
    every = next((n for n in (1, 2, 3, 6, 12) if months / n <= 8), 12 * math.ceil(months / 96))
    day = datetime.date(first.year, first.month, 1)
    ticks = []
    while day <= last:
        if day >= first and (day.year * 12 + day.month - 1) % every == 0:
            ticks.append(day)
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return ticks


def flow_chart(flow):
    """The cumulative flow as stacked areas: the main line's stages and, at the bottom, the closed items."""
    indexes, step = sampled(len(flow.days))
    days = [flow.days[i] for i in indexes]
    groups = [(CLOSED_LABEL, CLOSED_COLOUR, END_STATES)]
    groups += [(stage.label, STAGE_COLOURS[stage], (stage,)) for stage in reversed(MAIN_LINE)]
    heights = [[sum(flow.counts[i][STAGES.index(s)] for s in stages) for i in indexes] for _l, _c, stages in groups]

    # The top of the plot is the number of items (the same every day), so the bands fill it.
    y_max = max(max(sum(column) for column in zip(*heights)), 1)
    y_step = nice_step(y_max)
    span = max((days[-1] - days[0]).days, 1)

    def x(day):
        return LEFT + (day - days[0]).days / span * (RIGHT - LEFT)

    def y(value):
        return BOTTOM - value / y_max * (BOTTOM - TOP)

    xs = [x(day) for day in days] if len(days) > 1 else [LEFT, RIGHT]
    bands, below = [], [0] * len(xs)
    for (label, colour, _stages), values in zip(groups, heights):
        values = values if len(days) > 1 else values * 2
        above = [b + v for b, v in zip(below, values)]
        edge = [f"{px:.1f},{y(v):.1f}" for px, v in zip(xs, above)]
        edge += [f"{px:.1f},{y(v):.1f}" for px, v in reversed(list(zip(xs, below)))]
        bands.append(Band(label=label, colour=colour, points=" ".join(edge), today=values[-1]))
        below = above
    return FlowChart(
        bands=bands,
        legend=[*reversed(bands[1:]), bands[0]],
        x_ticks=[Tick(at=f"{x(day):.1f}", value=day) for day in month_ticks(days[0], days[-1])],
        y_ticks=[Tick(at=f"{y(value):.1f}", value=value) for value in range(0, y_max + 1, y_step)],
        first_day=days[0],
        last_day=days[-1],
        step=step,
        sampled_days=days,
    )


def stage_segments(counts):
    """A bar of 100 split by stage (`counts` in the order of STAGES), the closed items last and together."""
    total = sum(counts) or 1
    parts = [(stage.label, STAGE_COLOURS[stage], counts[STAGES.index(stage)]) for stage in MAIN_LINE]
    parts.append((CLOSED_LABEL, CLOSED_COLOUR, sum(counts[STAGES.index(stage)] for stage in END_STATES)))
    segments, start = [], 0
    for label, colour, count in parts:
        if count:
            segments.append(Segment(label=label, colour=colour, count=count, x=f"{start / total * 100:.2f}",
                                    width=f"{count / total * 100:.2f}"))
            start += count
    return segments


def share(value, maximum):
    """`value` as a percentage of `maximum`, for the width of a bar."""
    return f"{(value or 0) / maximum * 100:.1f}" if maximum else "0"
