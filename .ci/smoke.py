"""End-to-end smoke test of production mode, as CI runs it.

Starts web (gunicorn), worker and beat from the Procfile with honcho, on the
machine's PostgreSQL and Redis, then over HTTP: logs in, loads the board, moves
a card, and waits for the reminder a real Celery worker sends.
"""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from load import Browser  # noqa: E402  (the benchmarks' HTTP client)

PORT = 8765
DATABASE_URL = os.environ.get("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_smoke")


def main():
    var = tempfile.mkdtemp(prefix="smoke-")
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; a load balancer terminates TLS in production
        "VAR_DIR": var,
        "BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": "2",
        "REMINDER_SWEEP_SECONDS": "3",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    manage = [python, "manage.py"]
    run = lambda *args: subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: E731

    from common import recreate_postgres

    recreate_postgres(DATABASE_URL)
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True)
    run("migrate", "--no-input")
    run("collectstatic", "--no-input")
    run("load_register")
    run("shell", "-c", SETUP)

    honcho = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "honcho"), "start"], cwd=ROOT, env={**env, "PATH": f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"},
        stdout=open(Path(var) / "honcho.log", "w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        browser = wait_for_web()
        browser.log_in_as("smoke", "smoke-wachtwoord-1234")
        status, board = browser.request("GET", "/")
        check(status == 200 and b'id="board"' in board, "the board loads")
        status, css = browser.request("GET", "/static/css/tracker.css")
        check(status == 200, "static files are served (whitenoise)")
        status, moved = browser.request(
            "POST", "/register/H08-A-01/move/", {"stage": "tweede_kamer", "version": 2, "next": "/"}, {"HX-Request": "true"}
        )
        check(status == 200 and b'data-stage="tweede_kamer"' in moved, "a card moves")
        mail = wait_for_mail(Path(var) / "mail")
        check("Cyberbeveiligingswet" in mail or "Smoketest" in mail, "a reminder was delivered by the worker")
        status, health = browser.request("GET", "/health/")
        check(status == 200, f"the health endpoint is green: {health.decode()}")
    except AssertionError:
        print(open(Path(var) / "honcho.log").read()[-6000:])
        raise
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(20)
    faults(env, run)
    print("smoke test passed")


def faults(env, run):
    """Reminders survive a Redis restart and a killed worker: each is sent once, none is lost."""
    port = 6391  # a Redis of its own, so that restarting it disturbs nothing else on the machine
    var = tempfile.mkdtemp(prefix="smoke-faults-")
    env = {**env, "REDIS_URL": f"redis://127.0.0.1:{port}/0", "VAR_DIR": var}
    log = open(Path(var) / "processes.log", "w")
    celery = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "tracker"]

    def start(*command):
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def redis_server():
        server = start("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        time.sleep(0.5)
        return server

    redis, worker, beat = redis_server(), start(*celery, "worker", "--concurrency", "1"), start(*celery, "beat")
    try:
        run("shell", "-c", RECIPIENTS % {"first": 1, "last": 3})
        wait_for_mails(Path(var) / "mail", 3)
        check(True, "three reminders sent on Redis")

        worker.kill()  # SIGKILL: no goodbye to the broker
        worker.wait()
        redis.terminate()
        redis.wait()
        redis = redis_server()  # a restarted Redis keeps nothing (--save "")
        run("shell", "-c", RECIPIENTS % {"first": 4, "last": 6})
        worker = start(*celery, "worker", "--concurrency", "1")
        mails = wait_for_mails(Path(var) / "mail", 6)
        time.sleep(3 * int(env["REMINDER_SWEEP_SECONDS"]))  # more sweeps: they must send nothing again
        mails = read_mails(Path(var) / "mail")
        recipients = sorted(line for mail in mails for line in mail.splitlines() if line.startswith("To: "))
        check(recipients == sorted(f"To: fout-{n}@example.invalid" for n in range(1, 7)),
              f"after a killed worker and a Redis restart every reminder came exactly once: {recipients}")
    finally:
        for process in (worker, beat, redis):
            process.terminate()
            process.wait(20)


RECIPIENTS = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from legislation.models import Bill, Milestone
bill = Bill.objects.get(key="H08-A-03")
for n in range(%(first)d, %(last)d + 1):
    user = get_user_model().objects.create_user(f"fout-{n}", f"fout-{n}@example.invalid")
    Milestone.objects.create(bill=bill, kind="overig", label=f"Storingstest {n}", planned_date=timezone.localdate(), owner=user)
"""


def read_mails(folder):
    return [f.read_text(errors="replace") for f in sorted(folder.glob("*.log"))] if folder.exists() else []


def wait_for_mails(folder, count):
    for _ in range(90):
        mails = read_mails(folder)
        if sum(mail.count("\nTo: ") + mail.startswith("To: ") for mail in mails) >= count:
            return mails
        time.sleep(1)
    raise AssertionError(f"fewer than {count} reminders within 90 seconds")


SETUP = """
import datetime
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from legislation.models import Bill, Milestone
user = get_user_model().objects.create_user("smoke", "smoke@example.invalid", "smoke-wachtwoord-1234")
user.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
Milestone.objects.create(bill=Bill.objects.get(key="H08-A-01"), kind="overig", label="Smoketest-mijlpaal",
                         planned_date=timezone.localdate(), owner=user)
"""


def wait_for_web():
    for _ in range(150):
        try:
            browser = SmokeBrowser()
            browser.request("GET", "/accounts/login/")
            return browser
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 30 seconds")


def wait_for_mail(folder):
    for _ in range(60):
        files = list(folder.glob("*.log")) if folder.exists() else []
        if files:
            return "\n".join(f.read_text(errors="replace") for f in files)
        time.sleep(1)
    raise AssertionError("no reminder was sent within 60 seconds")


def check(condition, what):
    if not condition:
        raise AssertionError(f"failed: {what}")
    print(f"ok: {what}")


class SmokeBrowser(Browser):
    def log_in_as(self, username, password):
        self.request("GET", "/accounts/login/")
        status, _ = self.request("POST", "/accounts/login/", {"username": username, "password": password, "next": "/"})
        check(status == 302, "logging in over HTTP")


if __name__ == "__main__":
    main()
