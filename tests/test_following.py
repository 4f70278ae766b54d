"""Following an item (the star): its moves and new milestones reach each follower once, never the one who made them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from legislation import services
from reminders.models import FollowNotice, Mode, ReminderEmail, ReminderPreference
from reminders.sweep import send_due_reminders

SOURCE = "Kamerstuk 36 123, nr. 2 https://zoek.officielebekendmakingen.nl/kst-36123-2.html"


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False) as t:
        yield t


@pytest.fixture
def bill(make_bill):
    return make_bill("wet", stage="consultatie", short_title="Volgwet")


@pytest.fixture
def erin(django_user_model):
    """Follows items with the star; owns and coordinates nothing, so no reminders of her own get in the way."""
    return django_user_model.objects.create_user("erin", email="erin@example.nl", first_name="Erin")


@pytest.fixture
def mover(charlie):
    """The central coordinator, with an email address; receives no reminders of the register's own."""
    charlie.email = "charlie@example.nl"
    charlie.save()
    return charlie


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_a_move_by_someone_else_reaches_the_follower_once_in_the_digest(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    services.follow(bill, by=mover)  # the mover follows it too
    services.move_bill(bill, "raad_van_state", by=mover, reason="Advies gevraagd", source=SOURCE)
    send_due_reminders()
    send_due_reminders()  # a second sweep sends nothing more
    (message,) = to("erin@example.nl")
    assert to("charlie@example.nl") == []  # not to the one who moved it
    assert message.subject == "Volgwet: Verplaatst van “Consultatie” naar “Advies Raad van State”"
    html = message.alternatives[0][0]
    link = f"http://127.0.0.1:8000{reverse('bill-detail', args=[bill.key])}"
    for body in (message.body, html):
        assert "Wijzigingen in items die u volgt" in body or "WIJZIGINGEN IN ITEMS DIE U VOLGT" in body
        assert "2 december 2026 (door Charlie)" in body
        assert "Advies gevraagd" in body and link in body
    assert '<a href="https://zoek.officielebekendmakingen.nl/kst-36123-2.html"' in html
    assert ReminderEmail.objects.get(recipient=erin).kind == ReminderEmail.Kind.DIGEST


def test_the_digest_carries_the_days_reminders_and_changes_together(bill, erin, clock):
    from legislation.models import Milestone, MilestoneKind

    Milestone.objects.create(bill=bill, kind=MilestoneKind.INDIENING_TK, planned_date=dt.date(2026, 12, 2), owner=erin)
    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=None, source=SOURCE)  # the public record's sync
    send_due_reminders()
    (message,) = to("erin@example.nl")
    assert message.subject == "Herinnering: Indiening Tweede Kamer van Volgwet, vandaag"
    assert "Verplaatst van “Consultatie” naar “Advies Raad van State”, 2 december 2026\n" in message.body


def test_with_immediate_emails_each_change_comes_in_its_own(bill, make_bill, erin, mover, clock):
    ReminderPreference.objects.create(user=erin, mode=Mode.IMMEDIATE)
    other = make_bill("wet", short_title="Tweede volgwet")
    for followed in (bill, other):
        services.follow(followed, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    services.add_milestone(other, by=None, kind="indiening_tk", planned_date=dt.date(2027, 3, 1), source=SOURCE)
    send_due_reminders()
    send_due_reminders()
    subjects = sorted(message.subject for message in to("erin@example.nl"))
    assert subjects == [
        "Tweede volgwet: Nieuwe mijlpaal: Indiening Tweede Kamer, gepland op 1 maart 2027",
        "Volgwet: Verplaatst van “Consultatie” naar “Advies Raad van State”",
    ]
    assert set(ReminderEmail.objects.filter(recipient=erin).values_list("kind", flat=True)) == {"notice"}


def test_an_item_no_one_follows_reaches_no_one(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    services.unfollow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    services.add_milestone(bill, by=mover, kind="indiening_tk", planned_date=dt.date(2027, 3, 1))
    send_due_reminders()
    assert mail.outbox == [] and not FollowNotice.objects.exists()


def test_who_wants_no_reminder_emails_hears_nothing_and_nothing_waits_for_them(bill, erin, mover, clock):
    ReminderPreference.objects.create(user=erin, mode=Mode.NONE)
    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    send_due_reminders()
    ReminderPreference.objects.filter(user=erin).update(mode=Mode.DIGEST)
    clock.shift(dt.timedelta(days=1))
    send_due_reminders()
    assert mail.outbox == []
    assert FollowNotice.objects.get().cancelled_at is not None


def test_a_change_that_rolls_back_tells_no_one(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    with pytest.raises(services.StaleVersion):
        services.move_bill(bill, "raad_van_state", by=mover, expected_version=bill.version - 1)
    send_due_reminders()
    assert mail.outbox == [] and not FollowNotice.objects.exists()


def test_a_sweep_that_loses_the_race_for_the_claim_sends_nothing(bill, erin, mover, clock, monkeypatch):
    """Two workers: the second finds the email claimed by the first in between, and leaves it."""
    from reminders import sweep

    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    claimable = sweep._claimable

    def claimed_in_between(now):
        # Another worker claims everything between this one's look and its compare-and-set.
        rows = claimable(now)
        ReminderEmail.objects.update(claim="other", claimed_until=now + sweep.LEASE)
        return rows

    monkeypatch.setattr(sweep, "_claimable", claimed_in_between)
    send_due_reminders()
    assert mail.outbox == []
    monkeypatch.setattr(sweep, "_claimable", claimable)
    clock.shift(sweep.LEASE + dt.timedelta(minutes=1))  # the other worker died: its lease runs out
    send_due_reminders()
    send_due_reminders()
    assert len(to("erin@example.nl")) == 1
