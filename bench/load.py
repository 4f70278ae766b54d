"""Throughput and errors of the board and of moves under concurrent clients, against gunicorn on loopback.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench
    .venv/bin/python bench/load.py --items 10000 --clients 8 --seconds 20
    .venv/bin/python bench/load.py --database-url … --peer-url http://127.0.0.1:8766/api/cards/

The database named is emptied and filled: never point it at one you keep. Every
request goes to 127.0.0.1 only; each client stops after --seconds. An error is a
5xx answer or a failed connection; a refused move (409, 422) is an answer, not an error.

With --peer-url the same clients also time another board service on loopback, in
rounds that alternate with the tracker's board (--rounds), so both see the same
machine: each client logs in there as the same user with the same password
(--peer-login, a Django login form), then GETs the peer's board address. The peer
must read the same database (README, "Benchmarks": the DRF board of bench/peer/).
"""

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
from common import ROOT, throwaway  # noqa: E402

PORT = 8765
PASSWORD = "bench-wachtwoord-1234"


class Browser:
    """One client of the service at `port` on loopback: keeps its cookies and CSRF token, as a browser would."""

    def __init__(self, port=PORT, login="/accounts/login/"):
        self.port, self.login = port, login
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def again(self):
        """A new connection as the same user (after a failed one)."""
        fresh = Browser(self.port, self.login)
        fresh.cookies = dict(self.cookies)
        return fresh

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
        self.request("GET", self.login)
        status, _ = self.request("POST", self.login, {"username": username, "password": PASSWORD, "next": "/"})
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


def logged_in(clients, port=PORT, login="/accounts/login/"):
    """One logged-in Browser per client, each its own user."""
    browsers = []
    for number in range(clients):
        browser = Browser(port, login)
        browser.log_in(f"bench-{number}")
        browsers.append(browser)
    return browsers


def run(browsers, seconds, work):
    """Run `work(client_number, step, browser)` in a loop on every client for `seconds`; collect statuses and times."""
    clients = len(browsers)
    results = [[] for _ in range(clients)]
    began = time.monotonic()
    stop = began + seconds

    def loop(number):
        step = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status = work(number, step, browsers[number])
            except (OSError, http.client.HTTPException):
                status, browsers[number] = "connection", browsers[number].again()
            results[number].append((status, (time.perf_counter() - start) * 1000))
            step += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began  # a request begun before the stop is waited for, and counted
    flat = [r for rs in results for r in rs]
    times = sorted(t for _, t in flat)
    errors = sum(1 for status, _ in flat if status == "connection" or status >= 500)
    statuses = {}
    for status, _ in flat:
        statuses[status] = statuses.get(status, 0) + 1
    return len(flat) / elapsed, errors, statistics.median(times), times[int(len(times) * 0.95) - 1], statuses


def report(name, result, items, args):
    rate, errors, median, p95, statuses = result
    print(f"{name:>6} items={items:>6} clients={args.clients} workers={args.workers}: {rate:7.1f} req/s, "
          f"p50={median:6.1f} ms, p95={p95:6.1f} ms, errors={errors}, answers={statuses}", flush=True)
    return rate


def time_peer(args):
    """The peer's board under the same clients: each logs in there, then GETs its board address."""
    address = urlsplit(args.peer_url)
    assert address.hostname in ("127.0.0.1", "localhost"), "the peer must be on loopback"
    browsers = logged_in(args.clients, address.port, args.peer_login)
    path = address.path + (f"?{address.query}" if address.query else "")

    def board(number, step, browser):
        status, content = browser.request("GET", path, headers={"Accept": "application/json"})
        assert status != 200 or content.startswith((b"[", b"{")), "the peer's board is not JSON"
        return status

    return run(browsers, args.seconds, board)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--items", type=int, default=0, help="grow the programme to this many bills (default: the register)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the board, with --peer-url")
    parser.add_argument("--peer-url", help="another board service on loopback to time in the same run")
    parser.add_argument("--peer-login", default="/api-auth/login/", help="the peer's login form (default: DRF's)")
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
        browsers = logged_in(args.clients)
        ours, theirs = [], []
        for round_number in range(args.rounds if args.peer_url else 1):
            ours.append(report("board", run(browsers, args.seconds, board), items, args))
            if args.peer_url:
                theirs.append(report("peer", time_peer(args), items, args))
        if args.peer_url:
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(f"board req/s, median of {args.rounds} alternating rounds: tracker {statistics.median(ours):.1f}, "
                  f"peer {statistics.median(theirs):.1f}: x{ratio:.1f} the peer's")
        report("moves", run(browsers, args.seconds, move), items, args)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
