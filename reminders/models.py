"""Reminders of milestone deadlines: the policy, each user's choice, and what was sent.

The database is the reminders' memory. A `Delivery` says that one recipient is
due one reminder of one milestone, a `FollowNotice` that a follower is to hear
of one change of an item they follow; the `ReminderEmail` that carries either
says whether it went out. Unique constraints on both make a second copy impossible,
whatever the workers and schedulers do; see `sweep.py` for how they are used.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from legislation.models import Bill, Milestone, Move


def parse_days(text):
    """The days before a planned date, furthest first: "14, 3" gives [14, 3]."""
    return sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)


def validate_days(text):
    try:
        days = parse_days(text)
    except ValueError:
        days = None
    if not days or min(days) < 1:
        raise ValidationError(_("Give whole numbers of days, at least 1, separated by commas, e.g. 14, 3."))


class ReminderPolicy(models.Model):
    """When reminders go out; one row, edited in the admin, so a change needs no deploy."""

    days_before = models.CharField(
        _("days before the planned date"),
        max_length=100,
        default="14, 3",
        validators=[validate_days],
        help_text=_("Comma-separated: a reminder goes out this many days before the planned date, and on the day."),
    )
    overdue_every = models.PositiveSmallIntegerField(
        _("repeat while overdue, every so many days"), default=7, validators=[MinValueValidator(1)]
    )
    send_from_hour = models.PositiveSmallIntegerField(
        _("send from (hour)"),
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("A day's reminders go out from this hour on (Dutch time)."),
    )

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")

    def __str__(self):
        return str(_("Reminder policy"))

    def save(self, *args, **kwargs):
        self.pk = 1  # there is one policy
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def days_before_list(self):
        return parse_days(self.days_before)


class Mode(models.TextChoices):
    DIGEST = "digest", _("A daily digest: at most one email a day")
    IMMEDIATE = "immediate", _("Immediately: one email per reminder, as soon as it is due")
    NONE = "none", _("No reminder emails")


def new_calendar_token():
    return secrets.token_urlsafe(32)


class ReminderPreference(models.Model):
    """How one user wants to hear about deadlines, and the secret of their calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("user"), related_name="reminder_preference"
    )
    mode = models.CharField(_("reminder emails"), max_length=10, choices=Mode.choices, default=Mode.DIGEST)
    calendar_token = models.CharField(_("calendar token"), max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self):
        return str(self.user)

    @classmethod
    def of(cls, user):
        return cls.objects.get_or_create(user=user)[0]

    def renew_calendar_token(self):
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])


class ReminderEmail(models.Model):
    """One email to one recipient, carrying one reminder or a day's digest of them.

    A sweep claims it (`claim`, `claimed_until`) before sending and marks it
    sent after the mail server accepted it; a claim left by a killed worker
    expires, and a later sweep sends the email then.
    """

    class Kind(models.TextChoices):
        DIGEST = "digest", _("digest")
        SINGLE = "single", _("single reminder")
        NOTICE = "notice", _("change of a followed item")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("recipient"), related_name="reminder_emails"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("reminder day"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder email")
        verbose_name_plural = _("reminder emails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"], condition=models.Q(kind="digest"), name="one_digest_a_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at=None, failed_at=None),
                name="unsent_reminder_emails",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.day} → {self.recipient}"


class Delivery(models.Model):
    """One reminder of one milestone for one recipient.

    `slot` names the reminder ("before-14", "day", "overdue-2") and
    `planned_date` the date it reminds of, so a changed date has reminders of
    its own. Sent when its email is; cancelled when it is no longer due before
    it went out (milestone met, date changed, a later reminder replaced it).
    """

    milestone = models.ForeignKey(Milestone, models.CASCADE, verbose_name=_("milestone"), related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("recipient"), related_name="reminder_deliveries"
    )
    planned_date = models.DateField(_("planned date"))
    slot = models.CharField(_("reminder"), max_length=20)
    due_on = models.DateField(_("due on"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    email = models.ForeignKey(
        ReminderEmail, models.SET_NULL, verbose_name=_("email"), related_name="deliveries", null=True, blank=True
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "recipient", "planned_date", "slot"], name="one_delivery_per_reminder"
            )
        ]
        indexes = [
            models.Index(fields=["due_on"], name="delivery_due_on"),
            models.Index(
                fields=["recipient"], condition=models.Q(email=None, cancelled_at=None), name="pending_deliveries"
            ),
        ]

    def __str__(self):
        return f"{self.milestone} ({self.slot}) → {self.recipient}"


class FollowNotice(models.Model):
    """A change of an item that `recipient` follows (the star): one move, or one new milestone.

    Written in the change's own transaction (`following.py`), whoever made it;
    never for the one who made it. Sent by the sweep like a reminder: in the
    recipient's digest or in an email of its own. The unique constraints keep a
    follower from hearing of one change twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("recipient"), related_name="follow_notices"
    )
    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="+")
    move = models.ForeignKey(Move, models.CASCADE, verbose_name=_("move"), related_name="+", null=True, blank=True)
    milestone = models.ForeignKey(
        Milestone, models.CASCADE, verbose_name=_("milestone"), related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    email = models.ForeignKey(
        ReminderEmail, models.SET_NULL, verbose_name=_("email"), related_name="notices", null=True, blank=True
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("change of a followed item")
        verbose_name_plural = _("changes of followed items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(move=None) ^ models.Q(milestone=None), name="notice_of_a_move_or_a_milestone"
            ),
            models.UniqueConstraint(fields=["recipient", "move"], name="one_notice_per_move"),
            models.UniqueConstraint(fields=["recipient", "milestone"], name="one_notice_per_milestone"),
        ]
        indexes = [
            models.Index(
                fields=["recipient"], condition=models.Q(email=None, cancelled_at=None), name="pending_notices"
            ),
        ]

    def __str__(self):
        return f"{self.move or self.milestone} → {self.recipient}"


class SweepLock(models.Model):
    """Held by the one sweep that runs. It expires, so a killed sweep does not block the next for ever."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # When a sweep last ran to its end: monitoring (the health endpoint) watches its age.
    finished_at = models.DateTimeField(null=True, blank=True)
