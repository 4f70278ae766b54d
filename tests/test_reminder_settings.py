"""The reminder settings page and the private calendar feed."""

import datetime as dt
import io
import logging
import types
from pathlib import Path

import pytest
from django.urls import reverse
from icalendar import Calendar

from legislation.models import Milestone, MilestoneKind
from reminders.models import Mode, ReminderPolicy, ReminderPreference


@pytest.fixture
def client_alice(client, alice):
    client.force_login(alice)
    return client


def feed_url(user):
    return reverse("reminder-calendar", args=[ReminderPreference.of(user).calendar_token])


@pytest.mark.parametrize("method, name", [("get", "reminder-settings"), ("post", "reminder-calendar-renew")])
def test_anonymous_users_are_sent_to_log_in(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_settings_page_in_dutch_shows_the_choice_the_address_and_the_policy(client_alice, alice):
    response = client_alice.get(reverse("reminder-settings"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hoe wilt u herinneringen ontvangen?" in body
    assert response.context["form"]["mode"].value() == Mode.DIGEST
    assert f"http://127.0.0.1:8000{feed_url(alice)}" in body
    assert "14, 3 dagen van tevoren" in body
    assert "Uw account heeft geen e-mailadres" in body


def test_a_user_chooses_how_to_receive_reminders(client_alice, alice):
    response = client_alice.post(reverse("reminder-settings"), {"mode": "immediate"}, follow=True)
    assert "Uw instellingen voor herinneringen zijn opgeslagen." in response.content.decode()
    assert ReminderPreference.objects.get(user=alice).mode == Mode.IMMEDIATE
    client_alice.post(reverse("reminder-settings"), {"mode": "none"})
    assert ReminderPreference.objects.get(user=alice).mode == Mode.NONE


def test_an_unknown_choice_is_refused(client_alice, alice):
    response = client_alice.post(reverse("reminder-settings"), {"mode": "hourly"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ReminderPreference.objects.get(user=alice).mode == Mode.DIGEST


def test_renewing_the_calendar_address_retires_the_old_one(client_alice, client, alice):
    old = feed_url(alice)
    response = client_alice.get(reverse("reminder-calendar-renew"))
    assert response.status_code == 405  # only by a form post
    client_alice.post(reverse("reminder-calendar-renew"))
    new = feed_url(alice)
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_feed_needs_no_login_but_the_right_token(client, alice, django_user_model):
    assert client.get(feed_url(alice)).status_code == 200
    assert client.get(reverse("reminder-calendar", args=["not-the-token"])).status_code == 404
    alice.is_active = False
    alice.save()
    assert client.get(feed_url(alice)).status_code == 404


def test_the_feed_lists_the_milestones_a_user_owns_or_follows(client, alice, bob, make_bill, vws, jenv):
    led = make_bill(short_title="Wet van Justitie")  # JenV leads: alice follows it
    shared = make_bill(short_title="Gedeelde wet", lead_ministry=vws)
    shared.co_ministries.add(jenv)
    elsewhere = make_bill(short_title="Wet van VWS", lead_ministry=vws)
    planned = Milestone.objects.create(bill=led, kind=MilestoneKind.INDIENING_TK, planned_date=dt.date(2026, 1, 1))
    met = Milestone.objects.create(
        bill=shared, kind=MilestoneKind.ADVIES_RVS, planned_date=dt.date(2025, 5, 1), actual_date=dt.date(2025, 5, 8)
    )
    owned = Milestone.objects.create(
        bill=elsewhere, kind=MilestoneKind.PUBLICATIE, planned_date=dt.date(2026, 3, 31), precision="quarter",
        owner=alice,
    )
    not_hers = Milestone.objects.create(
        bill=elsewhere, kind=MilestoneKind.STEMMING_TK, planned_date=dt.date(2026, 2, 1)
    )
    Milestone.objects.create(bill=led, kind=MilestoneKind.OVERIG)  # no date: nothing to show

    response = client.get(feed_url(alice))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert {f"milestone-{m.pk}@127.0.0.1" for m in (planned, met, owned)} <= set(events)
    assert f"milestone-{not_hers.pk}@127.0.0.1" not in events
    assert str(events[f"milestone-{planned.pk}@127.0.0.1"]["summary"]) == "Indiening Tweede Kamer: Wet van Justitie"
    assert events[f"milestone-{planned.pk}@127.0.0.1"].decoded("dtstart") == dt.date(2026, 1, 1)
    assert str(events[f"milestone-{met.pk}@127.0.0.1"]["summary"]).startswith("Gehaald: ")
    assert events[f"milestone-{met.pk}@127.0.0.1"].decoded("dtstart") == dt.date(2025, 5, 8)
    owned_event = events[f"milestone-{owned.pk}@127.0.0.1"]
    assert "kwartaal" in str(owned_event["description"])
    assert str(owned_event["url"]) == f"http://127.0.0.1:8000{reverse('bill-detail', args=[elsewhere.key])}"
    # Bob coordinates VWS: he follows the VWS bills, not the one JenV leads alone.
    bobs = {str(e["uid"]) for e in Calendar.from_ical(client.get(feed_url(bob)).content).walk("VEVENT")}
    assert f"milestone-{met.pk}@127.0.0.1" in bobs and f"milestone-{planned.pk}@127.0.0.1" not in bobs


def test_an_admin_changes_the_reminder_policy_without_a_deploy(admin_client):
    response = admin_client.get(reverse("admin:reminders_reminderpolicy_changelist"))
    change = reverse("admin:reminders_reminderpolicy_change", args=[1])
    assert response.status_code == 302 and response.url == change
    refused = admin_client.post(change, {"days_before": "14, soon", "overdue_every": 7, "send_from_hour": 7})
    assert refused.status_code == 200 and refused.context["adminform"].errors
    admin_client.post(change, {"days_before": "21, 7,1", "overdue_every": 14, "send_from_hour": 8})
    policy = ReminderPolicy.load()
    assert (policy.days_before_list, policy.overdue_every, policy.send_from_hour) == ([21, 7, 1], 14, 8)
    assert ReminderPolicy.objects.count() == 1


def test_the_admin_shows_what_was_sent_without_letting_it_be_edited(admin_client):
    for name in ("reminderemail", "delivery", "reminderpreference"):
        assert admin_client.get(reverse(f"admin:reminders_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:reminders_reminderemail_add")).status_code == 403


def test_a_head_request_on_the_feed_is_answered_like_a_get(client, alice):
    got, head = client.get(feed_url(alice)), client.head(feed_url(alice))
    assert head.status_code == got.status_code == 200
    assert head["Content-Type"] == got["Content-Type"] == "text/calendar; charset=utf-8"
    assert head["Cache-Control"] == got["Cache-Control"]


class TestTokenNotInLogs:
    def test_django_logs_a_refused_address_without_the_token(self, client, alice):
        console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
        token = ReminderPreference.of(alice).calendar_token
        ReminderPreference.of(alice).renew_calendar_token()
        written = io.StringIO()
        stream = console.setStream(written)
        try:
            assert client.get(reverse("reminder-calendar", args=[token])).status_code == 404
        finally:
            console.setStream(stream)
        assert "/agenda/" in written.getvalue() and token not in written.getvalue()

    def test_the_access_log_leaves_the_token_out(self, alice):
        from gunicorn.config import Config

        from tracker.logs import AccessLogger

        url = feed_url(alice)
        token = ReminderPreference.of(alice).calendar_token
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": url + "?x=1", "PATH_INFO": url, "QUERY_STRING": "x=1",
                   "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": "http://127.0.0.1:8000" + url}
        response = types.SimpleNamespace(status="200 OK", sent=10, headers=[])
        atoms = AccessLogger(Config()).atoms(response, types.SimpleNamespace(headers=[]), environ,
                                             dt.timedelta(milliseconds=5))
        assert atoms["r"].startswith("GET /agenda/") and "/agenda/" in atoms["U"]
        assert not [name for name, value in atoms.items() if token in str(value)]
        procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
        assert "--logger-class tracker.logs.AccessLogger" in procfile


def test_an_empty_calendar_says_why_on_the_page_and_in_the_feed(client, charlie):
    """The central coordinator steers every ministry but coordinates none: nothing is followed."""
    client.force_login(charlie)
    page = client.get(reverse("reminder-settings")).content.decode()
    assert "Uw agenda is leeg: u coördineert geen ministerie" in page
    feed = client.get(feed_url(charlie)).content.decode()
    assert "X-WR-CALDESC:Uw agenda is leeg" in feed and "BEGIN:VEVENT" not in feed


def test_a_followed_calendar_has_no_such_note(client_alice, alice, make_bill):
    Milestone.objects.create(bill=make_bill(), kind="indiening_tk", planned_date=dt.date(2030, 1, 1))
    assert "Uw agenda is leeg" not in client_alice.get(reverse("reminder-settings")).content.decode()
