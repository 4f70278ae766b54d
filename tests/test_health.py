"""/health/ and the pages when the database fails: a 503 that names the failing part, never a 500 or a hang."""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse


ROOT = Path(__file__).resolve().parent.parent
ASK_HEALTH = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
settings.DEBUG = False  # as in production (and in pytest-django), without its static files manifest
client = Client(raise_request_exception=False)
for path in ("/health/", "/agenda/abc.ics"):
    response = client.get(path)
    print(json.dumps([response.status_code, response.content.decode()]))
"""


class FakeServer:
    """A TCP server on loopback that says `answer` to whoever connects, or nothing at all."""

    def __init__(self, answer=None):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(peer)  # kept open: a silent server neither answers nor hangs up
            if self.answer is not None:
                peer.sendall(self.answer)
                peer.close()

    def close(self):
        self.listener.close()
        for peer in self.held:
            peer.close()


def ask_with(database_url):
    """What /health/ and the calendar feed answer in a process whose database is at `database_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATABASE_CONNECT_TIMEOUT": "2", "ALLOWED_HOSTS": "testserver",
           "DJANGO_SETTINGS_MODULE": "tracker.settings", "REDIS_URL": ""}
    done = subprocess.run([sys.executable, "-c", ASK_HEALTH], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    (health_status, health), (feed_status, feed) = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    return health_status, json.loads(health), feed_status, feed


@pytest.mark.parametrize("server", ["refusing", "silent", "not PostgreSQL"])
def test_a_database_that_does_not_answer_is_a_503_naming_it(server):
    fake = FakeServer(None if server == "silent" else b"HTTP/1.1 400 Bad Request\r\n\r\n")
    if server == "refusing":
        fake.close()  # nothing listens there any more
    try:
        status, body, feed_status, feed = ask_with(f"postgres://postgres@127.0.0.1:{fake.port}/tracker")
    finally:
        fake.close()
    assert status == 503
    assert body["ok"] is False and body["database"]["ok"] is False
    assert body["reminder_sweep"]["ok"] is False
    assert feed_status == 503 and "De database" in feed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement timeouts are PostgreSQL's")
def test_a_slow_database_is_a_503_within_the_health_timeout(client, settings, db):
    settings.HEALTH_TIMEOUT = 0.5
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")}) as other:
        other.execute("LOCK TABLE reminders_sweeplock IN ACCESS EXCLUSIVE MODE")
        threading.Timer(10, other.close).start()  # so that a health check without a timeout ends too
        response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["reminder_sweep"]["ok"] is False and "QueryCanceled" in body["reminder_sweep"]["error"]
