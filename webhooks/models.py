"""Webhooks: the addresses that hear about changes, the events, and the outbox of their deliveries.

An `Event` is recorded in the transaction of the change it reports, with a
`Delivery` for each endpoint that wants it (unique per event and endpoint), so
a change that rolls back sends nothing and a recorded one is never lost. The
sweep (`delivery.py`) claims deliveries with a lease, posts them and marks
them sent, like the reminders' emails.
"""

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from legislation.models import Bill, Ministry


class EventKind(models.TextChoices):
    MOVED = "bill.moved", _("Moves")
    MILESTONE = "milestone.changed", _("Milestone changes")
    ENDED = "bill.ended", _("End state reached")
    # Not emitted yet: public-record proposals do not exist in the tracker; when they do, their write calls
    # `events.emit(EventKind.RECORD_PROPOSED, bill, {...})` (or sends a signal that webhooks/apps.py connects).
    RECORD_PROPOSED = "record.proposed", _("Public-record proposals")


class Form(models.TextChoices):
    JSON = "json", _("JSON: the event as data")
    CHAT = "chat", _("Chat message (Slack, Mattermost, Teams): a Dutch sentence with the item's link")


def new_secret():
    return secrets.token_hex(32)


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500, help_text=_("Where the tracker posts, e.g. https://…"))
    secret = models.CharField(_("secret"), max_length=64, default=new_secret, editable=False)
    events = models.JSONField(
        _("events"),
        default=list,
        help_text=_("Moves are stage changes and flags set or lifted; the end states are withdrawn, rejected and dropped."),
    )
    ministry = models.ForeignKey(
        Ministry,
        models.CASCADE,
        verbose_name=_("ministry"),
        related_name="webhook_endpoints",
        null=True,
        blank=True,
        help_text=_("Only the items this ministry leads or shares; empty: all items."),
    )
    form = models.CharField(_("message form"), max_length=10, choices=Form.choices, default=Form.JSON)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name

    def wants(self, kind, ministry_ids):
        return kind in self.events and (self.ministry_id is None or self.ministry_id in ministry_ids)


class Event(models.Model):
    """One change, as the endpoints receive it (`payload` is the JSON form's body)."""

    uuid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("event"), max_length=30, choices=EventKind.choices)
    bill = models.ForeignKey(
        Bill, models.SET_NULL, verbose_name=_("bill"), related_name="webhook_events", null=True, blank=True
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.payload['bill']['key']}"


class Delivery(models.Model):
    """One event for one endpoint: the outbox row a sweep claims, posts, and marks sent or given up."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, models.CASCADE, verbose_name=_("event"), related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, models.CASCADE, verbose_name=_("endpoint"), related_name="deliveries")
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    answer = models.TextField(_("last answer"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at=None, failed_at=None),
                name="unsent_webhook_deliveries",
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
