"""Which reminders are due when: frozen time across the edges of the schedule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from legislation.models import Milestone, MilestoneKind
from legislation.services import change_milestone, move_bill
from reminders.models import Delivery, Mode, ReminderPolicy, ReminderPreference
from reminders.schedule import current_slot, is_day_off
from reminders.sweep import send_due_reminders

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
D = dt.date
# A Wednesday, so that the default reminders fall on workdays except where a test says otherwise.
WEDNESDAY = D(2025, 3, 19)


def sweep_at(day, hour=9, minute=0):
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM), tick=False):
        return send_due_reminders()


def sent(milestone, recipient=None):
    """The reminders of `milestone` that went out, as (day sent, slot)."""
    deliveries = Delivery.objects.filter(milestone=milestone, email__sent_at__isnull=False, cancelled_at=None)
    if recipient:
        deliveries = deliveries.filter(recipient=recipient)
    return sorted((d.email.sent_at.astimezone(AMSTERDAM).date(), d.slot) for d in deliveries.select_related("email"))


def sweep_daily(first, last, skip=()):
    day = first
    while day <= last:
        if day not in skip:
            sweep_at(day)
        day += dt.timedelta(days=1)


@pytest.fixture
def erin(django_user_model):
    """Owns the milestones of these tests and coordinates nothing, so the register's own stay out of the way."""
    return django_user_model.objects.create_user("erin", email="erin@example.nl", first_name="Erin")


@pytest.fixture
def milestone(make_bill, erin):
    def make(planned=WEDNESDAY, kind=MilestoneKind.CONSULTATIE_START, **fields):
        bill = fields.pop("bill", None) or make_bill()
        fields.setdefault("owner", erin)
        return Milestone.objects.create(bill=bill, kind=kind, planned_date=planned, **fields)

    return make


def test_a_month_of_daily_sweeps_sends_each_reminder_once_on_its_day(milestone, erin):
    m = milestone(WEDNESDAY)
    sweep_daily(WEDNESDAY - dt.timedelta(days=20), WEDNESDAY + dt.timedelta(days=22))
    assert sent(m) == [
        (D(2025, 3, 5), "before-14"),
        (D(2025, 3, 14), "before-3"),  # three days before is a Sunday: the Friday before
        (D(2025, 3, 19), "day"),
        (D(2025, 3, 26), "overdue-1"),
        (D(2025, 4, 2), "overdue-2"),
        (D(2025, 4, 9), "overdue-3"),
    ]


def test_the_first_reminder_comes_exactly_fourteen_days_ahead_from_the_sending_hour(milestone):
    m = milestone(WEDNESDAY)
    sweep_at(D(2025, 3, 4))
    sweep_at(D(2025, 3, 5), hour=6, minute=59)
    assert sent(m) == []
    sweep_at(D(2025, 3, 5), hour=7)
    assert sent(m) == [(D(2025, 3, 5), "before-14")]


def test_nothing_goes_out_on_a_weekend_warnings_come_before_it_and_overdue_after_it(milestone):
    saturday = D(2025, 3, 22)
    m = milestone(saturday)
    sweep_daily(saturday - dt.timedelta(days=20), saturday + dt.timedelta(days=16))
    assert sent(m) == [
        (D(2025, 3, 7), "before-14"),  # fourteen days before is a Saturday too
        (D(2025, 3, 19), "before-3"),
        (D(2025, 3, 21), "day"),  # the Friday before the Saturday
        (D(2025, 3, 31), "overdue-1"),  # the Monday after a week
        (D(2025, 4, 7), "overdue-2"),
    ]
    assert all(day.weekday() < 5 for day, _ in sent(m))


def test_on_the_day_itself(milestone):
    m = milestone(WEDNESDAY)
    sweep_at(WEDNESDAY)
    assert sent(m) == [(WEDNESDAY, "day")]


def test_overdue_repeats_every_interval_the_admin_set(milestone):
    ReminderPolicy.objects.update_or_create(pk=1, defaults={"overdue_every": 14, "days_before": "5"})
    m = milestone(WEDNESDAY)
    sweep_daily(WEDNESDAY - dt.timedelta(days=7), WEDNESDAY + dt.timedelta(days=29))
    assert sent(m) == [
        (D(2025, 3, 14), "before-5"),
        (D(2025, 3, 19), "day"),
        (D(2025, 4, 2), "overdue-1"),
        (D(2025, 4, 16), "overdue-2"),
    ]


def test_a_milestone_met_in_between_is_no_longer_reminded_of(milestone, alice):
    m = milestone(WEDNESDAY)
    sweep_at(D(2025, 3, 5))
    with time_machine.travel(dt.datetime(2025, 3, 10, 12, tzinfo=AMSTERDAM), tick=False):
        move_bill(m.bill, "consultatie", by=alice)  # entering consultation meets its start
    sweep_daily(D(2025, 3, 10), D(2025, 4, 10))
    m.refresh_from_db()
    assert m.actual_date == D(2025, 3, 10)
    assert sent(m) == [(D(2025, 3, 5), "before-14")]


def test_a_reminder_waiting_for_tomorrows_digest_is_cancelled_when_the_milestone_is_met(milestone, erin):
    first = milestone(WEDNESDAY)
    sweep_at(WEDNESDAY)  # today's digest is out
    second = milestone(WEDNESDAY + dt.timedelta(days=1))
    sweep_at(WEDNESDAY, hour=15)
    assert Delivery.objects.filter(milestone=second, email=None, cancelled_at=None).exists()
    change_milestone(second, by=None, actual_date=WEDNESDAY)
    sweep_at(WEDNESDAY + dt.timedelta(days=1))
    assert sent(first) == [(WEDNESDAY, "day")]
    assert sent(second) == []
    assert Delivery.objects.get(milestone=second).cancelled_at is not None


def test_a_changed_planned_date_gets_reminders_of_its_own(milestone, alice):
    m = milestone(WEDNESDAY)
    sweep_at(D(2025, 3, 5))
    change_milestone(m, by=alice, planned_date=D(2025, 4, 16))  # four weeks later, a Wednesday too
    sweep_daily(D(2025, 3, 6), D(2025, 4, 16))
    assert sent(m) == [
        (D(2025, 3, 5), "before-14"),
        (D(2025, 4, 2), "before-14"),
        (D(2025, 4, 11), "before-3"),
        (D(2025, 4, 16), "day"),
    ]
    assert {d.planned_date for d in Delivery.objects.filter(milestone=m, slot="before-14")} == {
        WEDNESDAY, D(2025, 4, 16)
    }


def test_a_date_moved_closer_is_warned_of_at_once(milestone, alice):
    m = milestone(D(2025, 5, 21))
    sweep_at(D(2025, 3, 5))
    change_milestone(m, by=alice, planned_date=D(2025, 3, 7))
    sweep_at(D(2025, 3, 5), hour=10)
    sweep_at(D(2025, 3, 6))
    assert sent(m) == [(D(2025, 3, 5), "before-3")]


def test_catch_up_after_a_missed_reminder_sends_it_late_once(milestone):
    m = milestone(WEDNESDAY)
    # Nothing ran from the Friday the three-day warning was due until the Monday.
    sweep_daily(D(2025, 3, 1), D(2025, 3, 18), skip={D(2025, 3, 14), D(2025, 3, 15), D(2025, 3, 16), D(2025, 3, 17)})
    assert sent(m) == [(D(2025, 3, 5), "before-14"), (D(2025, 3, 18), "before-3")]


def test_catch_up_after_a_long_outage_sends_only_the_latest_reminder(milestone):
    m = milestone(WEDNESDAY)
    sweep_at(D(2025, 2, 20))
    sweep_at(D(2025, 3, 20))  # warnings missed, the date passed yesterday
    sweep_at(D(2025, 4, 4))  # two weeks overdue
    assert sent(m) == [(D(2025, 3, 20), "day"), (D(2025, 4, 4), "overdue-2")]


def test_catch_up_after_two_days_without_beat_loses_nothing_due(milestone, erin):
    friday, saturday = milestone(D(2025, 3, 21)), milestone(D(2025, 3, 22))
    sweep_at(D(2025, 3, 17))
    sweep_at(D(2025, 3, 20))  # their three-day warnings fell on the 18th and the 19th, when nothing ran
    assert sent(friday) == sent(saturday) == [(D(2025, 3, 17), "before-14"), (D(2025, 3, 20), "before-3")]
    assert erin.reminder_emails.filter(sent_at__isnull=False).count() == 2  # both in each day's digest


@pytest.mark.parametrize(
    "owner, bill_owner, recipients",
    [
        ("erin", "bob", {"erin"}),
        (None, "bob", {"bob"}),
        (None, None, {"alice", "frank"}),  # the coordinators of the lead ministry
        ("inactive", None, {"alice", "frank"}),
    ],
)
def test_who_gets_the_reminder(
    milestone, make_bill, django_user_model, jenv, erin, alice, bob, owner, bill_owner, recipients
):
    frank = django_user_model.objects.create_user("frank", email="frank@example.nl")
    django_user_model.objects.create_user("inactive", email="gone@example.nl", is_active=False)
    nomail = django_user_model.objects.create_user("nomail")
    jenv.coordinators.add(frank, nomail)
    for user in (alice, bob):
        user.email = f"{user.username}@example.nl"
        user.save()
    users = {u.username: u for u in django_user_model.objects.all()}
    m = milestone(WEDNESDAY, bill=make_bill(owner=users.get(bill_owner)), owner=users.get(owner))
    sweep_at(WEDNESDAY)
    assert {d.recipient.username for d in Delivery.objects.filter(milestone=m)} == recipients


def test_no_reminders_for_those_who_chose_none_nor_for_dropped_bills(milestone, make_bill, erin):
    silenced = milestone(WEDNESDAY)
    dropped = milestone(WEDNESDAY, bill=make_bill(stage="vervallen"))
    ReminderPreference.objects.create(user=erin, mode=Mode.NONE)
    sweep_at(WEDNESDAY)
    ReminderPreference.objects.filter(user=erin).update(mode=Mode.DIGEST)
    sweep_at(WEDNESDAY + dt.timedelta(days=1))
    assert sent(silenced) == [(WEDNESDAY + dt.timedelta(days=1), "day")]  # back on: only what is due now
    assert sent(dropped) == []


# The schedule itself, for any dates: what a sweeper sees, day after day.
policies = st.tuples(
    st.lists(st.integers(1, 40), min_size=1, max_size=4, unique=True).map(lambda d: sorted(d, reverse=True)),
    st.integers(1, 21),
)


@hypothesis_settings(database=None, deadline=None)  # no example files in the work tree; no timing under a loaded CI
@given(planned=st.dates(D(2024, 1, 1), D(2027, 12, 31)), policy=policies, start=st.integers(-60, 60))
def test_the_current_reminder_only_moves_forward_and_never_falls_on_a_day_off(planned, policy, start):
    days_before, overdue_every = policy
    previous = None
    for offset in range(start, start + 60):
        day = planned + dt.timedelta(days=offset)
        slot = current_slot(planned, day, days_before, overdue_every)
        if slot is None:
            assert previous is None
            continue
        assert slot.due_on <= day and not is_day_off(slot.due_on)
        assert not slot.name.startswith("before") or day < planned  # never a warning after the date
        assert not slot.name.startswith("overdue") or day > planned
        if previous:
            assert slot.due_on >= previous.due_on
        previous = slot
