"""The private calendar feed: a user's milestones as iCalendar, for Outlook or any calendar app."""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from legislation.selectors import followed_milestones

from .emails import absolute_url


# Why a calendar is empty: said on the settings page and in the feed itself.
NOTHING_FOLLOWED = gettext_lazy(
    "Your calendar is empty: you coordinate no ministry and own no items or milestones. An administrator can make "
    "you a coordinator of a ministry (Admin › Ministries), or the owner of the items you want to follow."
)


def calendar_milestones(user):
    """The milestones `user` follows (`selectors.followed_milestones`) that have a date."""
    return (
        followed_milestones(user)
        .filter(Q(planned_date__isnull=False) | Q(actual_date__isnull=False))
        .select_related("bill")
        .order_by("planned_date", "pk")
    )


def calendar_for(user):
    """The feed as bytes: one all-day event per milestone, on the day it was met or else is planned."""
    host = urlsplit(settings.SITE_URL).hostname
    stamp = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//Wetgevingsmonitor//NL")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Legislation tracker: milestones"))
        calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        milestones = list(calendar_milestones(user))
        if not milestones:
            calendar.add("x-wr-caldesc", str(NOTHING_FOLLOWED))
        for milestone in milestones:
            calendar.add_component(_event(milestone, host, stamp))
    return calendar.to_ical()


def _event(milestone, host, stamp):
    bill = milestone.bill
    url = absolute_url(reverse("bill-detail", args=[bill.key]))
    lines = [f"{bill.key} {bill.short_title}"]
    if milestone.planned_date:
        planned = date_format(milestone.planned_date)
        if milestone.precision != "day":
            planned += f" ({milestone.get_precision_display()})"
        lines.append(_("Planned: %(date)s") % {"date": planned})
    if milestone.actual_date:
        lines.append(_("Met on: %(date)s") % {"date": date_format(milestone.actual_date)})
    lines.append(url)
    day = milestone.actual_date or milestone.planned_date
    summary = f"{milestone}: {bill.short_title}"
    event = Event()
    event.add("uid", f"milestone-{milestone.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", _("Met: %(summary)s") % {"summary": summary} if milestone.actual_date else summary)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event
