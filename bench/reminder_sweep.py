"""How long one reminder sweep takes over 100,000 milestones, and how many queries it runs.

    .venv/bin/python bench/reminder_sweep.py                  # SQLite, a file in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker .venv/bin/python bench/reminder_sweep.py

With DATABASE_URL the benchmark creates a database of its own next to the one
named (`<name>_reminder_bench`) and drops it afterwards: the named one is not
touched, and neither is var/tracker.sqlite3.

The data: milestones planned over two years back and two years ahead, nine in
ten of the past ones met; a third owned by a person, the rest reminding the
three coordinators of the lead ministry. Mail goes to memory, and one email is
rendered before, as a worker that has been running has done. Printed: the
sweep of the first morning (everything due is new), the same sweep again
(nothing new: the steady state of a sweep every five minutes), and the sweep of
the next morning.
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MINISTRIES = 15
COORDINATORS_PER_MINISTRY = 3
OWNERS = 250
MILESTONES_PER_BILL = 20


def throwaway_database():
    """Point DATABASE_URL at an empty database of our own; return a function that removes it."""
    url = os.environ.get("DATABASE_URL")
    folder = tempfile.TemporaryDirectory(prefix="reminder-bench-")
    os.environ["VAR_DIR"] = folder.name
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/bench.sqlite3"
        return folder.cleanup
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_reminder_bench"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        folder.cleanup()

    return drop


def build(total, today):
    from django.contrib.auth import get_user_model

    from legislation.models import Bill, Chapter, Milestone, MilestoneKind, Ministry

    rng = random.Random(2025)
    User = get_user_model()
    chapter = Chapter.objects.create(code="B1", title="Benchmark", position=1)
    ministries = Ministry.objects.bulk_create(Ministry(code=f"M{n}", name=f"Ministerie {n}") for n in range(MINISTRIES))
    coordinators = User.objects.bulk_create(
        User(username=f"coord-{n}", email=f"coord-{n}@example.nl")
        for n in range(MINISTRIES * COORDINATORS_PER_MINISTRY)
    )
    for n, ministry in enumerate(ministries):
        ministry.coordinators.set(coordinators[n * COORDINATORS_PER_MINISTRY : (n + 1) * COORDINATORS_PER_MINISTRY])
    owners = User.objects.bulk_create(User(username=f"owner-{n}", email=f"owner-{n}@example.nl") for n in range(OWNERS))
    bills = Bill.objects.bulk_create(
        (
            Bill(key=f"B{n:05d}", chapter=chapter, category="aangekondigd", title="Benchmark", short_title=f"Wet {n}",
                 instrument="wet", lead_ministry=rng.choice(ministries))
            for n in range(total // MILESTONES_PER_BILL)
        ),
        batch_size=2000,
    )
    kinds = MilestoneKind.values

    def milestone(bill):
        planned = today + dt.timedelta(days=rng.randint(-730, 730))
        met = planned < today and rng.random() < 0.9
        return Milestone(
            bill=bill, kind=rng.choice(kinds), planned_date=planned, actual_date=planned if met else None,
            owner=rng.choice(owners) if rng.random() < 1 / 3 else None,
        )

    Milestone.objects.bulk_create(
        (milestone(bill) for bill in bills for _ in range(MILESTONES_PER_BILL)), batch_size=5000
    )
    return Milestone.objects.count()


def warm_up():
    """Do once what a running worker did long before the morning: import the mail code, compile the templates."""
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.utils import timezone

    from reminders.emails import reminder_message
    from reminders.models import ReminderEmail

    recipient = get_user_model()(username="warm-up", email="warm-up@example.nl")
    email = ReminderEmail(pk=1, recipient=recipient, created_at=timezone.now())
    row = {"planned_date": timezone.localdate(), "milestone__precision": "day", "milestone__bill__key": "W1",
           "milestone__bill__short_title": "Wet", "milestone__label": "", "milestone__kind": "publicatie"}
    reminder_message(email, [row]).send()
    mail.outbox = []


def measure(label, moment):
    import time_machine
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders.sweep import send_due_reminders

    mail.outbox = []
    with time_machine.travel(moment, tick=True), CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        report = send_due_reminders()
        seconds = time.perf_counter() - start
    print(f"{label:<28} {seconds:6.2f} s  {len(queries):5d} queries  {len(mail.outbox):4d} emails   {report}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--milestones", type=int, default=100_000)
    total = parser.parse_args().milestones

    sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
    remove = throwaway_database()
    try:
        sweeps(total)
    finally:
        remove()


def sweeps(total):
    os.environ.update(DEBUG="0", DJANGO_SETTINGS_MODULE="tracker.settings")
    os.environ.setdefault("SECRET_KEY", "reminder-benchmark-only-not-a-secret-0123456789-abcdefghij")
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("EMAIL_HOST", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    today = dt.date(2025, 3, 19)  # a Wednesday
    start = time.perf_counter()
    count = build(total, today)
    print(f"{connection.vendor}: {count} milestones built in {time.perf_counter() - start:.1f} s")
    morning = dt.datetime.combine(today, dt.time(7, 5), tzinfo=ZoneInfo(settings.TIME_ZONE))
    warm_up()
    measure("first sweep of the day", morning)
    measure("same sweep again", morning + dt.timedelta(minutes=5))
    measure("next morning", morning + dt.timedelta(days=1))


if __name__ == "__main__":
    main()
