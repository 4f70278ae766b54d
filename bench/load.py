"""Throughput and errors of the board and of moves under concurrent clients, against gunicorn on loopback.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench
    .venv/bin/python bench/load.py --items 10000 --clients 8 --seconds 20

The database named is emptied and filled: never point it at one you keep. Every
request goes to 127.0.0.1 only; each client stops after --seconds. An error is a
5xx answer or a failed connection; a refused move (409, 422) is an answer, not an error.
"""

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
from common import ROOT, throwaway  # noqa: E402

PORT = 8765
PASSWORD = "bench-wachtwoord-1234"


class Browser:
    """One client: keeps its cookies and CSRF token, as a browser would."""

    def __init__(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.cookies.get("csrftoken", "")})
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content

    def log_in(self, username):
        self.request("GET", "/accounts/login/")
        status, _ = self.request("POST", "/accounts/login/", {"username": username, "password": PASSWORD, "next": "/"})
        assert status == 302, f"login failed for {username}: {status}"


def start_gunicorn(env, workers):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(workers),
         "--access-logfile", "/dev/null", "--error-logfile", "-"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/accounts/login/")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def run(clients, seconds, work):
    """Run `work(client_number, browser)` in a loop on every client for `seconds`; collect statuses and times."""
    results = [[] for _ in range(clients)]
    browsers = []
    for number in range(clients):
        browser = Browser()
        browser.log_in(f"bench-{number}")
        browsers.append(browser)
    stop = time.monotonic() + seconds

    def loop(number):
        step = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status = work(number, step, browsers[number])
            except (OSError, http.client.HTTPException):
                status, browsers[number] = "connection", Browser()
            results[number].append((status, (time.perf_counter() - start) * 1000))
            step += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flat = [r for rs in results for r in rs]
    times = sorted(t for _, t in flat)
    errors = sum(1 for status, _ in flat if status == "connection" or status >= 500)
    statuses = {}
    for status, _ in flat:
        statuses[status] = statuses.get(status, 0) + 1
    return len(flat) / seconds, errors, statistics.median(times), times[int(len(times) * 0.95) - 1], statuses


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--items", type=int, default=0, help="grow the programme to this many bills (default: the register)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    with throwaway(args.database_url, args.items) as env:
        measure(env, args)


def measure(env, args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from legislation.models import Bill

    User = get_user_model()
    for number in range(args.clients):
        user = User.objects.create_user(f"bench-{number}", password=PASSWORD)
        user.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
    # Each client moves its own bills, forward and back, so that no move is refused by another's.
    movable = list(Bill.objects.filter(stage="aangekondigd", instrument="wet").order_by("key").values_list("key", flat=True))
    mine = {n: movable[n::args.clients] for n in range(args.clients)}
    versions = {key: 1 for key in movable}

    server = start_gunicorn(env, args.workers)
    try:
        def board(number, step, browser):
            return browser.request("GET", "/")[0]

        def move(number, step, browser):
            key = mine[number][step % len(mine[number])]
            forward = (step // len(mine[number])) % 2 == 0
            form = {"stage": "voorbereiding" if forward else "aangekondigd", "version": versions[key],
                    "reason": "" if forward else "Terug voor de meting", "next": "/"}
            status, content = browser.request("POST", f"/register/{key}/move/", form, {"HX-Request": "true"})
            found = re.search(rb'data-version="(\d+)"', content)
            if found:
                versions[key] = int(found.group(1))
            return status

        items = Bill.objects.count()
        for name, work in (("board", board), ("moves", move)):
            rate, errors, median, p95, statuses = run(args.clients, args.seconds, work)
            print(f"{name:>6} items={items:>6} clients={args.clients} workers={args.workers}: {rate:7.1f} req/s, "
                  f"p50={median:6.1f} ms, p95={p95:6.1f} ms, errors={errors}, answers={statuses}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
