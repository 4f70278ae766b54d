"""The changes webhooks report, recorded with their deliveries in the change's own transaction.

`legislation.services` sends its signals inside the write's transaction; the
receivers here turn them into events. A change that rolls back takes its event
and deliveries with it, and one that commits has them: none is lost or sent
for nothing.
"""

import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from legislation.policy import END_STATES

from .models import Delivery, Endpoint, Event, EventKind


def emit(kind, bill, data, active=None):
    """Record event `kind` of `bill` (with `data`, JSON-ready) for every active endpoint that wants it.

    Call it inside the transaction of the change; `active`: the active endpoints, if read already.
    Returns the event, or None when no endpoint wants it.
    """
    if active is None:
        active = Endpoint.objects.filter(active=True)
    endpoints = [endpoint for endpoint in active if kind in endpoint.events]
    ministries = {bill.lead_ministry_id}
    if any(endpoint.ministry_id not in (None, bill.lead_ministry_id) for endpoint in endpoints):
        ministries.update(bill.co_ministries.values_list("pk", flat=True))
    endpoints = [endpoint for endpoint in endpoints if endpoint.wants(kind, ministries)]
    if not endpoints:
        return None
    now, event_id = timezone.now(), uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": kind,
        "created_at": now.isoformat(),
        "bill": {
            "key": bill.key,
            "short_title": bill.short_title,
            "stage": bill.stage,
            "lead_ministry": bill.lead_ministry.code,
            "url": settings.SITE_URL + reverse("bill-detail", args=[bill.key]),
        },
        **data,
    }
    event = Event.objects.create(uuid=event_id, kind=kind, bill=bill, payload=payload, created_at=now)
    Delivery.objects.bulk_create(Delivery(event=event, endpoint=endpoint, next_attempt_at=now) for endpoint in endpoints)
    return event


def _date(value):
    return value.isoformat() if value else None


def bill_moved(sender, move, **kwargs):
    data = {
        "move": {
            "from_stage": move.from_stage,
            "to_stage": move.to_stage,
            "reading": move.reading,
            "flag": move.flag or None,
            "flag_set": move.flag_set,
            "occurred_on": _date(move.occurred_on),
            "reason": move.reason,
            "by": move.moved_by.get_username() if move.moved_by else None,
        }
    }
    emit(EventKind.MOVED, move.bill, data)
    if not move.flag and move.to_stage in END_STATES:  # a flag cleared in an end state enters none
        emit(EventKind.ENDED, move.bill, data)


def milestone_changed(sender, milestone, action, changed, active=None, **kwargs):
    data = {
        "milestone": {
            "id": milestone.pk,
            "action": action,
            "changed": [name for name in changed if name != "edited_fields"],
            "kind": milestone.kind,
            "label": milestone.label,
            "planned_date": _date(milestone.planned_date),
            "actual_date": _date(milestone.actual_date),
        }
    }
    emit(EventKind.MILESTONE, milestone.bill, data, active)


def milestones_changed(sender, changes, **kwargs):
    active = list(Endpoint.objects.filter(active=True))  # once for all of them
    for milestone, action, changed in changes:
        milestone_changed(sender, milestone, action, changed, active)
