"""Exactly once: each reminder is sent once and never lost, whatever happens to the sweeps."""

import datetime as dt
import logging
import threading
from smtplib import SMTPException
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from legislation.models import Milestone, MilestoneKind
from reminders import sweep
from reminders.models import Delivery, Mode, ReminderEmail, ReminderPreference, SweepLock
from reminders.sweep import LEASE, LOCK_TIMEOUT, send_due_reminders
from reminders.tasks import send_reminders

TODAY = dt.date(2025, 3, 19)  # a Wednesday


class Killed(BaseException):
    """The worker process dies here: nothing after this line of the sweep runs."""


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2025, 3, 19, 9, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False) as t:
        yield t



@pytest.fixture
def owners(django_user_model, make_bill):
    """Three owners with two milestones each that need a reminder today (one overdue, one due in three days)."""
    users = []
    for name in ("erin", "frank", "grace"):
        user = django_user_model.objects.create_user(name, email=f"{name}@example.nl", first_name=name.title())
        bill = make_bill(short_title=f"Wet van {name.title()}")
        for planned in (TODAY - dt.timedelta(days=7), TODAY + dt.timedelta(days=3)):
            Milestone.objects.create(bill=bill, kind=MilestoneKind.INDIENING_TK, planned_date=planned, owner=user)
        users.append(user)
    return users


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_day_of_reminders_is_one_digest_per_recipient_in_dutch(owners, clock):
    send_due_reminders()
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]
    message = next(m for m in mail.outbox if m.to == ["erin@example.nl"])
    assert message.subject == "2 mijlpalen vragen uw aandacht, waarvan 1 te laat"
    text, (html, mimetype) = message.body, message.alternatives[0]
    assert mimetype == "text/html"
    bill = owners[0].milestones.first().bill
    link = f"http://127.0.0.1:8000{reverse('bill-detail', args=[bill.key])}"
    for body in (text, html):
        assert "Beste Erin," in body
        assert body.lower().index("te laat") < body.lower().index("binnen een week")  # grouped by urgency
        assert "Indiening Tweede Kamer: 12 maart 2025" in body
        assert "7 dagen te laat" in body and "over 3 dagen" in body
        assert link in body
        assert "http://127.0.0.1:8000/instellingen/herinneringen/" in body


def test_sweeping_again_and_a_duplicated_task_send_nothing_more(owners, clock):
    send_reminders.apply()
    send_reminders.apply()
    send_due_reminders()
    assert len(mail.outbox) == 3
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 3
    assert Delivery.objects.filter(recipient__in=owners).count() == 6


def test_the_database_refuses_a_second_digest_on_a_day_and_a_second_copy_of_a_reminder(owners, clock):
    send_due_reminders()
    email = ReminderEmail.objects.get(recipient=owners[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderEmail.objects.create(recipient=owners[0], kind=ReminderEmail.Kind.DIGEST, day=email.day)
    delivery = Delivery.objects.filter(recipient=owners[0]).first()
    delivery.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        delivery.save()


def test_a_reminder_due_later_on_the_same_day_waits_for_the_next_digest(owners, clock, make_bill):
    send_due_reminders()
    Milestone.objects.create(bill=make_bill(), kind=MilestoneKind.PUBLICATIE, planned_date=TODAY, owner=owners[0])
    clock.shift(dt.timedelta(hours=6))
    send_due_reminders()
    assert len(mail.outbox) == 3
    clock.shift(dt.timedelta(hours=18))
    send_due_reminders()
    assert recipients() == ["erin@example.nl", "erin@example.nl", "frank@example.nl", "grace@example.nl"]
    assert "Publicatie" in mail.outbox[-1].body


def test_immediate_sends_one_email_per_reminder_and_none_sends_nothing(owners, clock):
    ReminderPreference.objects.create(user=owners[0], mode=Mode.IMMEDIATE)
    ReminderPreference.objects.create(user=owners[1], mode=Mode.NONE)
    send_due_reminders()
    send_due_reminders()
    assert recipients() == ["erin@example.nl", "erin@example.nl", "grace@example.nl"]
    subjects = sorted(m.subject for m in mail.outbox if m.to == ["erin@example.nl"])
    assert subjects == [
        "Herinnering: Indiening Tweede Kamer van Wet van Erin, 7 dagen te laat",
        "Herinnering: Indiening Tweede Kamer van Wet van Erin, over 3 dagen",
    ]


def test_no_sweep_runs_while_another_holds_the_lock_and_a_dead_sweeps_lock_expires(owners, clock):
    now = dt.datetime.now(dt.UTC)
    SweepLock.objects.create(name="reminders", holder="a killed sweep", expires_at=now + LOCK_TIMEOUT)
    assert not send_due_reminders().ran
    assert mail.outbox == []
    clock.shift(LOCK_TIMEOUT + dt.timedelta(seconds=1))
    assert send_due_reminders().ran
    assert len(mail.outbox) == 3
    assert SweepLock.objects.get(name="reminders").expires_at is None  # released


def send_then(after_first):
    """A mail server that takes the first email and then lets `after_first(message)` happen."""
    real_send, count = EmailMultiAlternatives.send, []

    def send(message, *args, **kwargs):
        if count:
            after_first(message)
        count.append(message)
        return real_send(message, *args, **kwargs)

    return mock.patch.object(EmailMultiAlternatives, "send", send)


def die(message):
    raise Killed


def test_a_worker_killed_mid_batch_leaves_its_claimed_emails_to_a_later_sweep(owners, clock):
    with send_then(die), pytest.raises(Killed):
        send_due_reminders()
    # A killed process releases nothing: its lock stays until it expires.
    SweepLock.objects.filter(name="reminders").update(holder="dead", expires_at=dt.datetime.now(dt.UTC) + LOCK_TIMEOUT)
    assert len(mail.outbox) == 1
    assert ReminderEmail.objects.filter(sent_at=None, claimed_until__isnull=False).count() == 2

    clock.shift(dt.timedelta(minutes=5))
    send_due_reminders()
    assert len(mail.outbox) == 1  # still claimed by the dead worker

    clock.shift(LEASE)
    send_due_reminders()
    send_due_reminders()
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]
    assert ReminderEmail.objects.filter(sent_at=None).count() == 0


def test_an_email_whose_reminders_were_met_while_it_waited_is_not_sent(owners, clock):
    with send_then(die), pytest.raises(Killed):
        send_due_reminders()
    waiting = [user for user in owners if user.email not in mail.outbox[0].to]
    Milestone.objects.filter(owner__in=waiting).update(actual_date=TODAY)
    clock.shift(LEASE + dt.timedelta(seconds=1))
    send_due_reminders()
    assert len(mail.outbox) == 1
    assert not ReminderEmail.objects.filter(recipient__in=waiting).exists()
    assert Delivery.objects.filter(recipient__in=waiting, cancelled_at=None).count() == 0


def test_a_slow_mail_server_never_sends_on_a_claim_about_to_expire(owners, clock):
    real_send = EmailMultiAlternatives.send

    def slow(message, *args, **kwargs):
        clock.shift(dt.timedelta(minutes=8))
        return real_send(message, *args, **kwargs)

    with mock.patch.object(EmailMultiAlternatives, "send", slow):
        report = send_due_reminders()
    assert report.sent == 1  # the second would have gone out with two minutes of its claim left
    assert ReminderEmail.objects.filter(sent_at=None, claimed_until=None, attempts=0).count() == 2
    send_due_reminders()
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]


def test_a_worker_killed_between_sending_and_recording_resends_with_the_same_message_id(owners, clock):
    """The one window no database can close: the mail server has the email, the database does not know."""
    real_send = EmailMultiAlternatives.send

    def send_and_die(message, *args, **kwargs):
        real_send(message, *args, **kwargs)
        raise Killed

    with mock.patch.object(EmailMultiAlternatives, "send", send_and_die), pytest.raises(Killed):
        send_due_reminders()
    clock.shift(LEASE + dt.timedelta(seconds=1))
    send_due_reminders()
    first, again = mail.outbox[0], next(m for m in mail.outbox[1:] if m.to == mail.outbox[0].to)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert len(mail.outbox) == 4


def test_a_failing_mail_server_is_retried_with_backoff_then_reported(owners, clock, caplog, admin_client):
    failing = mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPException("451 try again later"))
    erin = ReminderEmail.objects.filter(recipient=owners[0])
    with failing, caplog.at_level(logging.WARNING, logger="reminders.sweep"):
        send_due_reminders()
        assert erin.get().attempts == 1 and "451" in erin.get().error
        for attempts, wait in enumerate((5, 10, 20, 40), start=1):
            clock.shift(dt.timedelta(minutes=wait - 1))
            send_due_reminders()
            assert erin.get().attempts == attempts  # not yet
            clock.shift(dt.timedelta(minutes=1))
            send_due_reminders()
            assert erin.get().attempts == attempts + 1
        assert erin.get().failed_at is not None
        clock.shift(dt.timedelta(days=1))
        send_due_reminders()
    assert erin.get().attempts == 5 and mail.outbox == []
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(given_up) == 3 and any("erin@example.nl" in r.getMessage() for r in given_up)

    response = admin_client.post(
        reverse("admin:reminders_reminderemail_changelist"),
        {"action": "send_again", "_selected_action": [erin.get().pk]},
    )
    assert response.status_code == 302
    send_due_reminders()
    send_due_reminders()
    assert recipients() == ["erin@example.nl"]
    assert erin.get().sent_at is not None


def test_a_sweep_running_into_another_sends_nothing_twice(owners, clock):
    """Two sweeps overlapping, deterministically: a second one starts while the first is mid-send."""
    second = []

    def run_another(message):
        second.append(send_due_reminders())
        second.append(sweep._sweep(always_held))  # as if the lock had timed out

    with send_then(run_another):
        send_due_reminders()
    assert not second[0].ran  # the lock kept it out
    assert second[1].sent == 0  # the claims kept it from the emails the first one holds
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]


always_held = mock.Mock(extend=mock.Mock(return_value=1))


def test_a_sweep_that_loses_the_race_for_its_claim_sends_nothing(owners, clock):
    """Deterministically, the narrowest race: another sweep claims and sends the emails
    this one has just chosen, before this one claims them."""
    real_claimable, calls = sweep._claimable, []

    def claimable(now):
        calls.append(now)
        if len(calls) == 2:  # the batch is chosen, the compare-and-set comes next
            sweep._sweep(always_held)
        return real_claimable(now)

    with mock.patch.object(sweep, "_claimable", claimable):
        report = sweep._sweep(always_held)
    assert report.sent == 0
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database locks whole tables across threads: "
    "on SQLite, the test below races processes on a database file, as the embedded default runs.",
)
def test_concurrent_sweeps_in_threads_send_each_email_once(committed_register, owners, clock):
    """Real threads, each with its own connection, sweeping at the same moment on PostgreSQL.

    Half of them skip the lock, as if it had timed out: the constraints and
    the claims alone must keep every email single.
    """
    ReminderPreference.objects.create(user=owners[2], mode=Mode.IMMEDIATE)
    start, errors = threading.Barrier(6), []

    def sweeper(locked):
        try:
            start.wait()
            send_due_reminders() if locked else sweep._sweep(always_held)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper, args=[n % 2]) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert recipients() == ["erin@example.nl", "frank@example.nl", "grace@example.nl", "grace@example.nl"]
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="on PostgreSQL, the test above races threads")
def test_concurrent_send_reminders_commands_send_each_email_once(committed_register, owners, python_process, tmp_path):
    """Two `manage.py send_reminders` processes at once, on this database, mail going to files as embedded."""
    processes = [python_process("manage.py", "send_reminders") for _ in range(2)]
    results = [(process.communicate(timeout=120), process.returncode) for process in processes]
    assert [code for _, code in results] == [0, 0], results
    mailed = sorted(
        line.removeprefix("To: ")
        for path in (tmp_path / "mail").iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    )
    assert mailed == ["erin@example.nl", "frank@example.nl", "grace@example.nl"]
