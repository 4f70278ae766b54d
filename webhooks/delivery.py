"""The sweep: post the deliveries that are due, each exactly once, retrying with backoff.

Run every minute by Celery beat (`tasks.py`) or by `manage.py send_webhooks
--loop` on the embedded default. Like the reminders' sweep (reminders/sweep.py),
everything it needs is in the database, so a run that is lost, doubled or
killed changes only the moment a delivery goes out:

- A delivery is claimed with a compare-and-set and a lease before it is
  posted, and marked delivered after the receiver answered 2xx. A claim left
  by a killed worker expires, and a later sweep posts the delivery then.
- A failure (no connection, a timeout, another status) is retried after 1, 2,
  4, 8 and 16 minutes; then the delivery is given up on, logged as an error
  and listed in the admin, whose action "resend" queues it again.

The one window left is a worker killed between the receiver answering and the
database recording it: that delivery is posted again after the lease, with the
same `X-Tracker-Delivery` id, so a receiver that remembers ids takes it once.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

import httpx
from django.db.models import F, Q
from django.utils import timezone

from .messages import body, signature
from .models import Delivery

logger = logging.getLogger(__name__)

# A claim must outlast one post (TIMEOUT bounds each step of it); none starts in the last minute of a lease.
LEASE = dt.timedelta(minutes=5)
LEASE_MARGIN = dt.timedelta(minutes=1)
TIMEOUT = httpx.Timeout(10, connect=5)
# Retries after 1, 2, 4, 8 and 16 minutes, then the delivery is given up on and reported.
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(minutes=1)
DELIVERIES_PER_CLAIM = 50
# How much of a receiver's answer is kept, for the admin.
ANSWER_BYTES = 1000


@dataclass
class SweepReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self):
        return f"{self.sent} webhooks delivered, {self.retrying} to retry, {self.failed} given up."


def _claimable(now):
    return Delivery.objects.filter(
        Q(claimed_until=None) | Q(claimed_until__lt=now),
        sent_at=None,
        failed_at=None,
        next_attempt_at__lte=now,
        endpoint__active=True,
    )


def send_due_webhooks():
    """One sweep: claim what is due a batch at a time and post it. Returns a `SweepReport`."""
    report = SweepReport()
    with httpx.Client(timeout=TIMEOUT, headers={"User-Agent": "Wetgevingsmonitor"}) as client:
        while True:
            now = timezone.now()
            batch = list(
                _claimable(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:DELIVERIES_PER_CLAIM]
            )
            if not batch:
                return report
            claim, until = secrets.token_hex(8), now + LEASE
            # The compare-and-set: a delivery claimed by another sweep in between is not updated, so not ours.
            _claimable(now).filter(pk__in=batch).update(claim=claim, claimed_until=until, attempts=F("attempts") + 1)
            claimed = Delivery.objects.filter(claim=claim, claimed_until=until).select_related("event", "endpoint")
            for delivery in claimed.order_by("next_attempt_at", "pk"):
                if timezone.now() > until - LEASE_MARGIN:
                    # Too late to post safely under this claim: the next sweep takes the rest.
                    Delivery.objects.filter(claim=claim, claimed_until=until).update(
                        claimed_until=None, attempts=F("attempts") - 1
                    )
                    return report
                _post(client, delivery, claim, report)


def _post(client, delivery, claim, report):
    content = body(delivery)
    headers = {
        "Content-Type": "application/json",
        "X-Tracker-Event": delivery.event.kind,
        "X-Tracker-Delivery": str(delivery.uuid),
        "X-Tracker-Signature": signature(delivery.endpoint.secret, int(timezone.now().timestamp()), content),
    }
    try:
        with client.stream("POST", delivery.endpoint.url, content=content, headers=headers) as response:
            answer = _excerpt(response)
    except Exception as error:  # any failure of one endpoint is its own: retry it, go on with the others
        _failed(delivery, claim, None, f"{type(error).__name__}: {error}", report)
        return
    if not response.is_success:
        _failed(delivery, claim, response.status_code, answer, report)
        return
    if not Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        sent_at=timezone.now(), claimed_until=None, status_code=response.status_code, answer=answer
    ):
        logger.warning("Webhook delivery %s was posted after its claim expired; it may go out twice.", delivery.uuid)
    report.sent += 1


def _excerpt(response):
    """The start of the receiver's answer; the rest is not read, so a huge or endless answer costs nothing."""
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= ANSWER_BYTES:
            break
    return read[:ANSWER_BYTES].decode(errors="replace")


def _failed(delivery, claim, status_code, answer, report):
    now = timezone.now()
    outcome = f"{status_code} {answer}" if status_code else answer
    if delivery.attempts >= MAX_ATTEMPTS:
        changes = {"failed_at": now}
        report.failed += 1
        logger.error(
            "Gave up on webhook delivery %s to %s after %s attempts: %s",
            delivery.uuid, delivery.endpoint.url, delivery.attempts, outcome,
        )
    else:
        changes = {"next_attempt_at": now + FIRST_RETRY * 2 ** (delivery.attempts - 1)}
        report.retrying += 1
        logger.warning(
            "Webhook delivery %s to %s failed (attempt %s), will retry: %s",
            delivery.uuid, delivery.endpoint.url, delivery.attempts, outcome,
        )
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        claimed_until=None, status_code=status_code, answer=answer, **changes
    )
