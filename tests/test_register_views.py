import csv
import io

import pytest
from django.urls import reverse

from legislation.models import Bill


@pytest.fixture
def client_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize("url", ["/", "/register/", "/register/H01-A-01/", "/register/export.csv"])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_login_page_speaks_dutch(client):
    response = client.get(reverse("login"))
    assert "Inloggen" in response.content.decode()
    assert 'lang="nl"' in response.content.decode()


def test_the_register_lists_every_item_in_dutch(client_alice):
    response = client_alice.get(reverse("bill-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{Bill.objects.count()} dossiers" in body
    assert "Register van Bijlage 2" in body
    for bill in Bill.objects.all():
        assert reverse("bill-detail", args=[bill.key]) in body


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"ministry": "JenV"}, lambda b: "JenV" in {b.lead_ministry.code, *(m.code for m in b.co_ministries.all())}),
        ({"chapter": "H8"}, lambda b: b.chapter.code == "H8"),
        ({"category": "verwacht"}, lambda b: b.category == "verwacht"),
        ({"instrument": "amvb"}, lambda b: b.instrument == "amvb"),
        ({"stage": "aangekondigd"}, lambda b: b.stage == "aangekondigd"),
        ({"q": "mediawet"}, lambda b: "mediawet" in (b.title + b.short_title).lower()),
        ({"chapter": "H7", "q": "Grondwet"}, lambda b: b.chapter.code == "H7" and "grondwet" in (b.title + b.short_title).lower()),
    ],
)
def test_filters(client_alice, query, expected):
    response = client_alice.get(reverse("bill-list"), query)
    shown = {b.key for b in response.context["bills"]}
    wanted = {b.key for b in Bill.objects.all() if expected(b)}
    assert shown == wanted and wanted


def test_an_unknown_filter_value_shows_an_error_not_a_crash(client_alice):
    response = client_alice.get(reverse("bill-list"), {"stage": "nergens", "ministry": "XX"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_htmx_gets_only_the_results(client_alice):
    response = client_alice.get(reverse("bill-list"), {"chapter": "H9"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body


def test_the_detail_page_shows_text_source_stage_and_history(client_alice):
    bill = Bill.objects.filter(moves__isnull=False).distinct().first()
    response = client_alice.get(reverse("bill-detail", args=[bill.key]))
    body = response.content.decode()
    assert response.status_code == 200
    assert bill.short_title in body
    assert f"regel {bill.source_line}" in body
    assert bill.get_stage_display() in body
    for move in bill.moves.all():
        assert move.get_to_stage_display() in body


def test_an_unknown_item_is_a_404(client_alice):
    assert client_alice.get(reverse("bill-detail", args=["H99-A-99"])).status_code == 404


def test_the_register_downloads_as_csv_with_the_filters_applied(client_alice):
    response = client_alice.get(reverse("register-csv"), {"chapter": "H9"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["key"] for r in rows] == list(Bill.objects.filter(chapter__code="H9").order_by("key").values_list("key", flat=True))


def test_dutch_even_when_the_browser_prefers_english(client_alice):
    response = client_alice.get(reverse("bill-list"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Register van Bijlage 2" in response.content.decode()


def test_english_is_available(client_alice):
    client_alice.post(reverse("set_language"), {"language": "en", "next": "/register/"})
    assert "Register of Bijlage 2" in client_alice.get(reverse("bill-list")).content.decode()


def test_the_language_can_be_switched_before_logging_in(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()
