"""Production mode: deployment checks, health, the security policy and login throttling."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from legislation.models import Bill
from reminders.sweep import send_due_reminders
from tests.test_admin import as_staff

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_reports_nothing_with_the_production_settings():
    env = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "wetgeving.example.nl",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


class TestHealth:
    def test_healthy_after_a_sweep(self, client, settings, db):
        settings.REDIS_URL = "redis://127.0.0.1:6379/0"
        send_due_reminders()
        response = client.get(reverse("health"))
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["ok"] and body["database"]["ok"] and body["redis"]["ok"]
        assert body["reminder_sweep"]["age_seconds"] < 60

    def test_a_missing_sweep_or_redis_is_a_503(self, client, settings, db):
        response = client.get(reverse("health"))
        assert response.status_code == 503
        assert response.json()["reminder_sweep"] == {"ok": False, "age_seconds": None, "detail": "no sweep has finished yet"}
        send_due_reminders()
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        response = client.get(reverse("health"))
        assert response.status_code == 503
        assert response.json()["redis"]["ok"] is False

    def test_a_sweep_that_stopped_is_reported(self, client, settings, db, time_machine):
        time_machine.move_to("2026-03-02 09:00 +01:00", tick=False)
        send_due_reminders()
        time_machine.shift(3 * settings.REMINDER_SWEEP_SECONDS + 60)
        body = client.get(reverse("health")).json()
        assert body["reminder_sweep"]["ok"] is False and body["reminder_sweep"]["age_seconds"] > 900


def test_pages_carry_a_strict_content_security_policy(client, alice):
    client.force_login(alice)
    policy = client.get(reverse("board"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("attempts", [5])
def test_password_guessing_is_stopped(client, alice, attempts):
    login = reverse("login")
    for _ in range(attempts - 1):
        assert client.post(login, {"username": "alice", "password": "raden"}).status_code == 200
    response = client.post(login, {"username": "alice", "password": "raden"})
    assert response.status_code == 429
    assert "geblokkeerd" in response.content.decode()
    # Even the right password is refused while the lockout lasts.
    response = client.post(login, {"username": "alice", "password": "password-alice"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                    "Cross-Origin-Opener-Policy")


@pytest.mark.parametrize("name, args", [
    ("board", []), ("bill-list", []), ("register-csv", []), ("overview", []), ("overview-xlsx", []),
    ("reminder-settings", []), ("bill-detail", ["first"]), ("admin:legislation_bill_changelist", []),
])
def test_every_authenticated_page_and_download_is_kept_by_no_cache(client, alice, name, args):
    as_staff(client, alice)
    if args == ["first"]:
        args = [Bill.objects.order_by("key").first().key]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_calendar_feed_is_kept_by_no_cache(client, alice):
    from reminders.models import ReminderPreference

    response = client.get(reverse("reminder-calendar", args=[ReminderPreference.of(alice).calendar_token]))
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_error_pages_carry_the_security_headers_of_the_other_pages(client, alice, monkeypatch):
    client.force_login(alice)
    expected = {name: client.get(reverse("board"))[name] for name in SECURITY_HEADERS}
    monkeypatch.setattr("legislation.board.build_board", lambda *args, **kwargs: 1 / 0)
    client.raise_request_exception = False
    errors = {
        404: client.get("/bestaat-niet/"),
        400: client.get(reverse("bill-list"), {"q": "\x00"}),
        500: client.get(reverse("board")),
        405: client.delete(reverse("board")),
    }
    for status, response in errors.items():
        assert response.status_code == status
        assert {name: response.get(name) for name in SECURITY_HEADERS} == expected, status
        assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}, status
    client.logout()
    for _ in range(5):
        locked = client.post(reverse("login"), {"username": "alice", "password": "raden"})
    no_token = Client(enforce_csrf_checks=True).post(reverse("board"))
    for status, response in ((429, locked), (403, no_token)):
        assert response.status_code == status
        assert {name: response.get(name) for name in SECURITY_HEADERS} == expected, status


def web_process_options(**env):
    """gunicorn's options as the Procfile's `web` line gives them in the environment `env`."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = subprocess.run(["sh", "-c", f"for word in {line[4:]}; do printf '%s\\n' \"$word\"; done"],
                           env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, check=True)
    from gunicorn.config import Config

    return Config().parser().parse_args(words.stdout.splitlines()[2:])


def test_two_deployments_on_one_host_have_their_own_gunicorn_control_socket():
    first, second = web_process_options(VAR_DIR="/srv/a/var"), web_process_options(VAR_DIR="/srv/b/var")
    assert first.control_socket and first.control_socket.startswith("/srv/a/var/")
    assert second.control_socket.startswith("/srv/b/var/")


def test_no_request_holds_a_web_worker_longer_than_the_configured_time():
    assert web_process_options().timeout == 30
    assert web_process_options(WEB_TIMEOUT="12").timeout == 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement timeouts are PostgreSQL's")
class TestStatementTimeout:
    def test_the_web_processes_connections_cut_off_a_long_statement(self, db, settings):
        import tracker.wsgi  # noqa: F401  (the web's entry point, which sets the limit on each connection)

        settings.WEB_STATEMENT_TIMEOUT = 7
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                assert cursor.fetchone()[0] == "7s"
        finally:
            other.close()

    def test_a_statement_cut_off_is_a_dutch_page_saying_so(self, client, alice, monkeypatch):
        client.force_login(alice)

        def slow(*args, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 100")
                cursor.execute("SELECT pg_sleep(5)")

        monkeypatch.setattr("legislation.board.build_board", slow)
        client.raise_request_exception = False
        response = client.get(reverse("board"))
        assert response.status_code == 503 and response["Retry-After"]
        assert "Dit kostte de database te veel tijd" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/accounts/password_reset/done/",
                                  "/accounts/reset/MQ/set-password/", "/accounts/reset/done/"])
def test_there_is_no_password_reset_by_email(client, alice, mailoutbox, path):
    alice.email = "alice@example.invalid"
    alice.save()
    assert client.get(path).status_code in (302, 404)  # logging in first, then nothing there
    client.force_login(alice)
    assert client.post(path, {"email": alice.email}).status_code == 404
    assert mailoutbox == []


def test_a_logged_in_user_still_changes_their_password(client, alice):
    client.force_login(alice)
    assert client.get(reverse("password_change")).status_code == 200
