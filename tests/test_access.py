"""Every view, tried by those who may not: anonymous users, viewers and other ministries' coordinators."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from legislation import services
from legislation.models import Bill, Identifier, Milestone, Move
from publicrecord.models import Document, Proposal

# Reachable without logging in, and why.
PUBLIC = {
    "login",  # to log in
    "set_language",  # the language of the login page
    "reminder-calendar",  # calendar apps cannot log in: the secret token in the address is the key
    "health",  # for monitoring
    "oidc_authentication_init", "oidc_authentication_callback",  # signing in through the identity provider
    "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
    # The API: its address and document are public; each operation asks for a token instead of a login
    # (tests/test_api.py: every operation of the document answers 401 without one).
    "api-home", "api-root", "openapi-json", "openapi-view",
    "bill_list", "bill_detail", "overview_figures", "bill_move", "milestone_add", "milestone_change", "milestone_delete", "follow", "unfollow",
    "identifier_add", "identifier_remove",
}


def named_routes():
    """The names of all URL patterns of the project, outside the admin."""
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def bill(make_bill):
    bill = make_bill("wet", stage="voorbereiding")  # lead ministry JenV
    Milestone.objects.create(bill=bill, kind="indiening_tk")
    services.add_identifier(bill, "dossier", "36546", by=None)
    propose(bill)
    return bill


# Views whose page is a form to change the bill: only those who may change it see it.
CHANGE_FORMS = {"bill-move"}


def urls_for(bill):
    """A URL of every view, with the methods that change something."""
    milestone = bill.milestones.get()
    identifier = bill.identifiers.get()
    proposal = bill.proposals.get()
    return {
        "board": (reverse("board"), []),
        "board-column": (reverse("board-column", args=["voorbereiding"]), []),
        "bill-list": (reverse("bill-list"), []),
        "register-csv": (reverse("register-csv"), []),
        "bill-detail": (reverse("bill-detail", args=[bill.key]), []),
        "bill-move": (reverse("bill-move", args=[bill.key]), [{"stage": "consultatie", "version": bill.version}]),
        "bill-flag": (reverse("bill-flag", args=[bill.key]), [{"flag": "aangehouden", "on": "1", "version": bill.version, "reason": "x"}]),
        "milestone-add": (reverse("milestone-add", args=[bill.key]), [{"new-kind": "overig", "new-precision": "day", "new-planned_date": "2030-01-01"}]),
        "milestone-edit": (reverse("milestone-edit", args=[milestone.pk]), [{f"m{milestone.pk}-kind": "indiening_tk", f"m{milestone.pk}-precision": "day", f"m{milestone.pk}-planned_date": "2030-01-01", "version": bill.version}]),
        "identifier-add": (reverse("identifier-add", args=[bill.key]), [{"kind": "dossier", "value": "36547"}]),
        "identifier-remove": (reverse("identifier-remove", args=[bill.key, identifier.pk]), [{}]),
        "candidate-confirm": (reverse("candidate-confirm", args=[bill.key, 1]), [{}]),
        # Following (the star) changes no bill: anyone who may look may (tests/test_following.py).
        "bill-follow": (reverse("bill-follow"), []),
        "reminder-settings": (reverse("reminder-settings"), []),
        "reminder-calendar-renew": (reverse("reminder-calendar-renew"), []),
        # One's own API tokens: making one changes no bill.
        "api-token-create": (reverse("api-token-create"), []),
        "api-token-revoke": (reverse("api-token-revoke", args=[1]), []),
        "overview": (reverse("overview"), []),
        "overview-xlsx": (reverse("overview-xlsx"), []),
        "logout": (reverse("logout"), []),
        "password_change": (reverse("password_change"), []),
        "password_change_done": (reverse("password_change_done"), []),
        "proposal-list": (reverse("proposal-list"), []),
        "proposal-accept": (reverse("proposal-accept", args=[proposal.pk]), [{}]),
        "proposal-dismiss": (reverse("proposal-dismiss", args=[proposal.pk]), [{}]),
    }


def propose(bill):
    """An open proposal of the public record to move `bill` on (publicrecord)."""
    document, _ = Document.objects.get_or_create(
        source="tweedekamer", document_id="Document/access", bill=bill,
        defaults={"title": "Voorstel van wet", "date": "2026-06-09", "url": "https://zoek.officielebekendmakingen.nl/",
                  "outcome": "proposed"})
    proposal, _ = Proposal.objects.get_or_create(bill=bill, document=document, to_stage="consultatie",
                                                 defaults={"reason": "test"})
    return proposal


def snapshot():
    return (
        list(Bill.objects.order_by("pk").values_list("pk", "stage", "version", "on_hold")),
        list(Milestone.objects.order_by("pk").values_list("pk", "planned_date", "kind")),
        Move.objects.count(),
        list(Identifier.objects.order_by("pk").values_list("pk", "value")),
        list(Proposal.objects.order_by("pk").values_list("pk", "status")),
    )


def test_every_view_is_in_this_test(bill):
    assert named_routes() - PUBLIC == set(urls_for(bill))


def test_anonymous_users_are_sent_to_log_in_everywhere(client, bill):
    before = snapshot()
    for name, (url, changes) in urls_for(bill).items():
        for response in [client.get(url), *(client.post(url, data) for data in changes)]:
            assert response.status_code == 302, name
            assert response.url.startswith(reverse("login")), name
    assert snapshot() == before


def test_the_admin_is_for_staff_only(client, dave):
    assert client.get("/admin/").status_code == 302
    client.force_login(dave)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_viewer_may_look_but_not_change(client, dave, bill):
    client.force_login(dave)
    before = snapshot()
    for name, (url, changes) in urls_for(bill).items():
        if name == "logout":
            continue
        response = client.get(url)
        assert response.status_code in ((403,) if name in CHANGE_FORMS else (200, 405)), name
        if response["Content-Type"].startswith("text/"):  # a workbook's compressed bytes may hold any pair
            assert b"{#" not in response.content and b"{%" not in response.content, f"{name}: template syntax shows"
        for data in changes:
            assert client.post(url, data).status_code == 403, name
            assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 403, name
    assert snapshot() == before


def test_another_ministrys_coordinator_may_not_change_the_bill(client, bob, bill):
    client.force_login(bob)
    before = snapshot()
    for name, (url, changes) in urls_for(bill).items():
        if name in CHANGE_FORMS:
            assert client.get(url).status_code == 403, name
        for data in changes:
            response = client.post(url, data)
            assert response.status_code == 403, name
            assert "eigen ministerie" in response.content.decode(), name
    assert snapshot() == before


def test_posts_without_a_csrf_token_are_refused(alice, bill):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = snapshot()
    for name, (url, changes) in urls_for(bill).items():
        for data in changes:
            assert client.post(url, data).status_code == 403, name
    assert snapshot() == before
