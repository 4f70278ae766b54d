import datetime
import html
import re
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import Model
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from legislation import board as board_module
from legislation import services
from legislation.models import Bill, Chapter, Milestone, Ministry, Move

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client_alice(client, alice):
    client.force_login(alice)
    return client


CARD = re.compile(
    r'<li class="card(?P<classes>[^"]*)" id="card-(?P<key>[^"]+)"\s+data-key="[^"]+" data-version="(?P<version>\d+)"'
    r' data-stage="(?P<stage>[^"]+)".*?</li>',
    re.S,
)
NOTICE = re.compile(r'<p class="notice(?P<ok> ok)?" role="\w+">(?P<message>.*?)</p>', re.S)


class Reading:
    """Stands in for a model instance (or a card) in a template and notes each attribute read from it (`read`), by path."""

    def __init__(self, obj, read, path=""):
        self._obj, self._read, self._path = obj, read, path

    def __getattr__(self, name):
        self._read.add(self._path + name)
        value = getattr(self._obj, name)
        return Reading(value, self._read, f"{self._path}{name}.") if isinstance(value, (Model, SimpleNamespace)) else value


def cards_on(response):
    """The cards as the user sees them, read from the HTML (the board or one of its partials)."""
    cards = {}
    for match in CARD.finditer(html.unescape(response.content.decode())):
        notice = NOTICE.search(match.group(0))
        cards[match["key"]] = SimpleNamespace(
            key=match["key"],
            version=int(match["version"]),
            stage=match["stage"],
            movable="movable" in match["classes"],
            overdue="overdue" in match["classes"],
            message=notice["message"] if notice else None,
            ok=bool(notice and notice["ok"]),
            asks_reason="required autofocus" in match.group(0),
        )
    return cards


def edit_milestone(client, milestone, version=None, **fields):
    """Post the form of `milestone` on the item's page, as htmx does: `fields` without their prefix."""
    data = {f"m{milestone.pk}-{name}": value for name, value in fields.items()}
    if version is not None:
        data["version"] = version
    return client.post(reverse("milestone-edit", args=[milestone.pk]), data, headers=HTMX)


def move(client, bill, stage, *, version=None, reason="", htmx=True, next_url=None):
    data = {"stage": stage, "version": bill.version if version is None else version, "reason": reason}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("bill-move", args=[bill.key]), data, headers=HTMX if htmx else {})


class TestBoard:
    def test_after_login_the_board_is_the_home_page(self, client, alice):
        response = client.post(reverse("login"), {"username": "alice", "password": "password-alice"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("board")
        assert "legislation/board.html" in {template.name for template in response.templates}

    def test_a_column_per_stage_of_the_main_line_in_order_with_exact_counts(self, client_alice):
        response = client_alice.get(reverse("board"))
        (lane,) = response.context["board"].lanes
        assert [c.stage for c in lane.columns] == [
            "aangekondigd", "voorbereiding", "consultatie", "raad_van_state",
            "tweede_kamer", "eerste_kamer", "gepubliceerd", "in_werking",
        ]
        assert [c.stage for c in lane.closed] == ["ingetrokken", "verworpen", "vervallen"]
        for column in lane.columns + lane.closed:
            assert column.count == Bill.objects.filter(stage=column.stage).count()
        body = response.content.decode()
        assert "Aangekondigd" in body and "Ingetrokken, verworpen of vervallen" in body

    def test_a_card_shows_what_a_coordinator_steers_by(self, client_alice, make_bill):
        bill = make_bill("amvb", stage="consultatie", short_title="Besluit proef", on_hold=True)
        Milestone.objects.create(bill=bill, kind="advies_rvs", planned_date=datetime.date(2020, 1, 1))
        Milestone.objects.create(bill=bill, kind="publicatie", planned_date=datetime.date(2030, 1, 1))
        response = client_alice.get(reverse("board"), {"q": "Besluit proef"})
        assert cards_on(response)[bill.key].overdue
        body = response.content.decode()
        for text in ["Besluit proef", "JenV", "AMvB", "H8", "Aangehouden", "Te laat:", "1 januari 2020"]:
            assert text in body

    def test_cards_show_who_may_move_them(self, client, bob, make_bill):
        client.force_login(bob)
        mine = make_bill("wet", lead_ministry=bob.ministries.get(), short_title="Zorgwet proef")
        theirs = make_bill("wet", short_title="Justitiewet proef")
        response = client.get(reverse("board"), {"q": "proef"})
        cards = cards_on(response)
        assert cards[mine.key].movable and not cards[theirs.key].movable
        body = response.content.decode()
        assert reverse("bill-move", args=[mine.key]) in body
        assert reverse("bill-move", args=[theirs.key]) not in body

    @pytest.mark.parametrize(
        "change, shown",
        [
            (lambda bill: Bill.objects.filter(pk=bill.pk).update(short_title="Andere titel"), "Andere titel"),
            (lambda bill: Bill.objects.filter(pk=bill.pk).update(controversial=True), "Controversieel"),
            (lambda bill: Bill.objects.filter(pk=bill.pk).update(instrument="amvb"), "AMvB"),
            (lambda bill: Ministry.objects.filter(pk=bill.lead_ministry_id).update(code="JenV2"), "JenV2"),
            (lambda bill: Chapter.objects.filter(pk=bill.chapter_id).update(code="H8b"), "H8b"),
            (lambda bill: bill.milestones.update(planned_date=datetime.date(2031, 5, 1)), "1 mei 2031"),
            (lambda bill: bill.milestones.update(label="Eigen mijlpaal"), "Eigen mijlpaal"),
        ],
    )
    def test_a_card_is_drawn_anew_when_anything_it_shows_changes(self, client_alice, make_bill, change, shown):
        """Cards are kept rendered; a change made behind the rules' back (no new version) must still show."""
        bill = make_bill("wet", short_title="Kaartwet proef")
        Milestone.objects.create(bill=bill, kind="publicatie", planned_date=datetime.date(2030, 1, 1))
        assert "1 januari 2030" in client_alice.get(reverse("board"), {"q": bill.key}).content.decode()
        change(bill)
        assert shown in client_alice.get(reverse("board"), {"q": bill.key}).content.decode()

    def test_an_unchanged_board_is_served_as_kept_without_drawing_it(self, client_alice, make_bill, monkeypatch):
        make_bill("wet", short_title="Bewaarwet proef")
        caches["boards"].clear()
        with CaptureQueriesContext(connection) as drawing:
            first = client_alice.get(reverse("board"), {"q": "proef"})
        monkeypatch.setattr(board_module.Board, "lanes", property(lambda board: 1 / 0))  # drawing it would fail
        with CaptureQueriesContext(connection) as kept:
            again = client_alice.get(reverse("board"), {"q": "proef"})
        assert again.status_code == 200 and cards_on(again) == cards_on(first)
        assert len(kept) == len(drawing)  # what is kept is known from what is read anyway

    def test_a_kept_board_is_each_viewers_own(self, client, alice, bob, make_bill, vws):
        """Who may move a card and who follows it change no item, yet each viewer sees their own."""
        theirs = make_bill("wet", lead_ministry=vws, short_title="Zorgwet proef")
        client.force_login(alice)
        assert not cards_on(client.get(reverse("board"), {"q": "proef"}))[theirs.key].movable
        client.force_login(bob)
        assert cards_on(client.get(reverse("board"), {"q": "proef"}))[theirs.key].movable
        services.follow(theirs, by=bob)
        followed = f'name="unfollow" value="{theirs.key}"'
        assert followed in client.get(reverse("board"), {"q": "proef"}).content.decode()
        client.force_login(alice)
        assert followed not in client.get(reverse("board"), {"q": "proef"}).content.decode()

    def test_the_kept_filters_offer_a_new_ministry(self, client_alice):
        assert 'value="NIEUW"' not in client_alice.get(reverse("board")).content.decode()
        Ministry.objects.create(code="NIEUW", name="Ministerie van Nieuwe Zaken")
        assert 'value="NIEUW"' in client_alice.get(reverse("board")).content.decode()

    def test_the_card_shows_only_the_facts_its_kept_html_is_keyed_on(self, alice, make_bill):
        """A card's HTML is kept under `board.CARD_FACTS`: anything else the template showed would go stale."""
        bill = make_bill("grondwet", short_title="Kaartwet", on_hold=True, controversial=True, voorhang_required=True)
        Milestone.objects.create(bill=bill, kind="publicatie", planned_date=datetime.date(2020, 1, 1))
        (card,) = board_module.cards_of(board_module.with_card_details(Bill.objects.filter(pk=bill.pk), alice), alice)
        read = set()
        render_to_string("legislation/board.html#card", {"card": Reading(card, read)})
        facts = set(board_module.CARD_FACT_NAMES)
        displays = {f"get_{name}_display" for name in facts}
        related = {name.split(".")[0] for name in facts if "." in name}  # the way to lead_ministry.code
        # The notice is None on every kept card: a card with a notice is the answer to a change, drawn anew.
        assert read - facts - displays - related == {"notice"}
        assert {"short_title", "lead_ministry.code", "next_date", "movable"} <= read  # the reading works

    @pytest.mark.parametrize(
        "query, wanted",
        [
            ({"ministry": "VWS"}, lambda b: "VWS" in {b.lead_ministry.code, *(m.code for m in b.co_ministries.all())}),
            ({"chapter": "H2"}, lambda b: b.chapter.code == "H2"),
            ({"category": "verwacht"}, lambda b: b.category == "verwacht"),
            ({"instrument": "kb"}, lambda b: b.instrument == "kb"),
            ({"q": "asiel"}, lambda b: "asiel" in (b.title + b.short_title).lower()),
        ],
    )
    def test_filters(self, client_alice, query, wanted):
        response = client_alice.get(reverse("board"), query)
        expected = {b.key for b in Bill.objects.all() if wanted(b)}
        columns = [c for lane in response.context["board"].lanes for c in lane.columns + lane.closed]
        assert sum(c.count for c in columns) == len(expected)
        shown = cards_on(response)
        assert set(shown) <= expected
        assert len(shown) == sum(min(c.count, board_module.CARDS_PER_COLUMN) for c in columns)

    def test_overdue_and_mine(self, client_alice, alice, make_bill, vws):
        late = make_bill("wet", stage="eerste_kamer", lead_ministry=vws, short_title="Laat")
        Milestone.objects.create(bill=late, kind="indiening_tk", planned_date=timezone.localdate() - datetime.timedelta(days=1))
        met = make_bill("wet", stage="eerste_kamer", lead_ministry=vws, short_title="Gehaald")
        Milestone.objects.create(bill=met, kind="indiening_tk", planned_date=datetime.date(2020, 1, 1), actual_date=datetime.date(2020, 1, 1))
        overdue = cards_on(client_alice.get(reverse("board"), {"overdue": "on"}))
        assert late.key in overdue and met.key not in overdue
        owned = make_bill("wet", stage="eerste_kamer", lead_ministry=vws, owner=alice)
        mine = cards_on(client_alice.get(reverse("board"), {"mine": "on"}))
        assert owned.key in mine and late.key not in mine
        for bill in Bill.objects.filter(key__in=mine):
            ministries = {bill.lead_ministry.code, *(m.code for m in bill.co_ministries.all())}
            assert bill.owner_id == alice.pk or "JenV" in ministries

    def test_htmx_filtering_returns_only_the_board_and_the_url_carries_the_filters(self, client_alice):
        response = client_alice.get(reverse("board"), {"chapter": "H9", "lanes": "ministry"}, headers=HTMX)
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="board"') and "<html" not in body
        assert "chapter=H9" in body and "lanes=ministry" in body  # the poll and "more" links keep the filters

    def test_swimlanes_by_ministry_and_by_chapter(self, client_alice):
        for lanes, field in [("ministry", "lead_ministry"), ("chapter", "chapter")]:
            response = client_alice.get(reverse("board"), {"lanes": lanes})
            shown = response.context["board"].lanes
            assert len(shown) == Bill.objects.values(field).distinct().count()
            for lane in shown:
                for column in lane.columns:
                    assert column.count == Bill.objects.filter(**{field: lane.key, "stage": column.stage}).count()
                    assert all(getattr(card, f"{field}_id") == lane.key for card in column.cards)

    def test_unknown_filter_values_are_reported_not_crashed_on(self, client_alice):
        response = client_alice.get(reverse("board"), {"stage": "nergens", "lanes": "planeet", "ministry": "XX"})
        assert response.status_code == 200
        assert response.context["filter"].errors

    def test_dutch_by_default_english_on_request(self, client_alice):
        assert "Verplaatsen" in client_alice.get(reverse("board")).content.decode()
        client_alice.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert "Move" in client_alice.get(reverse("board")).content.decode()


class TestMoving:
    def test_a_move_answers_with_the_card_in_its_new_column_and_exact_counts(self, client_alice, make_bill):
        bill = make_bill("wet", short_title="Verhuiswet")
        response = move(client_alice, bill, "voorbereiding", next_url="/?chapter=H8")
        assert response.status_code == 200
        bill.refresh_from_db()
        assert bill.stage == "voorbereiding" and bill.version == 2
        assert Move.objects.get(bill=bill).moved_by.username == "alice"
        body = response.content.decode()
        card = cards_on(response)[bill.key]
        assert card.stage == "voorbereiding" and card.version == 2 and card.ok
        assert 'hx-swap-oob="afterbegin:#cards-all-voorbereiding"' in body
        for stage in ("aangekondigd", "voorbereiding"):
            count = Bill.objects.filter(chapter__code="H8", stage=stage).count()  # the board's filters hold
            assert f'id="count-all-{stage}" hx-swap-oob="true">{count}<' in body

    def test_with_swimlanes_the_card_goes_to_its_lane(self, client_alice, make_bill, jenv):
        bill = make_bill("wet")
        response = move(client_alice, bill, "voorbereiding", next_url="/?lanes=ministry")
        count = Bill.objects.filter(lead_ministry=jenv, stage="voorbereiding").count()
        body = response.content.decode()
        assert f'hx-swap-oob="afterbegin:#cards-{jenv.pk}-voorbereiding"' in body
        assert f'id="count-{jenv.pk}-voorbereiding" hx-swap-oob="true">{count}<' in body

    def test_without_javascript_the_form_posts_and_redirects_back(self, client_alice, make_bill):
        bill = make_bill("wet")
        response = move(client_alice, bill, "consultatie", htmx=False, next_url="/?chapter=H8")
        assert response.status_code == 302 and response.url == "/?chapter=H8"
        bill.refresh_from_db()
        assert bill.stage == "consultatie"
        assert "is nu in “Consultatie”" in client_alice.get(response.url).content.decode()

    def test_a_refused_move_is_explained_next_to_the_card_which_stays_put(self, client_alice, make_bill):
        bill = make_bill("amvb", stage="raad_van_state")
        response = move(client_alice, bill, "tweede_kamer")
        assert response.status_code == 422
        card = cards_on(response)[bill.key]
        assert card.stage == "raad_van_state"
        assert card.message == "Een AMvB doorloopt de fase “Tweede Kamer” niet."
        bill.refresh_from_db()
        assert bill.stage == "raad_van_state" and bill.version == 1 and not bill.moves.exists()

    def test_a_move_that_needs_a_reason_asks_for_one(self, client_alice, make_bill):
        bill = make_bill("wet", stage="raad_van_state")
        response = move(client_alice, bill, "voorbereiding")
        assert response.status_code == 422
        card = cards_on(response)[bill.key]
        assert card.asks_reason and "vraagt om een reden" in card.message
        assert '<option value="voorbereiding" selected>' in response.content.decode()
        response = move(client_alice, bill, "voorbereiding", reason="Advies: niet indienen")
        assert response.status_code == 200
        assert Move.objects.get(bill=bill).reason == "Advies: niet indienen"

    def test_without_javascript_a_refusal_redirects_back_with_the_reason(self, client_alice, make_bill):
        bill = make_bill("wet", stage="vervallen")
        response = move(client_alice, bill, "tweede_kamer", htmx=False)
        assert response.status_code == 302
        assert "vraagt om een reden" in client_alice.get(response.url).content.decode()
        bill.refresh_from_db()
        assert bill.stage == "vervallen"

    def test_a_stale_card_is_refused_and_shown_as_it_now_is(self, client_alice, client, bob, make_bill, charlie):
        bill = make_bill("wet")
        seen = bill.version
        client.force_login(charlie)
        move(client, bill, "voorbereiding")  # the central coordinator moves it first
        response = move(client_alice, bill, "consultatie", version=seen)
        assert response.status_code == 409
        card = cards_on(response)[bill.key]
        assert card.stage == "voorbereiding" and card.version == seen + 1
        assert "Iemand anders heeft dit dossier gewijzigd" in card.message
        bill.refresh_from_db()
        assert bill.stage == "voorbereiding" and bill.moves.count() == 1

    @pytest.mark.parametrize("htmx", [True, False])
    def test_a_forbidden_move_is_403_with_a_message_and_changes_nothing(self, client, bob, make_bill, htmx):
        client.force_login(bob)
        bill = make_bill("wet")
        response = move(client, bill, "voorbereiding", htmx=htmx)
        assert response.status_code == 403
        assert "U mag alleen de dossiers van uw eigen ministerie wijzigen." in response.content.decode()
        bill.refresh_from_db()
        assert bill.stage == "aangekondigd" and not bill.moves.exists()

    def test_a_viewer_may_look_but_not_move(self, client, dave, make_bill):
        client.force_login(dave)
        bill = make_bill("wet")
        assert client.get(reverse("board")).status_code == 200
        assert move(client, bill, "voorbereiding").status_code == 403

    def test_the_central_coordinator_moves_any_card(self, client, charlie, make_bill, vws):
        client.force_login(charlie)
        bill = make_bill("wet", lead_ministry=vws)
        assert move(client, bill, "voorbereiding").status_code == 200

    @pytest.mark.parametrize(
        "data",
        [
            {"stage": "prullenbak", "version": 1},
            {"stage": "voorbereiding", "version": "een"},
            {"stage": "voorbereiding"},
            {"version": 1},
        ],
    )
    def test_malformed_moves_are_400_and_change_nothing(self, client_alice, make_bill, data):
        bill = make_bill("wet")
        response = client_alice.post(reverse("bill-move", args=[bill.key]), data, headers=HTMX)
        assert response.status_code == 400
        assert cards_on(response)[bill.key].message
        bill.refresh_from_db()
        assert bill.version == 1

    def test_the_move_menu_is_fetched_when_opened_and_returns_to_the_filtered_board(self, client_alice, make_bill):
        bill = make_bill("wet", stage="raad_van_state")
        url = reverse("bill-move", args=[bill.key])
        response = client_alice.get(url, headers={**HTMX, "HX-Current-URL": "http://testserver/?ministry=JenV"})
        body = response.content.decode()
        assert "<html" not in body and f'hx-post="{url}"' in body
        assert '<option value="tweede_kamer" selected>' in body and 'value="/?ministry=JenV"' in body
        # Without JavaScript the same form is a page of its own, which returns to the page the link was on.
        response = client_alice.get(url, headers={"referer": "http://testserver/?stage=raad_van_state"})
        body = response.content.decode()
        assert "<html" in body and "hx-post" not in body and 'value="http://testserver/?stage=raad_van_state"' in body

    def test_moving_needs_post_login_and_a_known_item(self, client, client_alice, make_bill):
        bill = make_bill("wet")
        assert client_alice.put(reverse("bill-move", args=[bill.key])).status_code == 405
        assert client_alice.post(reverse("bill-move", args=["H99-A-99"]), {"stage": "voorbereiding", "version": 1}).status_code == 404
        client.logout()
        response = client.post(reverse("bill-move", args=[bill.key]), {"stage": "voorbereiding", "version": 1})
        assert response.status_code == 302 and reverse("login") in response.url

    def test_only_the_card_is_posted_never_a_column_order(self, client_alice, make_bill):
        """Extra fields such as a column's order are ignored: only this card moves."""
        bill, other = make_bill("wet"), make_bill("wet")
        client_alice.post(
            reverse("bill-move", args=[bill.key]),
            {"stage": "voorbereiding", "version": 1, "order": [other.key, bill.key]},
            headers=HTMX,
        )
        other.refresh_from_db()
        assert other.stage == "aangekondigd" and other.version == 1

    def test_a_flag_is_set_and_lifted_from_the_detail_with_a_reason(self, client_alice, make_bill):
        bill = make_bill("wet", stage="tweede_kamer")
        url = reverse("bill-flag", args=[bill.key])
        response = client_alice.post(url, {"flag": "controversieel", "on": "1", "version": 1, "reason": ""})
        assert response.status_code == 302
        bill.refresh_from_db()
        assert not bill.controversial
        client_alice.post(url, {"flag": "controversieel", "on": "1", "version": 1, "reason": "Kabinet gevallen"})
        bill.refresh_from_db()
        assert bill.controversial and bill.version == 2


class TestPolling:
    @pytest.mark.parametrize("params", [{}, {"lanes": "ministry"}, {"chapter": "H8"}])
    def test_polling_costs_two_queries_when_nothing_changed(self, client_alice, django_assert_num_queries, params):
        """The board of every bill reads its stamp with its counts, a filtered one on its own: the same either way."""
        stamp = client_alice.get(reverse("board"), params).context["stamp"]
        assert stamp == board_module.board_stamp()
        with django_assert_num_queries(2):  # the session with its user, the stamp
            response = client_alice.get(reverse("board"), {**params, "since": stamp}, headers=HTMX)
        assert response.status_code == 204

    def test_polling_returns_the_board_after_someone_elses_move(self, client_alice, charlie, make_bill):
        bill = make_bill("wet", short_title="Poltest")
        stamp = client_alice.get(reverse("board")).context["stamp"]
        services.move_bill(bill, "voorbereiding", by=charlie)
        response = client_alice.get(reverse("board"), {"since": stamp, "q": "Poltest"}, headers=HTMX)
        assert response.status_code == 200
        assert cards_on(response)[bill.key].stage == "voorbereiding"

    @pytest.mark.parametrize("change", [
        lambda bill, by: services.add_milestone(bill, by=by, kind="publicatie", planned_date=datetime.date(2029, 5, 1)),
        lambda bill, by: services.change_milestone(bill.milestones.get(), by=by, planned_date=datetime.date(2029, 5, 1)),
        lambda bill, by: services.delete_milestone(bill.milestones.get(), by=by),
    ])
    def test_polling_returns_the_board_after_a_milestone_changed_in_the_admin(self, client_alice, charlie, make_bill, change):
        """The admin changes milestones without a version seen; the boards must still notice."""
        bill = make_bill("wet", short_title="Poltest")
        Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2030, 1, 1))
        stamp = client_alice.get(reverse("board")).context["stamp"]
        change(bill, charlie)
        response = client_alice.get(reverse("board"), {"since": stamp, "q": "Poltest"}, headers=HTMX)
        assert response.status_code == 200
        shown = bill.milestones.first()
        assert ("1 mei 2029" in response.content.decode()) == (shown is not None)
        assert ("1 jan 2030" in response.content.decode()) == (shown is not None and shown.planned_date.year == 2030)


class TestDetail:
    def test_the_detail_opens_as_a_panel_or_a_full_page(self, client_alice):
        url = reverse("bill-detail", args=["H08-A-01"])
        panel = client_alice.get(url, headers=HTMX).content.decode()
        assert panel.lstrip().startswith('<article class="bill" id="detail"') and "<html" not in panel
        page = client_alice.get(url).content.decode()
        assert "<html" in page and "Cyberbeveiligingswet" in page

    def test_the_detail_shows_text_ministries_milestones_notes_and_full_history(self, client_alice, alice, make_bill, vws):
        bill = make_bill("wet", stage="voorbereiding", notes="Let op de planning", title="Volledige tekst uit Bijlage 2")
        bill.co_ministries.add(vws)
        Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2027, 7, 1))
        services.move_bill(bill, "consultatie", by=alice, reason="Concept klaar", source="Kamerbrief 2026")
        body = client_alice.get(reverse("bill-detail", args=[bill.key])).content.decode()
        for text in ["Volledige tekst uit Bijlage 2", "Volksgezondheid", "Let op de planning", "Indiening Tweede Kamer",
                     "Voorbereiding → Consultatie", "Alice", "Concept klaar", "Kamerbrief 2026", "2027-07-01"]:
            assert text in body

    def test_texts_from_the_data_files_follow_the_language_and_inferred_dates_say_so(self, client_alice, make_bill):
        bill = make_bill("wet", short_title="Tweetalige wet")
        Milestone.objects.create(bill=bill, kind="overig", label="Brief aan de Kamer", label_en="Letter to the House",
                                 planned_date=datetime.date(2030, 1, 1), date_inferred=True)
        services.move_bill(bill, "voorbereiding", reason="Wordt voorbereid")
        bill.moves.update(reason_en="Being drafted", date_inferred=True)
        detail, board = reverse("bill-detail", args=[bill.key]), reverse("board")
        body = client_alice.get(detail).content.decode()
        assert "Brief aan de Kamer" in body and "Wordt voorbereid" in body and body.count("(datum afgeleid)") == 2
        assert "Brief aan de Kamer" in client_alice.get(board, {"q": bill.key}).content.decode()
        client_alice.post(reverse("set_language"), {"language": "en", "next": "/"})
        body = client_alice.get(detail).content.decode()
        assert "Letter to the House" in body and "Being drafted" in body and body.count("(date inferred)") == 2
        assert "Letter to the House" in client_alice.get(board, {"q": bill.key}).content.decode()

    def test_milestones_are_editable_by_those_who_may_move_the_card(self, client, client_alice, bob, make_bill):
        bill = make_bill("wet")
        milestone = Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2027, 1, 1))
        url = reverse("milestone-edit", args=[milestone.pk])
        data = {f"m{milestone.pk}-kind": "indiening_tk", f"m{milestone.pk}-precision": "day",
                f"m{milestone.pk}-planned_date": "2027-03-01", f"m{milestone.pk}-actual_date": "", "version": bill.version}
        response = client_alice.post(url, data, headers=HTMX)
        assert response.status_code == 200
        milestone.refresh_from_db()
        assert milestone.planned_date == datetime.date(2027, 3, 1) and "planned_date" in milestone.edited_fields

        client.force_login(bob)
        data[f"m{milestone.pk}-planned_date"] = "2028-01-01"
        assert client.post(url, data).status_code == 403
        assert "milestone-edit" not in str(client.get(reverse("bill-detail", args=[bill.key])).content)
        milestone.refresh_from_db()
        assert milestone.planned_date == datetime.date(2027, 3, 1)

    @pytest.mark.parametrize("stale, planned, status, message", [
        (True, "2028-01-01", 409, "Iemand anders heeft dit dossier gewijzigd"),  # someone else changed the item meanwhile
        (False, "31-02-2027", 400, "Voer een geldige datum in."),
    ])
    def test_a_refused_milestone_edit_is_explained_and_changes_nothing(
        self, client_alice, charlie, make_bill, stale, planned, status, message
    ):
        bill = make_bill("wet")
        milestone = Milestone.objects.create(bill=bill, kind="indiening_tk", planned_date=datetime.date(2027, 1, 1))
        seen = bill.version
        if stale:
            services.move_bill(bill, "voorbereiding", by=charlie)
        response = edit_milestone(client_alice, milestone, version=seen, kind="indiening_tk", precision="day",
                                  planned_date=planned)
        assert response.status_code == status
        assert message in response.content.decode()
        milestone.refresh_from_db()
        assert milestone.planned_date == datetime.date(2027, 1, 1)

    def test_a_milestone_is_added_from_the_detail(self, client_alice, make_bill):
        bill = make_bill("wet")
        response = client_alice.post(
            reverse("milestone-add", args=[bill.key]),
            {"new-kind": "overig", "new-label": "Bespreking in de ministerraad", "new-planned_date": "2027-02-01", "new-precision": "day"},
        )
        assert response.status_code == 302
        milestone = bill.milestones.get()
        assert (milestone.label, milestone.planned_date) == ("Bespreking in de ministerraad", datetime.date(2027, 2, 1))


class TestSpeed:
    def count_queries(self, client, **params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("board"), params).status_code == 200
        return len(queries)

    @pytest.mark.parametrize("lanes", ["", "ministry", "chapter"])
    def test_the_number_of_queries_does_not_depend_on_the_number_of_items(self, client_alice, make_bill, lanes):
        before = self.count_queries(client_alice, lanes=lanes)
        for i in range(60):
            bill = make_bill("wet", stage=["aangekondigd", "voorbereiding", "tweede_kamer"][i % 3])
            Milestone.objects.create(bill=bill, kind="publicatie", planned_date=datetime.date(2027, 1, 1))
        after = self.count_queries(client_alice, lanes=lanes)
        assert before == after

    def test_columns_show_the_first_cards_and_fetch_more_on_demand(self, client_alice, make_bill):
        limit = board_module.CARDS_PER_COLUMN
        for _ in range(limit + 5):
            make_bill("wet", stage="eerste_kamer")
        response = client_alice.get(reverse("board"))
        column = next(c for c in response.context["board"].lanes[0].columns if c.stage == "eerste_kamer")
        total = Bill.objects.filter(stage="eerste_kamer").count()
        assert column.count == total and len(column.cards) == limit and column.more
        more = client_alice.get(reverse("board-column", args=["eerste_kamer"]), {"offset": limit}, headers=HTMX)
        assert list(cards_on(more)) == [b.key for b in Bill.objects.filter(stage="eerste_kamer").order_by("key")[limit:]]
        assert "Meer tonen" not in more.content.decode()


def test_the_items_page_shows_every_change_with_who_and_what(client, alice, charlie, make_bill):
    bill = make_bill("wet", short_title="Geschiedeniswet")
    services.change_bill(bill, by=alice, short_title="Wet met geschiedenis", reason="Officiële naam bekend")
    client.force_login(charlie)
    body = client.get(reverse("bill-detail", args=[bill.key])).content.decode()
    assert "Alle wijzigingen" in body and "Alice" in body
    assert "Geschiedeniswet → Wet met geschiedenis" in body and "Officiële naam bekend" in body
    assert "Terugdraaien" in body  # the central coordinator may undo
    client.force_login(alice)
    assert "Terugdraaien" not in client.get(reverse("bill-detail", args=[bill.key])).content.decode()


@pytest.mark.parametrize("mover", ["alice", "charlie"])  # the lead ministry's coordinator, the central coordinator
@pytest.mark.parametrize("stage, to", [("aangekondigd", "voorbereiding"), ("voorbereiding", "consultatie")])
def test_a_move_takes_a_fixed_number_of_queries(client, mover, make_bill, django_assert_num_queries, request, stage, to):
    client.force_login(request.getfixturevalue(mover))
    bill = make_bill("wet", stage=stage)
    bill.co_ministries.add(Ministry.objects.get(code="VWS"))
    # Open, but not of the kind entering consultation meets (that one is met already): nothing to read for it.
    Milestone.objects.create(bill=bill, kind="adviesaanvraag_rvs", planned_date=datetime.date(2030, 1, 1))
    Milestone.objects.create(bill=bill, kind="consultatie_start", planned_date=datetime.date(2026, 1, 1),
                             actual_date=datetime.date(2026, 1, 2))
    connection.features.supports_json_field  # SQLite asks this once per connection; not part of a move
    # The session with its user and their rights; the bill with its next milestone and the kinds still open; the
    # transaction (two), its compare-and-set and the history record (one statement on PostgreSQL, two on SQLite),
    # the move and the webhook endpoints that may want it; the lane's counts. Whether anyone else follows the item
    # comes with the bill: no one does here, so no look for followers (reminders.following; tests/test_following.py).
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 9):
        assert move(client, bill, to).status_code == 200
