"""The sweep: find the reminders that are due and send them, each exactly once.

Run every few minutes by Celery beat (`tasks.py`) or by `manage.py
send_reminders --loop` on the embedded default. Every run reads what is due
from the database, so a run that is lost, late, doubled or killed changes
nothing but the moment a reminder goes out:

1. A lock row keeps two sweeps from running at once (it expires, so a killed
   sweep does not block the next).
2. Each reminder due today becomes a `Delivery` row; the unique constraint
   makes recording it twice impossible. Pending ones that are no longer due
   (met, date changed, replaced by a later reminder) are cancelled.
3. Pending deliveries, and the pending notices of changes to followed items
   (`FollowNotice`, written when the change was made), are put in emails: one
   digest a day per recipient (the unique constraint on recipient and day
   enforces it) or one email each.
4. Emails are claimed with a compare-and-set and a lease, sent, and marked
   sent. A claim left by a killed worker expires and the email is sent by a
   later sweep; a failed send is retried with backoff, then given up on and
   reported.

The one window left is a worker killed between the mail server accepting an
email and the database marking it sent: that email goes out again after the
lease. It keeps its Message-ID, so mail clients show it once.
"""

import datetime as dt
import logging
import secrets
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from legislation.models import Milestone
from legislation.policy import END_STATES
from legislation.selectors import coordinators_by_ministry, reminder_recipients
from tracker.sweeping import after_failure

from .emails import DELIVERY_FIELDS, NOTICE_FIELDS, reminder_message
from .models import Delivery, FollowNotice, Mode, ReminderEmail, ReminderPolicy, SweepLock
from .schedule import current_slot, reminder_day

logger = logging.getLogger(__name__)

# A claim must outlast one send (EMAIL_TIMEOUT bounds it); no email is sent in the last minutes of a lease.
LEASE = dt.timedelta(minutes=10)
LEASE_MARGIN = dt.timedelta(minutes=3)
LOCK_TIMEOUT = dt.timedelta(minutes=10)
# Sending retries: after 5, 10, 20 and 40 minutes, then the email is given up on and reported.
MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=5)
EMAILS_PER_CLAIM = 50
ROWS_PER_QUERY = 500


@dataclass
class SweepReport:
    ran: bool = True
    due: int = 0
    recorded: int = 0
    cancelled: int = 0
    notices: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self):
        if not self.ran:
            return "Another sweep is running; nothing done."
        return (
            f"{self.due} reminders due, {self.recorded} new, {self.cancelled} cancelled; "
            f"{self.notices} changes of followed items to tell; "
            f"{self.sent} emails sent, {self.retrying} to retry, {self.failed} given up."
        )


def send_due_reminders():
    """One sweep. Returns a `SweepReport`; does nothing while another sweep holds the lock."""
    with sweep_lock() as lock:
        if lock is None:
            return SweepReport(ran=False)
        report = _sweep(lock)
        SweepLock.objects.filter(name="reminders").update(finished_at=timezone.now())
        return report


def _sweep(lock):
    """The work of a sweep. Correct without the lock too (the tests run it so): the lock only saves work."""
    report = SweepReport()
    policy = ReminderPolicy.load()
    day = reminder_day(timezone.localtime(), policy.send_from_hour)
    due, modes = due_reminders(policy, day)
    report.due = len(due)
    pending = _record(due, report)
    notices = _pending_notices(modes, report)
    _put_in_emails(pending, notices, modes, day)
    _send_claimable(due, lock, report)
    return report


@dataclass
class _Lock:
    holder: str

    def extend(self):
        return SweepLock.objects.filter(name="reminders", holder=self.holder).update(
            expires_at=timezone.now() + LOCK_TIMEOUT
        )


@contextmanager
def sweep_lock():
    """The sweep lock as a compare-and-set on one row: the same on PostgreSQL and SQLite."""
    SweepLock.objects.get_or_create(name="reminders")
    holder = secrets.token_hex(8)
    now = timezone.now()
    taken = SweepLock.objects.filter(Q(expires_at=None) | Q(expires_at__lt=now), name="reminders").update(
        holder=holder, expires_at=now + LOCK_TIMEOUT
    )
    try:
        yield _Lock(holder) if taken else None
    finally:
        if taken:
            SweepLock.objects.filter(name="reminders", holder=holder).update(holder="", expires_at=None)


def due_reminders(policy, day):
    """Every reminder due on `day`, and how each recipient wants them.

    Returns `{(milestone_id, recipient_id, planned_date, slot): due_on}` and
    `{recipient_id: mode}`. A milestone's reminders go to whom
    `selectors.reminder_recipients` says, and reach those with an email
    address who want them.
    """
    active, modes = set(), {}
    for pk, email, mode in get_user_model().objects.filter(is_active=True).values_list(
        "pk", "email", "reminder_preference__mode"
    ):
        active.add(pk)
        if email and mode != Mode.NONE:
            modes[pk] = mode or Mode.DIGEST
    coordinators = coordinators_by_ministry(active)

    days_before = policy.days_before_list
    # Two days more: a warning due on a weekend goes out on the Friday before.
    horizon = day + dt.timedelta(days=max(days_before) + 2)
    milestones = (
        Milestone.objects.filter(actual_date=None, planned_date__lte=horizon)
        .exclude(bill__stage__in=END_STATES)
        .values_list("pk", "planned_date", "owner_id", "bill__owner_id", "bill__lead_ministry_id")
        .order_by()
    )
    due = {}
    for pk, planned, owner, bill_owner, ministry in milestones.iterator(chunk_size=5000):
        slot = current_slot(planned, day, days_before, policy.overdue_every)
        if slot is None:
            continue
        for recipient in reminder_recipients(owner, bill_owner, ministry, active=active, coordinators=coordinators):
            if recipient in modes:
                due[(pk, recipient, planned, slot.name)] = slot.due_on
    return due, modes


def _record(due, report):
    """Add a delivery for each due reminder, cancel pending ones no longer due; return the pending ones."""
    now = timezone.now()
    if due:
        # A reminder's key fixes its due date: rows due before the earliest of today's cannot match any.
        known = set(
            Delivery.objects.filter(due_on__gte=min(due.values())).values_list(
                "milestone_id", "recipient_id", "planned_date", "slot"
            )
        )
        new = [
            Delivery(milestone_id=m, recipient_id=r, planned_date=p, slot=s, due_on=due_on, created_at=now)
            for (m, r, p, s), due_on in due.items()
            if (m, r, p, s) not in known
        ]
        # A concurrent sweep may have added some since: the constraint keeps one of each.
        Delivery.objects.bulk_create(new, batch_size=ROWS_PER_QUERY, ignore_conflicts=True)
        report.recorded = len(new)
    pending, stale = [], []
    for pk, *key in Delivery.objects.filter(email=None, cancelled_at=None).values_list(
        "pk", "milestone_id", "recipient_id", "planned_date", "slot"
    ):
        if tuple(key) in due:
            pending.append((pk, key[1]))
        else:
            stale.append(pk)
    for start in range(0, len(stale), ROWS_PER_QUERY):
        Delivery.objects.filter(pk__in=stale[start : start + ROWS_PER_QUERY]).update(cancelled_at=now)
    report.cancelled = len(stale)
    return pending


def _pending_notices(modes, report):
    """The notices not yet in an email, as (pk, recipient); those of recipients who want no email are cancelled."""
    pending, unwanted = [], []
    for pk, recipient in FollowNotice.objects.filter(email=None, cancelled_at=None).values_list("pk", "recipient_id"):
        if recipient in modes:
            pending.append((pk, recipient))
        else:
            unwanted.append(pk)
    for start in range(0, len(unwanted), ROWS_PER_QUERY):
        FollowNotice.objects.filter(pk__in=unwanted[start : start + ROWS_PER_QUERY]).update(cancelled_at=timezone.now())
    report.notices = len(pending)
    return pending


def _put_in_emails(pending, notices, modes, day):
    """Give each pending delivery and notice an email: today's digest of its recipient, or one of its own.

    A digest gets its deliveries and notices when it is claimed, so that nothing
    joins an email that another worker is sending. A recipient whose digest
    already went out today waits for tomorrow's.
    """
    digest_for = {recipient for _, recipient in pending + notices if modes.get(recipient) == Mode.DIGEST}
    if digest_for:
        waiting = set(
            ReminderEmail.objects.filter(
                kind=ReminderEmail.Kind.DIGEST, sent_at=None, failed_at=None, recipient_id__in=digest_for
            ).values_list("recipient_id", flat=True)
        )
        ReminderEmail.objects.bulk_create(
            [
                ReminderEmail(recipient_id=recipient, kind=ReminderEmail.Kind.DIGEST, day=day)
                for recipient in digest_for - waiting
            ],
            ignore_conflicts=True,
        )
    for rows, model, kind in ((pending, Delivery, ReminderEmail.Kind.SINGLE),
                              (notices, FollowNotice, ReminderEmail.Kind.NOTICE)):
        for pk, recipient in rows:
            if modes.get(recipient) != Mode.IMMEDIATE:
                continue
            with transaction.atomic():
                email = ReminderEmail.objects.create(recipient_id=recipient, kind=kind, day=day)
                if not model.objects.filter(pk=pk, email=None).update(email=email):
                    transaction.set_rollback(True)  # another sweep gave it an email first


def _claimable(now):
    return ReminderEmail.objects.filter(
        Q(claimed_until=None) | Q(claimed_until__lt=now), sent_at=None, failed_at=None, next_attempt_at__lte=now
    )


def _send_claimable(due, lock, report):
    """Claim the emails that may be sent now, a batch at a time, and send them."""
    while lock.extend():
        now = timezone.now()
        batch = list(_claimable(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:EMAILS_PER_CLAIM])
        if not batch:
            return
        claim, until = secrets.token_hex(8), now + LEASE
        # The compare-and-set: an email claimed by another sweep in between is not updated, so not ours.
        _claimable(now).filter(pk__in=batch).update(claim=claim, claimed_until=until, attempts=F("attempts") + 1)
        emails = list(ReminderEmail.objects.filter(claim=claim, claimed_until=until).select_related("recipient"))
        # A digest takes its recipient's pending deliveries and notices only once claimed: nothing joins an email
        # being sent.
        digests = {email.recipient_id: email.pk for email in emails if email.kind == ReminderEmail.Kind.DIGEST}
        if digests:
            for model in (Delivery, FollowNotice):
                model.objects.filter(email=None, cancelled_at=None, recipient__in=digests).update(
                    email=Case(*(When(recipient=recipient, then=pk) for recipient, pk in digests.items()))
                )
        carried = _carried(Delivery, DELIVERY_FIELDS, emails, ("planned_date", "milestone__bill__key", "pk"))
        told = _carried(FollowNotice, NOTICE_FIELDS, emails, ("bill__key", "created_at", "pk"))
        for email in emails:
            if timezone.now() > until - LEASE_MARGIN:
                # Too late to send safely under this claim: let the next sweep take the rest.
                _release(claim, until)
                return
            _send(email, carried[email.pk], told[email.pk], due, claim, report)


def _carried(model, fields, emails, order):
    """The rows of `model` (deliveries or notices) that `emails` carry: {email id: [row, ...]}."""
    carried = defaultdict(list)
    for row in model.objects.filter(email__in=emails, cancelled_at=None).order_by(*order).values(*fields):
        carried[row["email_id"]].append(row)
    return carried


def _send(email, deliveries, notices, due, claim, report):
    live = [d for d in deliveries if (d["milestone_id"], d["recipient_id"], d["planned_date"], d["slot"]) in due]
    stale = {d["pk"] for d in deliveries} - {d["pk"] for d in live}
    if stale:
        Delivery.objects.filter(pk__in=stale).update(cancelled_at=timezone.now())
        report.cancelled += len(stale)
    if not live and not notices:
        # Everything it carried was met or replaced while it waited: the email has nothing to say.
        ReminderEmail.objects.filter(pk=email.pk, claim=claim).delete()
        return
    try:
        reminder_message(email, live, notices).send()
    except Exception as error:
        _failed(email, claim, error, report)
        return
    if not ReminderEmail.objects.filter(pk=email.pk, claim=claim).update(sent_at=timezone.now(), claimed_until=None):
        logger.warning("Reminder email %s was sent after its claim expired; it may go out twice.", email.pk)
    report.sent += 1


def _failed(email, claim, error, report):
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"
    changes, given_up = after_failure(email.attempts, now, max_attempts=MAX_ATTEMPTS, first_retry=FIRST_RETRY)
    if given_up:
        report.failed += 1
        logger.error(
            "Gave up on reminder email %s to %s after %s attempts: %s",
            email.pk, email.recipient.email, email.attempts, message,
        )
    else:
        report.retrying += 1
        logger.warning("Reminder email %s to %s failed (attempt %s), will retry: %s",
                       email.pk, email.recipient.email, email.attempts, message)
    ReminderEmail.objects.filter(pk=email.pk, claim=claim).update(claimed_until=None, error=message, **changes)


def _release(claim, until):
    """Give back the emails still claimed and not sent: they were not attempted."""
    ReminderEmail.objects.filter(claim=claim, claimed_until=until).update(
        claimed_until=None, attempts=F("attempts") - 1
    )
