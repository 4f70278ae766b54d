"""The reminder emails: each is a template triple in templates/emails/, rendered by `render_email`."""

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from legislation.models import Milestone, Precision

URGENCIES = (
    ("overdue", _("Overdue")),
    ("today", _("Due today")),
    ("week", _("Due within a week")),
    ("later", _("Coming up")),
)


def absolute_url(path):
    return settings.SITE_URL + path


def render_email(name, context):
    """Subject, plain text and HTML of the email `name`, in Dutch: the users' language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}-subject.txt", context)
        text = render_to_string(f"emails/{name}-body-text.txt", context)
        html = render_to_string(f"emails/{name}-body-html.html", context)
    return " ".join(subject.split()), text, html


# What an email shows of each delivery. Rows, not model instances: a first sweep over a large
# register renders tens of thousands of them, and building models costs more than the rendering.
DELIVERY_FIELDS = (
    "pk", "email_id", "milestone_id", "recipient_id", "planned_date", "slot",
    "milestone__label", "milestone__label_en", "milestone__edited_fields", "milestone__kind", "milestone__precision",
    "milestone__bill__key",
    "milestone__bill__short_title",
)


@lru_cache(maxsize=4096)
def _long_date(day, language):
    return date_format(day)  # the language's DATE_FORMAT (tracker/formats/)


@lru_cache(maxsize=4096)
def _urgency(days, language):
    """How soon a milestone `days` from today is due, as a code and in words."""
    if days < 0:
        return "overdue", ngettext("%(n)d day late", "%(n)d days late", -days) % {"n": -days}
    if days == 0:
        return "today", gettext("today")
    return "week" if days <= 7 else "later", ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}


@lru_cache(maxsize=4096)
def _bill_path(key):
    return reverse("bill-detail", args=[key])


@dataclass(frozen=True)
class Item:
    """One milestone in a reminder, its words worked out once for the subject and both bodies."""

    key: str
    title: str
    milestone: str
    planned: str
    when: str
    url: str
    urgency: str

    @classmethod
    def of(cls, row, today):
        """From a row of `DELIVERY_FIELDS`, in the active language."""
        planned_date = row["planned_date"]
        language = translation.get_language()
        planned = _long_date(planned_date, language)
        if row["milestone__precision"] != Precision.DAY:
            planned += f" ({Precision(row['milestone__precision']).label})"
        urgency, when = _urgency((planned_date - today).days, language)
        key = row["milestone__bill__key"]
        return cls(
            key=key,
            title=row["milestone__bill__short_title"],
            milestone=Milestone.shown_label(row["milestone__kind"], row["milestone__label"], row["milestone__label_en"],
                                            row["milestone__edited_fields"]),
            planned=planned,
            when=when,
            url=absolute_url(_bill_path(key)),
            urgency=urgency,
        )


def reminder_message(email, deliveries):
    """The email for a `ReminderEmail` carrying `deliveries` (rows of `DELIVERY_FIELDS`), grouped by urgency."""
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):  # the items' words, in the templates' language
        items = [Item.of(row, today) for row in deliveries]
    groups = [(label, [i for i in items if i.urgency == code]) for code, label in URGENCIES]
    subject, text, html = render_email(
        "reminders",
        {
            "recipient": email.recipient,
            "items": items,
            "groups": [(label, group) for label, group in groups if group],
            "overdue": sum(i.urgency == "overdue" for i in items),
            "settings_url": absolute_url(reverse("reminder-settings")),
        },
    )
    # The same email sent again after a crash keeps its Message-ID, so mail clients show it once;
    # the creation time keeps it unique should the database ever start counting again.
    message_id = f"<reminder-{email.pk}.{email.created_at:%Y%m%d%H%M%S%f}@{urlsplit(settings.SITE_URL).hostname}>"
    message = EmailMultiAlternatives(subject, text, to=[email.recipient.email], headers={"Message-ID": message_id})
    message.attach_alternative(html, "text/html")
    return message
