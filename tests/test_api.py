import datetime
import json

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.endpoints import api
from api.models import ApiToken, digest
from legislation import services
from legislation.board import bill_filter
from legislation.models import Bill, Follow, Milestone, Move
from legislation.policy import Position, allowed_targets
from overview.figures import programme_overview

HOST = {"SERVER_NAME": "localhost"}


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    caches["api"].clear()


def bearer(user, name="test"):
    _row, token = ApiToken.objects.issue(user, name)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **HOST}


@pytest.fixture
def as_alice(client, alice):
    """A client that calls the API with a token of alice (JenV)."""
    headers = bearer(alice)

    def call(method, url, body=None, **extra):
        kwargs = {**headers, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.fixture
def jenv_bill(make_bill):
    """A bill JenV leads, shared with no other ministry, with a milestone."""
    bill = make_bill()
    services.add_milestone(bill, by=None, kind="consultatie_start", planned_date=datetime.date(2027, 1, 1))
    bill.refresh_from_db()
    return bill


@pytest.fixture
def other_bill(jenv):
    """A bill JenV neither leads nor shares."""
    return Bill.objects.exclude(lead_ministry=jenv).exclude(co_ministries=jenv).filter(
        milestones__isnull=False).order_by("key").first()


# Tokens


def test_a_token_is_stored_only_as_its_hash(alice):
    row, token = ApiToken.objects.issue(alice, "script")
    assert token.startswith("wgm_") and len(token) > 40
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert token not in json.dumps(stored, default=str)
    assert stored["hashed"] == digest(token) and token.startswith(stored["prefix"])


@pytest.mark.parametrize("header", [None, "Bearer wgm_not-a-token", "Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer "])
def test_without_a_valid_token_the_answer_is_401(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/api/v1/bills", **extra, **HOST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


def test_a_revoked_token_or_one_of_an_inactive_user_no_longer_works(client, alice, bob):
    alice_row, alice_token = ApiToken.objects.issue(alice, "a")
    _bob_row, bob_token = ApiToken.objects.issue(bob, "b")
    assert client.get("/api/v1/bills", HTTP_AUTHORIZATION=f"Bearer {alice_token}", **HOST).status_code == 200
    alice_row.revoke()
    bob.is_active = False
    bob.save()
    for token in (alice_token, bob_token):
        assert client.get("/api/v1/bills", HTTP_AUTHORIZATION=f"Bearer {token}", **HOST).status_code == 401


def test_a_token_notes_its_last_use(client, alice):
    row, token = ApiToken.objects.issue(alice, "a")
    assert row.last_used is None
    client.get("/api/v1/bills", HTTP_AUTHORIZATION=f"Bearer {token}", **HOST)
    assert ApiToken.objects.get(pk=row.pk).last_used is not None


def test_every_operation_of_the_document_asks_for_a_token(client, jenv_bill):
    document = client.get("/api/v1/openapi.json", **HOST).json()
    milestone = jenv_bill.milestones.first()
    operations = 0
    for path, methods in document["paths"].items():
        url = path.replace("{key}", jenv_bill.key).replace("{milestone_id}", str(milestone.pk))
        url = url.replace("{identifier_id}", "1")
        for method in methods:
            response = client.generic(method.upper(), url + "?version=1", "{}", content_type="application/json",
                                      **HOST)
            assert response.status_code == 401, (method, path)
            operations += 1
    assert operations == 11
    assert jenv_bill.version == Bill.objects.get(pk=jenv_bill.pk).version


def test_requests_are_limited_per_token(client, alice, bob, settings):
    settings.API_RATE_LIMIT = "3/min"
    alice_headers, bob_headers = bearer(alice), bearer(bob)
    answers = [client.get("/api/v1/bills?page_size=1", **alice_headers).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/bills?page_size=1", **alice_headers)
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) >= 1
    assert client.get("/api/v1/bills?page_size=1", **bob_headers).status_code == 200


# Reads


def test_the_register_has_the_boards_filters(as_alice, alice, rf):
    for query in ({"ministry": "JenV"}, {"stage": "voorbereiding"}, {"chapter": "H8", "instrument": "wet"},
                  {"q": "wet", "overdue": "on"}, {"mine": "on"}):
        params = {name: ("true" if value == "on" else value) for name, value in query.items()}
        response = as_alice("get", "/api/v1/bills", data={**params, "page_size": 200})
        assert response.status_code == 200, response.content
        request = rf.get("/", query)
        request.user = alice
        expected = sorted(bill_filter(request, request.GET).qs.values_list("key", flat=True))
        body = response.json()
        assert body["count"] == len(expected) > 0, query
        assert [item["key"] for item in body["items"]] == expected[:200]


def test_the_register_comes_in_pages(as_alice):
    first = as_alice("get", "/api/v1/bills", data={"page_size": 10}).json()
    second = as_alice("get", "/api/v1/bills", data={"page_size": 10, "page": 2}).json()
    keys = list(Bill.objects.order_by("key").values_list("key", flat=True))
    assert first["count"] == second["count"] == len(keys)
    assert [item["key"] for item in first["items"] + second["items"]] == keys[:20]


def test_a_filter_naming_nothing_is_a_400_that_says_which(as_alice):
    response = as_alice("get", "/api/v1/bills", data={"ministry": "XYZ"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == ["ministry"]
    assert as_alice("get", "/api/v1/bills", data={"stage": "nowhere"}).status_code == 400
    assert as_alice("get", "/api/v1/bills", data={"page": 0}).status_code == 400


def test_an_item_with_its_milestones_moves_and_history(as_alice, jenv_bill, other_bill):
    body = as_alice("get", f"/api/v1/bills/{jenv_bill.key}").json()
    assert body["key"] == jenv_bill.key and body["version"] == jenv_bill.version
    assert [m["id"] for m in body["milestones"]] == list(jenv_bill.milestones.values_list("id", flat=True))
    assert len(body["moves"]) == jenv_bill.moves.count()
    assert body["history"] and {"when", "who", "field", "old", "new"} <= set(body["history"][0])
    assert body["may_change"] is True and body["followed"] is False
    assert body["allowed_stages"] == list(allowed_targets(Position.of(jenv_bill)))

    other = as_alice("get", f"/api/v1/bills/{other_bill.key}").json()
    assert other["may_change"] is False and other["allowed_stages"] == []


def test_an_unknown_item_is_a_404_in_json(as_alice):
    response = as_alice("get", "/api/v1/bills/NO-SUCH-KEY")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert as_alice("patch", "/api/v1/milestones/999999999", {"version": 1}).status_code == 404


def test_the_overview_figures_with_the_boards_filters(as_alice, jenv):
    body = as_alice("get", "/api/v1/overview", data={"ministry": "JenV"}).json()
    filters = bill_filter(None, {"ministry": "JenV"})
    assert filters.form.is_valid()
    expected = programme_overview(filters.qs, today=timezone.localdate(), ministry=jenv)
    assert body["item_count"] == expected.item_count > 0
    assert [row["ministry"] for row in body["matrix"]["rows"]] == ["JenV"]
    assert body["matrix"]["rows"][0]["counts"] == expected.matrix.rows[0].counts
    assert len(body["flow"]["days"]) == len(body["flow"]["counts"]) == len(expected.flow.days)
    assert len(body["stages"]) == len(body["matrix"]["totals"])


# Writes: a move


def test_a_move_against_the_version_read(as_alice, alice, jenv_bill):
    response = as_alice("post", f"/api/v1/bills/{jenv_bill.key}/moves",
                        {"stage": "voorbereiding", "version": jenv_bill.version})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["bill"]["stage"] == "voorbereiding" and body["bill"]["version"] == jenv_bill.version + 1
    assert body["move"]["moved_by"] == "alice"
    move = Move.objects.filter(bill=jenv_bill).latest("id")
    assert (move.to_stage, move.moved_by) == ("voorbereiding", alice)


def test_a_move_on_a_stale_version_is_a_409_and_changes_nothing(as_alice, jenv_bill):
    moves = Move.objects.count()
    response = as_alice("post", f"/api/v1/bills/{jenv_bill.key}/moves",
                        {"stage": "voorbereiding", "version": jenv_bill.version - 1 or 99})
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert Bill.objects.get(pk=jenv_bill.pk).stage == "aangekondigd" and Move.objects.count() == moves


def test_a_move_of_another_ministrys_item_is_a_403(as_alice, other_bill):
    response = as_alice("post", f"/api/v1/bills/{other_bill.key}/moves",
                        {"stage": "in_werking", "version": other_bill.version, "reason": "x"})
    assert response.status_code == 403
    assert response.json() == {"detail": "U mag alleen de dossiers van uw eigen ministerie wijzigen.",
                               "code": "not_allowed", "errors": {}}
    assert Bill.objects.get(pk=other_bill.pk).version == other_bill.version


def test_a_refused_move_is_a_422_in_dutch_or_english(as_alice, jenv_bill):
    url, body = f"/api/v1/bills/{jenv_bill.key}/moves", {"stage": "aangekondigd", "version": jenv_bill.version}
    dutch = as_alice("post", url, body)
    english = as_alice("post", url, body, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert dutch.status_code == english.status_code == 422
    assert dutch.json()["detail"] == "Dit dossier staat al in “Aangekondigd”." and dutch["Content-Language"] == "nl"
    assert english.json()["detail"] == "This bill is already in “Announced”." and english["Content-Language"] == "en"


def test_a_move_that_needs_a_reason_says_so(as_alice, jenv_bill):
    url = f"/api/v1/bills/{jenv_bill.key}/moves"
    response = as_alice("post", url, {"stage": "raad_van_state", "version": jenv_bill.version})
    assert response.status_code == 422 and response.json()["code"] == "needs_reason"
    with_reason = as_alice("post", url, {"stage": "raad_van_state", "version": jenv_bill.version,
                                         "reason": "Geen consultatie: spoedreparatie"})
    assert with_reason.status_code == 201


@pytest.mark.parametrize("body", [{"stage": "voorbereiding"}, {"stage": "nergens", "version": 1},
                                  {"stage": "voorbereiding", "version": "een"}, "not json",
                                  {"stage": "voorbereiding", "version": 1, "reason": "x" * 2001},
                                  {"stage": "voorbereiding", "version": 1, "reason": "null\x00"}])
def test_a_malformed_move_is_a_400(as_alice, jenv_bill, body):
    response = as_alice("post", f"/api/v1/bills/{jenv_bill.key}/moves", body)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert Bill.objects.get(pk=jenv_bill.pk).version == jenv_bill.version


# Writes: milestones


def test_milestones_added_changed_and_deleted(as_alice, jenv_bill):
    added = as_alice("post", f"/api/v1/bills/{jenv_bill.key}/milestones",
                     {"kind": "ministerraad", "label": "MR", "planned_date": "2027-03-01"})
    assert added.status_code == 201, added.content
    milestone = Milestone.objects.get(pk=added.json()["id"])
    assert (milestone.bill, milestone.label, milestone.planned_date.isoformat()) == (jenv_bill, "MR", "2027-03-01")

    version = Bill.objects.get(pk=jenv_bill.pk).version
    changed = as_alice("patch", f"/api/v1/milestones/{milestone.pk}", {"version": version, "planned_date": "2027-04-01"})
    assert changed.status_code == 200 and changed.json()["planned_date"] == "2027-04-01"
    milestone.refresh_from_db()
    assert (milestone.label, milestone.planned_date.isoformat()) == ("MR", "2027-04-01")  # the rest as it was

    stale = as_alice("patch", f"/api/v1/milestones/{milestone.pk}", {"version": version, "label": "other"})
    assert stale.status_code == 409
    assert as_alice("delete", f"/api/v1/milestones/{milestone.pk}?version={version}").status_code == 409
    assert as_alice("delete", f"/api/v1/milestones/{milestone.pk}?version={version + 1}").status_code == 204
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_milestone_edits_of_another_ministrys_item_are_403(as_alice, other_bill):
    milestone = other_bill.milestones.first()
    before = list(Milestone.objects.filter(bill=other_bill).values())
    answers = [
        as_alice("post", f"/api/v1/bills/{other_bill.key}/milestones", {"kind": "overig"}),
        as_alice("patch", f"/api/v1/milestones/{milestone.pk}", {"version": other_bill.version, "label": "x"}),
        as_alice("delete", f"/api/v1/milestones/{milestone.pk}?version={other_bill.version}"),
    ]
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert list(Milestone.objects.filter(bill=other_bill).values()) == before


def test_an_invalid_milestone_is_a_400_with_the_forms_reason(as_alice, jenv_bill):
    response = as_alice("post", f"/api/v1/bills/{jenv_bill.key}/milestones", {"kind": "geen"})
    assert response.status_code == 400
    milestone = jenv_bill.milestones.first()
    cleared = as_alice("patch", f"/api/v1/milestones/{milestone.pk}", {"version": jenv_bill.version, "kind": None})
    assert cleared.status_code == 400 and "kind" in cleared.json()["errors"]


# Writes: public identifiers


def test_linking_and_removing_an_identifier(as_alice, alice, jenv_bill):
    url = f"/api/v1/bills/{jenv_bill.key}/identifiers"
    added = as_alice("post", url, {"kind": "dossier", "value": "36 546"})
    assert added.status_code == 201
    body = added.json()
    assert (body["kind"], body["value"], body["added_by"]) == ("dossier", "36546", "alice")
    assert body["url"] == "https://zoek.officielebekendmakingen.nl/dossier/36546" and "Alice" in body["source"]
    detail = as_alice("get", f"/api/v1/bills/{jenv_bill.key}").json()
    assert [(i["kind"], i["value"]) for i in detail["identifiers"]] == [("dossier", "36546")]
    assert as_alice("delete", f"{url}/{body['id']}").status_code == 204
    assert not jenv_bill.identifiers.exists()
    assert as_alice("delete", f"{url}/{body['id']}").status_code == 404


def test_an_identifier_that_does_not_read_or_is_there_already_is_a_400(as_alice, jenv_bill):
    url = f"/api/v1/bills/{jenv_bill.key}/identifiers"
    refused = as_alice("post", url, {"kind": "publicatie", "value": "Staatsblad 2025"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    assert "is niet te lezen als" in refused.json()["errors"]["value"][0]
    assert as_alice("post", url, {"kind": "dossier", "value": "36546"}).status_code == 201
    again = as_alice("post", url, {"kind": "dossier", "value": "36546"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert again.status_code == 400 and again.json()["errors"]["value"] == ["Dit item heeft Kamerstukdossier 36546 al."]
    assert jenv_bill.identifiers.count() == 1


def test_no_identifier_is_linked_to_another_ministrys_item(as_alice, alice, other_bill):
    url = f"/api/v1/bills/{other_bill.key}/identifiers"
    assert as_alice("post", url, {"kind": "dossier", "value": "36546"}).status_code == 403
    identifier = services.add_identifier(other_bill, "dossier", "36547", by=None)
    assert as_alice("delete", f"{url}/{identifier.pk}").status_code == 403
    assert other_bill.identifiers.count() == 1


# Writes: following


def test_following_an_item(as_alice, alice, other_bill):
    url = f"/api/v1/bills/{other_bill.key}/follow"
    assert as_alice("put", url).status_code == 204
    assert as_alice("put", url).status_code == 204  # again: still one
    assert Follow.objects.filter(user=alice, bill=other_bill).count() == 1
    assert as_alice("get", f"/api/v1/bills/{other_bill.key}").json()["followed"] is True
    assert as_alice("delete", url).status_code == 204
    assert not Follow.objects.filter(user=alice).exists()
    assert Bill.objects.get(pk=other_bill.pk).version == other_bill.version


# The token page and the admin


def test_tokens_are_made_shown_once_and_revoked_on_the_settings_page(client, alice):
    client.force_login(alice)
    page = client.get(reverse("reminder-settings"))
    assert "API-tokens" in page.text and "U heeft geen API-tokens." in page.text

    made = client.post(reverse("api-token-create"), {"name": "Rapportage"})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    row = ApiToken.objects.get(user=alice)
    token = made.context["new_token"]
    assert token in made.text and row.hashed == digest(token) and row.name == "Rapportage"
    again = client.get(reverse("reminder-settings"))
    assert token not in again.text and row.prefix in again.text

    revoked = client.post(reverse("api-token-revoke", args=[row.pk]), follow=True)
    assert "is ingetrokken" in revoked.text
    assert ApiToken.objects.get(pk=row.pk).revoked is not None
    assert client.get("/api/v1/bills", HTTP_AUTHORIZATION=f"Bearer {token}", **HOST).status_code == 401


def test_a_token_needs_a_name_and_one_revokes_only_ones_own(client, alice, bob):
    client.force_login(alice)
    assert client.post(reverse("api-token-create"), {"name": ""}).status_code == 400
    assert not ApiToken.objects.exists()
    bobs, _token = ApiToken.objects.issue(bob, "bob's")
    assert client.post(reverse("api-token-revoke", args=[bobs.pk])).status_code == 404
    assert ApiToken.objects.get(pk=bobs.pk).revoked is None


def test_the_admin_makes_a_token_shows_it_once_and_revokes(admin_client, alice):
    made = admin_client.post(reverse("admin:api_apitoken_add"), {"user": alice.pk, "name": "Koppeling"}, follow=True)
    row = ApiToken.objects.get(user=alice)
    words = [word for message in made.context["messages"] for word in str(message).split()]
    (token,) = [word for word in words if digest(word) == row.hashed]
    assert token.startswith(row.prefix)
    assert token not in admin_client.get(reverse("admin:api_apitoken_change", args=[row.pk])).text
    admin_client.post(reverse("admin:api_apitoken_changelist"),
                      {"action": "revoke", "_selected_action": [row.pk]}, follow=True)
    assert ApiToken.objects.get(pk=row.pk).revoked is not None


# The document


def test_the_document_and_its_page_need_no_login_and_nothing_from_elsewhere(client, db):
    document = client.get("/api/v1/openapi.json", **HOST)
    assert document.status_code == 200 and document.json()["info"]["version"] == "1"
    assert document.json()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs", **HOST)
    assert page.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in page.text and "//cdn" not in page.text and "https://" not in page.text


def test_the_api_is_version_1_under_its_own_address():
    assert api.version == "1" and reverse("api-v1:openapi-json") == "/api/v1/openapi.json"


def test_the_documentation_page_works_in_a_browser_under_the_csp(browser, live_server, committed_register,
                                                                  django_user_model):
    """Swagger UI, served from our static files, runs under the strict CSP and calls the API with a token."""
    user = django_user_model.objects.create_user("hanna")
    _row, token = ApiToken.objects.issue(user, "docs")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.click("button.authorize")
    page.fill(".auth-container input", token)
    page.click(".auth-btn-wrapper button.authorize")
    page.click(".btn-done")
    page.click("#operations-default-api_endpoints_bill_list .opblock-summary")
    page.click("button.try-out__btn")
    page.click("button.execute")
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "count" in page.locator(".live-responses-table .highlight-code").inner_text()
    assert problems == []
    context.close()


def test_an_address_the_api_does_not_have_is_a_404_in_json(client, db):
    response = client.get("/api/v1/nothing-here", **HOST)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response["Content-Language"] == "nl"
    assert client.post("/api/v2/bills", HTTP_ACCEPT_LANGUAGE="en", **HOST).json()["detail"].startswith("The API has")


def test_the_apis_address_leads_to_its_documentation(client, db):
    assert client.get("/api/v1/", **HOST).url == "/api/v1/docs"


def test_a_page_of_the_register_costs_the_same_queries_whatever_its_size(as_alice):
    as_alice("get", "/api/v1/bills", data={"page_size": 1})  # the token's last use is written once a minute
    with CaptureQueriesContext(connection) as few:
        as_alice("get", "/api/v1/bills", data={"page_size": 5})
    with CaptureQueriesContext(connection) as many:
        assert len(as_alice("get", "/api/v1/bills", data={"page_size": 100}).json()["items"]) == 100
    assert len(few) == len(many) <= 6
