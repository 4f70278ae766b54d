"""The reminder emails: each is a template triple in templates/emails/, rendered by `render_email`.

One email carries reminders of milestones (`Item`), changes of followed items
(`Notice`), or both: a digest carries all of a recipient's day.
"""

import re
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

from legislation.models import Flag, Milestone, Precision, Stage

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


# What an email shows of each change of a followed item (a `FollowNotice`): its move or its new milestone.
NOTICE_FIELDS = (
    "pk", "email_id", "bill__key", "bill__short_title",
    "move__from_stage", "move__to_stage", "move__flag", "move__flag_set", "move__occurred_on", "move__reason",
    "move__source", "move__moved_by__first_name", "move__moved_by__last_name", "move__moved_by__username",
    "milestone__kind", "milestone__label", "milestone__label_en", "milestone__edited_fields",
    "milestone__planned_date", "milestone__precision", "milestone__source",
)  # fmt: skip


# The first web address in a move's or milestone's source (a document cited by the public record, a Kamerstuk).
WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


@dataclass(frozen=True)
class Notice:
    """One change of a followed item in an email: what happened, when, by whom, and where it is written."""

    key: str
    title: str
    what: str
    when: str
    by: str
    reason: str
    source: str
    source_url: str
    url: str

    @classmethod
    def of(cls, row):
        """From a row of `NOTICE_FIELDS`, in the active language."""
        language = translation.get_language()
        if row["move__to_stage"]:
            if row["move__flag"]:
                flag = Flag(row["move__flag"]).label
                what = (gettext("“%(flag)s” set") if row["move__flag_set"] else gettext("“%(flag)s” lifted")) % {
                    "flag": flag
                }
            else:
                what = gettext("Moved from “%(from)s” to “%(to)s”") % {
                    "from": Stage(row["move__from_stage"]).label, "to": Stage(row["move__to_stage"]).label
                }
            day, reason, source = row["move__occurred_on"], row["move__reason"], row["move__source"]
            names = (row["move__moved_by__first_name"], row["move__moved_by__last_name"])
            by = " ".join(name for name in names if name) or row["move__moved_by__username"] or ""
        else:
            milestone = Milestone.shown_label(row["milestone__kind"], row["milestone__label"],
                                              row["milestone__label_en"], row["milestone__edited_fields"])
            planned = row["milestone__planned_date"]
            if planned:
                what = gettext("New milestone: %(milestone)s, planned on %(date)s") % {
                    "milestone": milestone, "date": _long_date(planned, language)
                }
                if row["milestone__precision"] != Precision.DAY:
                    what += f" ({Precision(row['milestone__precision']).label})"
            else:
                what = gettext("New milestone: %(milestone)s") % {"milestone": milestone}
            day, reason, source, by = None, "", row["milestone__source"], ""
        source = source.strip()
        return cls(
            key=row["bill__key"],
            title=row["bill__short_title"],
            what=what,
            when=_long_date(day, language) if day else "",
            by=by,
            reason=reason,
            source=source,
            source_url=match[0] if (match := WEB_ADDRESS.search(source)) else "",
            url=absolute_url(_bill_path(row["bill__key"])),
        )


def reminder_message(email, deliveries, notices=()):
    """The email for a `ReminderEmail` carrying `deliveries` (rows of `DELIVERY_FIELDS`), grouped by urgency,
    and `notices` (rows of `NOTICE_FIELDS`)."""
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):  # the items' words, in the templates' language
        items = [Item.of(row, today) for row in deliveries]
        changes = [Notice.of(row) for row in notices]
    groups = [(label, [i for i in items if i.urgency == code]) for code, label in URGENCIES]
    subject, text, html = render_email(
        "reminders",
        {
            "recipient": email.recipient,
            "items": items,
            "notices": changes,
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
