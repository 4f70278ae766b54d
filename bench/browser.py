"""Time from navigation to a usable board in Debian's Chromium, at the register's size and at 10,000 items.

    .venv/bin/python bench/browser.py [--database-url postgres://postgres@127.0.0.1:5432/tracker_bench]

The database named is emptied and filled: never point it at one you keep. The tracker runs under
gunicorn on loopback as in production (bench/load.py). "Usable" is the mark `board-usable` that
static/js/board.js sets once its drag-and-drop and focus handlers are attached; board.js is deferred,
so the board's cards are in the page by then, and htmx (which posts a drop) has run before it.
Printed per size: that mark's time after navigation started, first (static files not yet cached)
and the median and p95 of the visits after it, with the first contentful paint and the cards drawn.
"""

import argparse
import os
import statistics
import sys

sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
from common import grow, throwaway  # noqa: E402
from load import PASSWORD, PORT, start_gunicorn  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
READ = """() => ({
    usable: performance.getEntriesByName("board-usable")[0].startTime,
    paint: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime,
    cards: document.querySelectorAll("#board .card").length,
    draggable: document.querySelectorAll("#board .card[draggable=true]").length,
})"""


def visit(page, url):
    page.goto(url)
    page.wait_for_function('performance.getEntriesByName("board-usable").length > 0')
    return page.evaluate(READ)


def measure(env, label, repeat):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from playwright.sync_api import sync_playwright

    from legislation.models import Bill

    User = get_user_model()
    if not User.objects.filter(username="bench-browser").exists():
        user = User.objects.create_user("bench-browser", password=PASSWORD)
        user.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
    server = start_gunicorn(env, 2)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_context(locale="nl-NL", viewport={"width": 1440, "height": 900}).new_page()
            base = f"http://127.0.0.1:{PORT}"
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "bench-browser")
            page.fill("#id_password", PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"{base}/")
            page.goto("about:blank")  # the first visit below starts from nothing cached but the login page's files
            first = visit(page, f"{base}/")
            visits = sorted((visit(page, f"{base}/") for _ in range(repeat)), key=lambda v: v["usable"])
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    usable = [v["usable"] for v in visits]
    paint = statistics.median(v["paint"] for v in visits if v["paint"] is not None)
    print(f"{label:>10} items={Bill.objects.count():>6}  usable: first {first['usable']:6.0f} ms, "
          f"p50 {statistics.median(usable):6.0f} ms, p95 {usable[int(len(usable) * 0.95) - 1]:6.0f} ms  "
          f"(first contentful paint p50 {paint:5.0f} ms; {first['cards']} cards drawn, {first['draggable']} draggable)",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--sizes", default="register,10000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain blocking ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with throwaway(args.database_url) as env:
        for size in args.sizes.split(","):
            if size != "register":
                grow(int(size))
            measure(env, size, args.repeat)


if __name__ == "__main__":
    main()
