"""Signing in through a real OpenID provider: panva's oidc-provider on Node.js (tests/oidc_provider/).

The tracker runs in Django's test client, the provider as a process on a free loopback port; `Browser`
plays the user's browser between the two, following redirects, so every sign-in is the real
authorization code flow with PKCE (the provider requires it), state and nonce, and the tracker fetches
the discovery document, keys, tokens and userinfo from the provider over HTTP.
"""

import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from playwright.sync_api import expect
import requests
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from accounts import oidc
from legislation.management.commands.create_demo_users import CENTRAL_GROUP, MINISTRY_GROUP

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
TRACKER = "http://testserver"
CALLBACK = TRACKER + "/accounts/oidc/callback/"
CLIENT_ID, CLIENT_SECRET = "wetgevingsmonitor", "client-secret-for-tests"


class Provider:
    def __init__(self, issuer, accounts_file):
        self.issuer = issuer
        self.accounts_file = accounts_file

    def set_accounts(self, **accounts):
        """The provider's users, by subject, with their claims; read by the provider on every lookup."""
        self.accounts_file.write_text(json.dumps(accounts))


@contextlib.contextmanager
def running_provider(folder, tracker):
    """The provider, for a tracker at the address `tracker` (its callback and login page are registered)."""
    if not (PROVIDER_DIR / "node_modules").is_dir():
        pytest.fail("The test provider is not installed: run `npm ci --prefix tests/oidc_provider`.")
    accounts_file = folder / "accounts.json"
    accounts_file.write_text("{}")
    env = {
        **os.environ,
        "ACCOUNTS": str(accounts_file),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": tracker + "/accounts/oidc/callback/",
        "POST_LOGOUT_REDIRECT_URI": tracker + "/accounts/login/",
    }
    process = subprocess.Popen(
        [shutil.which("node"), "provider.js"], cwd=PROVIDER_DIR, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )
    try:
        yield Provider(json.loads(process.stdout.readline())["issuer"], accounts_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc"), TRACKER) as provider:
        yield provider


def configure(settings, provider):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_RIGHTS_CLAIM = "groups"
    settings.OIDC_MINISTRIES = {}
    settings.OIDC_CENTRAL_VALUE = "wetgeving-centraal"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.Backend"]
    provider.set_accounts(
        anna={"email": "anna@minjenv.example", "given_name": "Anna", "family_name": "de Vries",
              "groups": ["JenV", "wetgeving-centraal", "Personeelsvereniging"]},
    )


@pytest.fixture
def configured(settings, provider, db):
    configure(settings, provider)
    return provider


class Form(HTMLParser):
    """The first form of a page: its action and the values it would post."""

    def __init__(self, html):
        super().__init__()
        self.action, self.data, self.done = None, {}, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
        elif tag in ("input", "button") and self.action is not None and not self.done and attrs.get("name"):
            self.data[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        self.done = self.done or tag == "form"


class UserAgent:
    """The user's browser: the tracker through the test client, the provider over HTTP."""

    def __init__(self):
        self.client = Client()
        self.http = requests.Session()

    def go(self, url, data=None, until=None):
        """Request url and follow the redirects; stop before a URL that starts with `until` and return it."""
        while True:
            if until and url.startswith(until):
                return url
            if url.startswith(TRACKER):
                path = url.removeprefix(TRACKER)
                response = self.client.post(path, data) if data is not None else self.client.get(path)
                status, location, text = response.status_code, response.get("Location"), response.text
            else:
                response = self.http.request("POST" if data is not None else "GET", url, data=data,
                                             allow_redirects=False, timeout=10)
                status, location, text = response.status_code, response.headers.get("Location"), response.text
            if status not in (301, 302, 303, 307):
                self.url, self.status, self.text = url, status, text
                return text
            url, data = urljoin(url, location), None

    def submit(self, until=None, **values):
        """Post the page's form, with some values filled in."""
        form = Form(self.text)
        return self.go(urljoin(self.url, form.action), {**form.data, **values}, until=until)

    def sign_in(self, sub, until=None):
        self.go(TRACKER + reverse("oidc_authentication_init"))
        return self.submit(until=until, login=sub)

    @property
    def user(self):
        user_id = self.client.session.get("_auth_user_id")
        return user_id and get_user_model().objects.get(pk=user_id)


def rights(user):
    return (
        {m.code for m in user.ministries.all()},
        set(user.groups.values_list("name", flat=True)),
        user.has_perm("legislation.move_all_bills"),
    )


def test_signing_in_creates_the_user_with_the_rights_of_the_claim(configured):
    browser = UserAgent()
    authorize = browser.go(TRACKER + reverse("oidc_authentication_init"), until=configured.issuer)
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] and query["state"] and query["nonce"]

    board = browser.go(authorize)
    assert "Provider login" in board  # the provider asks who it is
    board = browser.submit(login="anna")

    assert browser.url == TRACKER + "/" and browser.status == 200
    user = browser.user
    assert (user.email, user.get_full_name(), user.is_staff) == ("anna@minjenv.example", "Anna de Vries", True)
    assert rights(user) == ({"JenV"}, {MINISTRY_GROUP, CENTRAL_GROUP}, True)
    assert "Anna de Vries" in board


def test_a_changed_claim_changes_the_rights_on_the_next_sign_in(configured):
    UserAgent().sign_in("anna")
    configured.set_accounts(anna={"email": "anna@minjenv.example", "groups": ["vws"]})

    browser = UserAgent()
    browser.sign_in("anna")

    user = browser.user
    assert get_user_model().objects.filter(email="anna@minjenv.example").count() == 1
    assert rights(user) == ({"VWS"}, {MINISTRY_GROUP}, False)

    configured.set_accounts(anna={"email": "anna@minjenv.example", "groups": []})
    browser = UserAgent()
    browser.sign_in("anna")
    assert rights(browser.user) == (set(), set(), False)
    assert not browser.user.is_staff


def test_a_user_without_an_email_address_is_not_signed_in(configured, settings):
    settings.OIDC_RP_SCOPES = "openid profile groups"  # as a provider configured without addresses
    configured.set_accounts(kees={"given_name": "Kees", "groups": ["JenV"]})
    browser = UserAgent()
    browser.sign_in("kees")
    refused(browser, "Inloggen via uw organisatie is niet gelukt")
    assert not get_user_model().objects.filter(first_name="Kees").exists()


def test_rights_from_a_mapping_and_from_a_single_value(configured, settings):
    settings.OIDC_RIGHTS_CLAIM = "department"
    settings.OIDC_MINISTRIES = {"Directie Wetgeving JenV": "JenV", "a1b2-guid": "VWS"}
    assert oidc.rights_from_claims({"department": "directie wetgeving jenv"}) == ({"JenV"}, False)
    assert oidc.rights_from_claims({"department": ["A1B2-guid", "JenV"]}) == ({"VWS"}, False)
    assert oidc.rights_from_claims({"department": "wetgeving-centraal"}) == (set(), True)
    assert oidc.rights_from_claims({"groups": ["JenV"]}) == (set(), False)


def refused(browser, message):
    assert browser.url == TRACKER + reverse("login") and browser.status == 200
    assert message in browser.text
    assert browser.user is None


UNTRUSTED = "Het antwoord van de identiteitsprovider kon niet worden vertrouwd"


def test_a_wrong_state_is_refused(configured):
    browser = UserAgent()
    callback = browser.sign_in("anna", until=CALLBACK)
    query = parse_qs(urlsplit(callback).query)

    browser.go(CALLBACK + "?" + urlencode({"code": query["code"][0], "state": "a-state-never-sent"}))
    refused(browser, UNTRUSTED)

    # The real state, now in a session that has since expired (or in another browser): refused too.
    other = UserAgent()
    other.go(callback)
    refused(other, "Inloggen via uw organisatie is niet gelukt")


def test_a_wrong_nonce_is_refused(configured):
    browser = UserAgent()
    authorize = browser.go(TRACKER + reverse("oidc_authentication_init"), until=configured.issuer)
    # The provider puts the nonce it was given in the ID token; the tracker kept another one.
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
    browser.go(authorize.split("?")[0] + "?" + urlencode({**query, "nonce": "a-nonce-never-sent"}))
    browser.submit(login="anna")
    refused(browser, UNTRUSTED)
    assert not get_user_model().objects.filter(email="anna@minjenv.example").exists()


def test_a_provider_naming_another_issuer_is_refused(configured, settings):
    # The same provider, reached under another name than the one it signs its tokens with.
    settings.OIDC_ISSUER = configured.issuer.replace("127.0.0.1", "localhost")
    browser = UserAgent()
    browser.go(TRACKER + reverse("oidc_authentication_init"))
    refused(browser, UNTRUSTED)


@pytest.mark.parametrize("change", ["issuer", "audience", "expiry"])
def test_an_id_token_for_another_issuer_client_or_time_is_refused(configured, change):
    # One provider signs with one issuer name, so the token's own checks are shown on a real token of it.
    browser = UserAgent()
    browser.sign_in("anna")
    token = browser.client.session["oidc_id_token"]
    backend = oidc.Backend()
    metadata = oidc.provider()
    backend.issuer, backend.OIDC_OP_JWKS_ENDPOINT = metadata["issuer"], metadata["jwks_uri"]
    key = backend.retrieve_matching_jwk(token)
    assert backend.get_payload_data(token, key)["sub"] == "anna"

    if change == "issuer":
        backend.issuer = "https://login.example.invalid/another-tenant/v2.0"
    elif change == "audience":
        backend.OIDC_RP_CLIENT_ID = "another-client"
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=change == "expiry")):
        with pytest.raises(SuspiciousOperation):
            backend.get_payload_data(token, key)


def test_an_unreachable_provider_is_a_message_not_an_error(configured, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # the discard port: nothing listens
    browser = UserAgent()
    browser.go(TRACKER + reverse("oidc_authentication_init"))
    refused(browser, "Het inlogsysteem van uw organisatie is niet bereikbaar")


def test_an_expired_session_is_checked_again_at_the_provider(configured, settings):
    browser = UserAgent()
    browser.sign_in("anna")
    configured.set_accounts(anna={"email": "anna@minjenv.example", "groups": ["VWS"]})
    recheck = datetime.timedelta(seconds=settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS)
    later = datetime.datetime.now(datetime.UTC) + recheck

    # While the provider's session lasts, the check passes without a prompt and reads the claim again.
    with time_machine.travel(later + datetime.timedelta(minutes=1)):
        browser.go(TRACKER + reverse("bill-list"))
    assert browser.url == TRACKER + reverse("bill-list") and browser.status == 200
    assert rights(browser.user) == ({"VWS"}, {MINISTRY_GROUP}, False)

    # Once it has ended (its cookie is gone), the check logs the user out here too.
    for cookie in list(browser.http.cookies):
        browser.http.cookies.clear(cookie.domain, cookie.path, cookie.name)
    with time_machine.travel(later + datetime.timedelta(minutes=20)):
        browser.go(TRACKER + reverse("bill-list"))
    refused(browser, "Uw sessie is verlopen")


def test_logging_out_ends_the_providers_session_too(configured):
    browser = UserAgent()
    browser.sign_in("anna")

    browser.go(TRACKER + reverse("logout"), data={})
    assert browser.url.startswith(configured.issuer)  # the provider asks to confirm
    browser.submit(logout="yes")
    assert browser.url == TRACKER + reverse("login")
    assert browser.user is None

    # The provider asks who it is again, rather than sending the user straight back signed in.
    browser.go(TRACKER + reverse("oidc_authentication_init"))
    assert browser.url.startswith(configured.issuer) and "Provider login" in browser.text


def test_without_password_login_only_a_superuser_logs_in_with_a_password(configured, settings, alice,
                                                                          django_user_model):
    settings.PASSWORD_LOGIN = False
    client = Client()
    page = client.get(reverse("login")).text
    assert 'type="password"' not in page and reverse("oidc_authentication_init") in page

    page = client.post(reverse("login"), {"username": "alice", "password": "password-alice"}).text
    assert "Inloggen met een wachtwoord staat uit" in page
    assert "_auth_user_id" not in client.session

    django_user_model.objects.create_superuser("beheer", password="break-glass-password")
    response = client.post(reverse("admin:login"), {"username": "beheer", "password": "break-glass-password"})
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_password_login_stays_next_to_the_provider_by_default(configured, alice):
    client = Client()
    page = client.get(reverse("login")).text
    assert 'type="password"' in page and reverse("oidc_authentication_init") in page
    response = client.post(reverse("login"), {"username": "alice", "password": "password-alice"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(alice.pk)


def test_in_a_browser_signing_in_and_out_pass_through_the_provider(browser, live_server, committed_register, settings,
                                                                    tmp_path):
    with running_provider(tmp_path, live_server.url) as provider:
        configure(settings, provider)
        # What settings.py adds with OIDC_ISSUER set (test below); without it Chromium stops the logout.
        directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
        form_action = [*directives["form-action"], provider.issuer]
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "form-action": form_action}}
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        violations = []
        page.on("console", lambda line: "Content Security Policy" in line.text and violations.append(line.text))
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Inloggen via uw organisatie").click()
        page.fill("input[name=login]", "anna")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#board")).to_be_visible()
        expect(page.locator(".who")).to_have_text("Anna de Vries")

        page.get_by_role("button", name="Uitloggen").click()
        page.locator("button[name=logout]").click()  # the provider asks to confirm
        expect(page).to_have_url(f"{live_server.url}/accounts/login/")
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
        context.close()
        assert violations == []


def test_with_an_issuer_the_settings_let_the_logout_form_lead_to_the_provider():
    show = "from tracker import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    env = {**os.environ, "OIDC_ISSUER": "https://login.example.invalid/tenant/v2.0"}
    output = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[\"'self'\", 'https://login.example.invalid']"


def test_without_a_provider_passwords_stay_on_so_nobody_is_locked_out(settings, alice):
    settings.PASSWORD_LOGIN = False
    client = Client()
    assert 'type="password"' in client.get(reverse("login")).text
    response = client.post(reverse("login"), {"username": "alice", "password": "password-alice"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(alice.pk)
