"""Large imports and an item with many milestones, and what they do to the board served next to them.

    .venv/bin/python bench/hardening.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench

The database named is emptied and filled: never point it at one you keep. Prints:
- a milestone import of --rows rows (each changes a label), preview and apply, as the admin runs them;
- the item's page, its admin change form and the board for an item with --milestones milestones;
- the board's p50/p95 idle, and again while one client loads that item's page and admin form and the
  import runs, with the ratio of the two p95s.
"""

import argparse
import datetime
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, throwaway
from load import PASSWORD, Browser, start_gunicorn


APPLY = """
import sys, django
django.setup()
import tablib
from django.contrib.auth import get_user_model
from legislation.resources import MilestoneResource
dataset = tablib.Dataset().load(open(sys.argv[1]).read(), format="csv")
user = get_user_model().objects.get(username="bench-central")
result = MilestoneResource().import_data(dataset, dry_run=False, user=user, file_name="bench.csv")
assert not result.has_errors() and not result.has_validation_errors()
"""


def timed(work):
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def board_times(browser, seconds, stop_early=None):
    times = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop and not (stop_early and stop_early.is_set()):
        start = time.perf_counter()
        status, _ = browser.request("GET", "/")
        assert status == 200, status
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)], len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--milestones", type=int, default=100, help="milestones of one item (100: the most allowed)")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with throwaway(args.database_url) as env:
        measure(args, env)


def measure(args, env):
    import tablib
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from legislation.models import Bill, Milestone
    from legislation.resources import MilestoneResource

    User = get_user_model()
    central = User.objects.create_user("bench-central", password=PASSWORD, is_staff=True, is_superuser=True)
    central.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
    bills = list(Bill.objects.order_by("key"))
    crowded = bills[0]
    day = datetime.date(2027, 1, 1)
    Milestone.objects.bulk_create(Milestone(bill=crowded, kind="overig", label=f"Mijlpaal {n}",
                                            planned_date=day + datetime.timedelta(days=n % 700))
                                  for n in range(args.milestones))
    spread = max(args.rows - args.milestones, 0)
    Milestone.objects.bulk_create(Milestone(bill=bills[1 + n % (len(bills) - 1)], kind="overig", label=f"Stap {n}")
                                  for n in range(spread))

    first = Milestone.objects.order_by("pk").values_list("pk", flat=True)[: args.rows]
    exported = MilestoneResource().export(queryset=Milestone.objects.filter(pk__in=list(first)))
    changed = tablib.Dataset(headers=exported.headers)
    label = exported.headers.index("label")
    for row in exported:
        changed.append([*row[:label], f"{row[label]} (nieuw)", *row[label + 1:]])

    def run_import(dry_run):
        result = MilestoneResource().import_data(changed, dry_run=dry_run, user=central, file_name="bench.csv")
        assert not result.has_errors() and not result.has_validation_errors()
        return result

    result, preview = timed(lambda: run_import(True))
    print(f"import of {len(changed)} milestone rows: preview {preview:6.1f} s ({result.totals['update']} changes)")

    server = start_gunicorn(env, 4)
    try:
        browser = Browser()
        browser.log_in("bench-central")
        for name, path in (("item page", f"/register/{crowded.key}/"),
                           ("admin change form", f"/admin/legislation/bill/{crowded.pk}/change/"),
                           ("board", "/")):
            (status, body), seconds = timed(lambda: browser.request("GET", path))
            print(f"{name:>18} of an item with {args.milestones} milestones: {seconds * 1000:7.0f} ms, "
                  f"{len(body) // 1024} kB, status {status}")

        idle_p50, idle_p95, idle_n = board_times(browser, args.seconds)
        print(f"board idle: p50 {idle_p50:6.1f} ms, p95 {idle_p95:6.1f} ms ({idle_n} requests)")

        done = threading.Event()
        other = Browser()
        other.log_in("bench-central")

        def busy():
            while not done.is_set():
                other.request("GET", f"/register/{crowded.key}/")
                other.request("GET", f"/admin/legislation/bill/{crowded.pk}/change/")

        def apply():
            # In a process of its own, as a web worker would run it: not competing for this one's interpreter.
            csv_file = Path(env["VAR_DIR"]) / "import.csv"
            csv_file.write_text(changed.export("csv"))
            _, seconds = timed(lambda: subprocess.run([sys.executable, "-c", APPLY, str(csv_file)], cwd=ROOT,
                                                      env=env, check=True))
            print(f"import of {len(changed)} milestone rows: apply   {seconds:6.1f} s (next to the board)")

        threads = [threading.Thread(target=busy), threading.Thread(target=apply)]
        for thread in threads:
            thread.start()
        busy_p50, busy_p95, busy_n = board_times(browser, args.seconds)
        threads[1].join()
        done.set()
        threads[0].join()
        print(f"board busy: p50 {busy_p50:6.1f} ms, p95 {busy_p95:6.1f} ms ({busy_n} requests); "
              f"p95 {busy_p95 / idle_p95:4.1f} × idle")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()  # a worker still busy with a slow page


if __name__ == "__main__":
    main()
