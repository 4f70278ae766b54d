"""Following an item (the star): its moves and new milestones reach each follower once, never the one who made them."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from api.models import ApiToken
from legislation import services
from legislation.models import Milestone, MilestoneKind
from reminders import sweep
from reminders.models import FollowNotice, Mode, ReminderEmail, ReminderPreference
from reminders.sweep import send_due_reminders

SOURCE = "Kamerstuk 36 123, nr. 2 https://zoek.officielebekendmakingen.nl/kst-36123-2.html"


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False) as t:
        yield t


@pytest.fixture
def bill(make_bill):
    return make_bill("wet", stage="consultatie", short_title="Volgwet")


@pytest.fixture
def erin(django_user_model):
    """Follows items with the star; owns and coordinates nothing, so no reminders of her own get in the way."""
    return django_user_model.objects.create_user("erin", email="erin@example.nl", first_name="Erin")


@pytest.fixture
def mover(charlie):
    """The central coordinator, with an email address; receives no reminders of the register's own."""
    charlie.email = "charlie@example.nl"
    charlie.save()
    return charlie


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_a_move_by_someone_else_reaches_the_follower_once_in_the_digest(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    services.follow(bill, by=mover)  # the mover follows it too
    services.move_bill(bill, "raad_van_state", by=mover, reason="Advies gevraagd", source=SOURCE)
    send_due_reminders()
    send_due_reminders()  # a second sweep sends nothing more
    (message,) = to("erin@example.nl")
    assert to("charlie@example.nl") == []  # not to the one who moved it
    assert message.subject == "Volgwet: Verplaatst van “Consultatie” naar “Advies Raad van State”"
    html = message.alternatives[0][0]
    link = f"http://127.0.0.1:8000{reverse('bill-detail', args=[bill.key])}"
    for body in (message.body, html):
        assert "Wijzigingen in items die u volgt" in body or "WIJZIGINGEN IN ITEMS DIE U VOLGT" in body
        assert "2 december 2026 (door Charlie)" in body
        assert "Advies gevraagd" in body and link in body
    assert '<a href="https://zoek.officielebekendmakingen.nl/kst-36123-2.html"' in html
    assert ReminderEmail.objects.get(recipient=erin).kind == ReminderEmail.Kind.DIGEST


def test_the_digest_carries_the_days_reminders_and_changes_together(bill, erin, clock):
    Milestone.objects.create(bill=bill, kind=MilestoneKind.INDIENING_TK, planned_date=dt.date(2026, 12, 2), owner=erin)
    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=None, source=SOURCE)  # the public record's sync
    send_due_reminders()
    (message,) = to("erin@example.nl")
    assert message.subject == "Herinnering: Indiening Tweede Kamer van Volgwet, vandaag"
    assert "Verplaatst van “Consultatie” naar “Advies Raad van State”, 2 december 2026\n" in message.body


def test_with_immediate_emails_each_change_comes_in_its_own(bill, make_bill, erin, mover, clock):
    ReminderPreference.objects.create(user=erin, mode=Mode.IMMEDIATE)
    other = make_bill("wet", short_title="Tweede volgwet")
    for followed in (bill, other):
        services.follow(followed, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    services.add_milestone(other, by=None, kind="indiening_tk", planned_date=dt.date(2027, 3, 1), source=SOURCE)
    send_due_reminders()
    send_due_reminders()
    subjects = sorted(message.subject for message in to("erin@example.nl"))
    assert subjects == [
        "Tweede volgwet: Nieuwe mijlpaal: Indiening Tweede Kamer, gepland op 1 maart 2027",
        "Volgwet: Verplaatst van “Consultatie” naar “Advies Raad van State”",
    ]
    assert set(ReminderEmail.objects.filter(recipient=erin).values_list("kind", flat=True)) == {"notice"}


def test_an_item_no_one_follows_reaches_no_one(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    services.unfollow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    services.add_milestone(bill, by=mover, kind="indiening_tk", planned_date=dt.date(2027, 3, 1))
    send_due_reminders()
    assert mail.outbox == [] and not FollowNotice.objects.exists()


def test_who_wants_no_reminder_emails_hears_nothing_and_nothing_waits_for_them(bill, erin, mover, clock):
    ReminderPreference.objects.create(user=erin, mode=Mode.NONE)
    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    send_due_reminders()
    ReminderPreference.objects.filter(user=erin).update(mode=Mode.DIGEST)
    clock.shift(dt.timedelta(days=1))
    send_due_reminders()
    assert mail.outbox == []
    assert FollowNotice.objects.get().cancelled_at is not None


def test_a_change_that_rolls_back_tells_no_one(bill, erin, mover, clock):
    services.follow(bill, by=erin)
    with pytest.raises(services.StaleVersion):
        services.move_bill(bill, "raad_van_state", by=mover, expected_version=bill.version - 1)
    send_due_reminders()
    assert mail.outbox == [] and not FollowNotice.objects.exists()


def test_a_sweep_that_loses_the_race_for_the_claim_sends_nothing(bill, erin, mover, clock, monkeypatch):
    """Two workers: the second finds the email claimed by the first in between, and leaves it."""
    services.follow(bill, by=erin)
    services.move_bill(bill, "raad_van_state", by=mover)
    claimable = sweep._claimable

    def claimed_in_between(now):
        # Another worker claims everything between this one's look and its compare-and-set.
        rows = claimable(now)
        ReminderEmail.objects.update(claim="other", claimed_until=now + sweep.LEASE)
        return rows

    monkeypatch.setattr(sweep, "_claimable", claimed_in_between)
    send_due_reminders()
    assert mail.outbox == []
    monkeypatch.setattr(sweep, "_claimable", claimable)
    clock.shift(sweep.LEASE + dt.timedelta(minutes=1))  # the other worker died: its lease runs out
    send_due_reminders()
    send_due_reminders()
    assert len(to("erin@example.nl")) == 1


# The star on the board and the detail page, and the board's "followed" filter

HTMX = {"HX-Request": "true"}
STAR = re.compile(
    r'<button type="submit" form="(?P<form>[\w-]+)" class="star-button" id="star-(?P<place>\w+)-(?P<key>[^"]+)"'
    r".*?</button>",
    re.S,
)


def stars(response, place="card"):
    """{key: (aria-pressed, accessible name, tooltip)} of the stars on the page."""
    return {
        match["key"]: (
            re.search(r'aria-pressed="(\w+)"', match[0])[1],
            re.search(r'<span class="visually-hidden">(.*?)</span>', match[0])[1],
            re.search(r'title="([^"]*)"', match[0])[1],
        )
        for match in STAR.finditer(html.unescape(response.content.decode()))
        if match["place"] == place
    }


def test_a_star_on_every_card_says_whether_the_user_follows_it(client, dave, bill):
    client.force_login(dave)
    shown = stars(client.get(reverse("board"), {"q": bill.key}))
    assert shown == {bill.key: ("false", "Volg Volgwet", "Volg Volgwet")}
    services.follow(bill, by=dave)
    shown = stars(client.get(reverse("board"), {"q": bill.key}))
    assert shown == {bill.key: ("true", "Volg Volgwet", "Volg niet meer Volgwet")}


def test_the_star_is_each_users_own_though_the_card_is_kept_for_all(client, dave, erin, bill):
    services.follow(bill, by=dave)
    for user, pressed in ((dave, "true"), (erin, "false"), (dave, "true")):  # both viewers: the same kept card
        client.force_login(user)
        assert stars(client.get(reverse("board"), {"q": bill.key}))[bill.key][0] == pressed


def test_the_star_follows_and_unfollows_with_htmx(client, dave, bill):
    client.force_login(dave)
    url = reverse("bill-follow")
    answer = client.post(url, {"follow": bill.key, "place": "card"}, headers=HTMX)
    assert answer.status_code == 200 and "<html" not in answer.content.decode()
    assert stars(answer) == {bill.key: ("true", "Volg Volgwet", "Volg niet meer Volgwet")}
    assert list(dave.follows.values_list("bill__key", flat=True)) == [bill.key]
    answer = client.post(url, {"unfollow": bill.key, "place": "detail"}, headers=HTMX)
    assert stars(answer, "detail") == {bill.key: ("false", "Volg Volgwet", "Volg Volgwet")}
    assert not dave.follows.exists()


def test_the_items_other_star_on_the_page_comes_with_the_answer_to_replace_it(client, dave, bill):
    client.force_login(dave)
    answer = client.post(reverse("bill-follow"), {"follow": bill.key, "place": "detail", "also": "card"}, headers=HTMX)
    on_card = stars(answer, "card")
    assert stars(answer, "detail") == on_card == {bill.key: ("true", "Volg Volgwet", "Volg niet meer Volgwet")}
    content = answer.content.decode()
    assert content.index(f'id="star-detail-{bill.key}"') < content.index(f'id="star-card-{bill.key}"')
    assert content.count('hx-swap-oob="true"') == 1 and 'form="stars" ' in content  # the card's, sent along
    answer = client.post(reverse("bill-follow"), {"unfollow": bill.key, "place": "card"}, headers=HTMX)
    assert "hx-swap-oob" not in answer.content.decode() and list(stars(answer)) == [bill.key]


def test_without_javascript_the_star_is_a_form_that_returns_where_it_was(client, dave, bill):
    client.force_login(dave)
    url = reverse("bill-follow")
    board = client.get(reverse("board"), {"chapter": "H8"}).content.decode()
    assert '<form id="stars" method="post" action="/follow/" hidden>' in board  # the form the cards' stars post
    assert '<input type="hidden" name="next" value="/?chapter=H8">' in board
    answer = client.post(url, {"follow": bill.key, "next": "/?chapter=H8"})
    assert answer.status_code == 302 and answer.url == "/?chapter=H8"
    page = client.get(answer.url)
    assert "U volgt “Volgwet”." in page.content.decode()
    answer = client.post(url, {"unfollow": bill.key, "next": "https://elsewhere.example/"})
    assert answer.url == reverse("bill-detail", args=[bill.key])  # not to another site
    assert not dave.follows.exists()


def test_a_bad_star_changes_nothing_and_says_why(client, dave, bill):
    client.force_login(dave)
    url = reverse("bill-follow")
    for data in ({"place": "card"}, {"follow": bill.key, "unfollow": bill.key}, {"follow": bill.key, "place": "x"}):
        answer = client.post(url, data, headers=HTMX)
        assert answer.status_code == 400
    assert "Zeg welk item u wilt volgen" in client.post(url, {"place": "card"}, headers=HTMX).content.decode()
    assert not dave.follows.exists()
    assert client.post(url, {"follow": "X9999"}).status_code == 404


def test_the_detail_page_has_the_star(client, dave, bill):
    services.follow(bill, by=dave)
    client.force_login(dave)
    page = client.get(reverse("bill-detail", args=[bill.key]))
    assert stars(page, "detail") == {bill.key: ("true", "Volg Volgwet", "Volg niet meer Volgwet")}


def test_the_board_the_register_and_the_api_filter_on_followed(client, dave, bill, make_bill):
    other = make_bill("wet", stage="consultatie", short_title="Niet gevolgd")
    services.follow(bill, by=dave)
    client.force_login(dave)
    board = client.get(reverse("board"), {"followed": "on"})
    assert "Gevolgd" in board.content.decode()
    assert set(stars(board)) == {bill.key} and other.key not in board.content.decode()
    register = client.get(reverse("bill-list"), {"followed": "on"})
    assert [b.key for b in register.context["bills"]] == [bill.key]
    _row, token = ApiToken.objects.issue(dave, "test")
    api = client.get("/api/v1/bills", {"followed": "true"}, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    assert [item["key"] for item in api.json()["items"]] == [bill.key]


def test_a_move_on_the_board_reaches_the_follower_whoever_else_follows(client, bill, erin, mover, clock):
    # The board reads with the bill whether anyone but the mover follows it, and skips the followers' look if not.
    services.follow(bill, by=mover)
    client.force_login(mover)
    bill.refresh_from_db()
    answer = client.post(reverse("bill-move", args=[bill.key]), {"stage": "raad_van_state", "version": bill.version})
    assert answer.status_code == 302
    assert not FollowNotice.objects.exists()  # only the mover follows it
    services.follow(bill, by=erin)
    bill.refresh_from_db()
    answer = client.post(reverse("bill-move", args=[bill.key]), {"stage": "tweede_kamer", "version": bill.version})
    assert answer.status_code == 302
    (notice,) = FollowNotice.objects.all()
    assert (notice.recipient, notice.move.to_stage) == (erin, "tweede_kamer")
