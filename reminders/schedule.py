"""When a milestone's reminders fall due: date arithmetic only, no database.

A milestone planned on day P has reminders "before-N" on P - N for each N of
the policy, "day" on P, and "overdue-K" on P + K × the overdue interval. None
falls on a day off: a weekend or a Dutch public holiday (Koningsdag, Tweede
Paasdag, Hemelvaartsdag, Tweede Pinksterdag, the Christmas days, …, as the
`holidays` package lists them for the Netherlands). A warning due on a day off
goes out on the working day before (one needs to know before the long
weekend), an overdue reminder on the working day after (nagging can wait).
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True)
class Slot:
    name: str
    due_on: dt.date


@lru_cache(maxsize=64)
def public_holidays(year):
    """The Dutch public holidays of `year`, as dates."""
    return frozenset(holidays.country_holidays("NL", years=year, categories=holidays.PUBLIC))


def is_day_off(day):
    return day.weekday() >= SATURDAY or day in public_holidays(day.year)


def working_day_before(day):
    """`day`, or the last working day before it."""
    while is_day_off(day):
        day -= ONE_DAY
    return day


def working_day_after(day):
    """`day`, or the first working day after it."""
    while is_day_off(day):
        day += ONE_DAY
    return day


def reminder_day(moment, send_from_hour):
    """The day whose reminders are due at `moment` (local time): a day starts at the sending hour."""
    return (moment - dt.timedelta(hours=send_from_hour)).date()


def current_slot(planned, day, days_before, overdue_every):
    """The latest reminder of a milestone planned on `planned` that is due by `day`, or None.

    Only this one is sent. A sweep that missed days (the scheduler was down)
    catches up with it, and the earlier reminders it missed are superseded: a
    warning "in 14 days" never arrives after a warning "in 3 days" or after the
    date, and once the date has passed an overdue reminder replaces them all.
    """
    weeks = (day - planned).days // overdue_every
    for k in range(weeks, 0, -1):
        due = working_day_after(planned + k * dt.timedelta(days=overdue_every))
        if due <= day:
            return Slot(f"overdue-{k}", due)
    latest = None
    for name, due in [*((f"before-{n}", planned - n * ONE_DAY) for n in days_before), ("day", planned)]:
        due = working_day_before(due)
        if due <= day:
            latest = Slot(name, due)
    return latest
