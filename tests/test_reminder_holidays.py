"""Reminders skip Dutch public holidays as they skip weekends: warnings come before, overdue ones after."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from legislation.models import Milestone, MilestoneKind
from reminders.models import Delivery
from reminders.schedule import current_slot, is_day_off
from reminders.sweep import send_due_reminders

D = dt.date
DAYS_BEFORE, OVERDUE_EVERY = [14, 3], 7


@pytest.mark.parametrize(
    "holiday, name",
    [
        (D(2026, 4, 6), "Tweede Paasdag"),
        (D(2026, 4, 27), "Koningsdag"),
        (D(2026, 5, 14), "Hemelvaartsdag"),
        (D(2026, 5, 25), "Tweede Pinksterdag"),
        (D(2026, 12, 25), "Eerste Kerstdag"),
        (D(2026, 12, 26), "Tweede Kerstdag"),
        (D(2027, 1, 1), "Nieuwjaarsdag"),
    ],
)
def test_the_public_holidays_are_days_off(holiday, name):
    assert is_day_off(holiday)


def test_ordinary_working_days_are_not():
    assert not any(is_day_off(day) for day in (D(2026, 4, 28), D(2026, 5, 13), D(2026, 12, 24)))


@pytest.mark.parametrize(
    "planned, day, expected",
    [
        # Planned on Koningsdag (a Monday): "the day" comes on the Friday before, with the three-day warning.
        (D(2026, 4, 27), D(2026, 4, 24), ("day", D(2026, 4, 24))),
        # Planned on Hemelvaartsdag (a Thursday): on the Wednesday before.
        (D(2026, 5, 14), D(2026, 5, 13), ("day", D(2026, 5, 13))),
        # Planned on Tweede Paasdag: the Friday before is Goede Vrijdag, so the Thursday.
        (D(2026, 4, 6), D(2026, 4, 2), ("day", D(2026, 4, 2))),
        # A three-day warning that would fall on Eerste Kerstdag comes on Christmas Eve.
        (D(2026, 12, 28), D(2026, 12, 24), ("before-3", D(2026, 12, 24))),
        # Overdue reminders wait: a week after the 18th of May is Tweede Pinksterdag, so the Tuesday.
        (D(2026, 5, 18), D(2026, 5, 26), ("overdue-1", D(2026, 5, 26))),
        # … a week after the 7th of May is Hemelvaartsdag, so the Friday.
        (D(2026, 5, 7), D(2026, 5, 15), ("overdue-1", D(2026, 5, 15))),
        # … and a week after the 18th of December is Christmas, then a weekend: the Monday.
        (D(2026, 12, 18), D(2026, 12, 28), ("overdue-1", D(2026, 12, 28))),
    ],
)
def test_a_reminder_due_on_a_holiday_moves_to_a_working_day(planned, day, expected):
    slot = current_slot(planned, day, DAYS_BEFORE, OVERDUE_EVERY)
    assert (slot.name, slot.due_on) == expected
    # Nothing of it was due the day before (or, for the overdue ones, on the holiday itself).
    earlier = current_slot(planned, expected[1] - dt.timedelta(days=1), DAYS_BEFORE, OVERDUE_EVERY)
    assert earlier is None or earlier.name != expected[0]


def test_the_sweep_sends_nothing_on_koningsdag_and_the_reminder_the_friday_before(make_bill, django_user_model):
    erin = django_user_model.objects.create_user("erin", email="erin@example.nl", first_name="Erin")
    Milestone.objects.create(bill=make_bill(), kind=MilestoneKind.INDIENING_TK, planned_date=D(2026, 4, 27), owner=erin)
    amsterdam = ZoneInfo("Europe/Amsterdam")
    for day in (D(2026, 4, 24), D(2026, 4, 27)):
        with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=amsterdam), tick=False):
            send_due_reminders()
        if day == D(2026, 4, 24):
            assert len(mail.outbox) == 1 and "over 3 dagen" in mail.outbox[0].body
    assert len(mail.outbox) == 1  # on the holiday itself nothing more
    assert list(Delivery.objects.filter(recipient=erin).values_list("slot", "due_on")) == [("day", D(2026, 4, 24))]
