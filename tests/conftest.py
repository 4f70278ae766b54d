import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from legislation.models import Bill, Chapter, Ministry

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

_keys = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real register, loaded once; each test runs in a transaction on top of it."""
    with django_db_blocker.unblock():
        call_command("load_register", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jenv(db):
    return Ministry.objects.get(code="JenV")


@pytest.fixture
def vws(db):
    return Ministry.objects.get(code="VWS")


@pytest.fixture
def alice(django_user_model, jenv):
    """A coordinator of Justitie en Veiligheid."""
    user = django_user_model.objects.create_user("alice", password="password-alice", first_name="Alice")
    jenv.coordinators.add(user)
    return user


@pytest.fixture
def bob(django_user_model, vws):
    """A coordinator of VWS."""
    user = django_user_model.objects.create_user("bob", password="password-bob", first_name="Bob")
    vws.coordinators.add(user)
    return user


@pytest.fixture
def charlie(django_user_model):
    """The central coordinator: steers every ministry's bills."""
    user = django_user_model.objects.create_user("charlie", password="password-charlie", first_name="Charlie")
    user.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
    return user


@pytest.fixture
def dave(django_user_model):
    """Logged in, coordinates nothing: may look, not change."""
    return django_user_model.objects.create_user("dave", password="password-dave")


@pytest.fixture
def make_bill(db, jenv):
    def make(instrument="wet", stage="aangekondigd", lead_ministry=None, **fields):
        fields.setdefault("chapter", Chapter.objects.get(code="H8"))
        fields.setdefault("category", "aangekondigd")
        fields.setdefault("title", "Wetsvoorstel voor een test")
        fields.setdefault("short_title", "Testwet")
        return Bill.objects.create(
            key=f"T{next(_keys):04d}",
            instrument=instrument,
            stage=stage,
            lead_ministry=lead_ministry or jenv,
            **fields,
        )

    return make


@pytest.fixture
def committed_register(transactional_db):
    """The register for tests whose writes are committed for real (threads, processes, a live server).

    Such tests run last and each leaves the database empty: load the register if it is gone.
    """
    if not Chapter.objects.exists():
        call_command("load_register", stdout=open(os.devnull, "w"))


@pytest.fixture
def python_process(committed_register, tmp_path):
    """Start `python <arguments>` (e.g. "manage.py", "send_reminders") in the project, on this test's database.

    Mail goes to files in `tmp_path`, as on the embedded default. SQLite's test
    database lives in memory: the first process started gets a file copy of
    it, which the later ones share, so what they write stays there.
    """
    env = {}

    def start(*arguments):
        if not env:
            env.update(_process_env(tmp_path))
        return subprocess.Popen(
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    return start


def _process_env(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ("EMAIL_HOST", "REDIS_URL")}
    env["VAR_DIR"] = str(tmp_path)
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(tmp_path / "tracker.sqlite3") as copy:
            connection.connection.backup(copy)
        env.pop("DATABASE_URL", None)
    else:
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        )
    return env


@pytest.fixture
def run_twice_on_a_worker():
    """`run_twice_on_a_worker(task_name, redis_url)`: send the task twice, as two schedulers would, through the
    Redis at `redis_url` (on a queue of its own, so no other worker takes it), and wait until a real Celery
    worker with the project's configuration ran both."""
    queues = []

    def run(task_name, url):
        server = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            server.ping()
        except redis.exceptions.ConnectionError as error:
            pytest.fail(
                f"This test needs Redis on 127.0.0.1:6379 and cannot reach it ({error}). Start it with: "
                "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
                pytrace=False,
            )
        app = Celery("tracker-test")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        queue = f"tracker-test-{uuid.uuid4().hex}"
        queues.append((server, queue))
        app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
        finished = threading.Semaphore(0)

        def count(sender, **kwargs):
            finished.release()

        task_postrun.connect(count, weak=False)
        try:
            with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
                task = app.tasks[task_name]
                sent = [task.delay(), task.delay()]
                assert not any(isinstance(result, EagerResult) for result in sent)  # through Redis, not in-process
                for _ in range(2):
                    assert finished.acquire(timeout=60), "the worker did not run the task within a minute"
        finally:
            task_postrun.disconnect(count)

    yield run
    for server, queue in queues:
        server.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain blocking ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def coordinator(committed_register, django_user_model):
    """A coordinator of JenV, for the browser tests."""
    user = django_user_model.objects.create_user("greta", password="wachtwoord-greta", first_name="Greta")
    Ministry.objects.get(code="JenV").coordinators.add(user)
    return user


@pytest.fixture
def open_page(browser, live_server, coordinator):
    """Open a browser tab of a given size in which the coordinator is logged in, on the board."""
    contexts = []

    def open_page(width=2200, height=1000, username="greta", password="wachtwoord-greta"):
        context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button.primary")
        expect(page.locator("#board")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """A wide browser tab in which the coordinator is logged in, on the board."""
    return open_page()


@pytest.fixture
def screenshot():
    """Save a screenshot of the page to test-artifacts/ (kept by CI), named by page and width: the whole page,
    or of a long one its first three screens, so that it stays readable."""
    ARTIFACTS.mkdir(exist_ok=True)

    def screenshot(page, name):
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        tall = min(page.evaluate("document.documentElement.scrollHeight"), 3 * height)
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True,
                        clip={"x": 0, "y": 0, "width": width, "height": tall})

    return screenshot
