"""Board and move speed, at the size of the real register, at 10,000 and at 100,000 items.

    .venv/bin/python bench/board.py                      # SQLite in a temporary folder
    .venv/bin/python bench/board.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench

The database named is emptied and filled: never point it at one you keep.
Prints, per size: board page server time (median, p95) and SQL queries per page,
the floor (the same SQL run bare, so the overhead above it is a ratio), the time
and queries of one move, what a signed-in page without a board costs, and the
board with and without its kept HTML. It checks that every size runs the same
number of queries per page, and says whether the largest size stays within 3x
the board p50 of 10,000 items in the same run.
"""

import argparse
import statistics
import sys
import time

sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
from common import grow, throwaway  # noqa: E402


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--sizes", default="register,10000,100000",
                        help="comma-separated: 'register' and/or a total number of items")
    parser.add_argument("--repeat", type=int, default=40)
    return parser.parse_args()


def timed(action, repeat):
    times = sorted(timed_all(action, repeat))
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


class Statements(list):
    """Records the SQL a block runs, with its parameters (connection.execute_wrapper)."""

    def __call__(self, execute, sql, params, many, context):
        self.append((sql, params))
        return execute(sql, params, many, context)


def measure(label, repeat):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from legislation.models import Bill, Ministry

    User = get_user_model()
    central, _ = User.objects.get_or_create(username="bench-centraal")
    central.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
    client = Client()
    client.force_login(central)

    def board():
        assert client.get("/").status_code == 200

    board()  # warm caches
    statements = Statements()
    with connection.execute_wrapper(statements):
        board()
    board_median, board_p95 = timed(board, repeat)

    # The floor: the same SQL, run bare.
    def bare():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    floor_median, _ = timed(bare, repeat)
    kept = kept_html_times(board, repeat)
    page_median = signed_in_page_time(client, repeat)

    # A move by the central coordinator, and by a coordinator of the bill's lead ministry (no permission lookup).
    central_move = move_time(client, Bill.objects.all(), repeat)
    ministry = Ministry.objects.annotate(n=Count("led_bills")).order_by("-n")[0]
    coordinator, _ = User.objects.get_or_create(username="bench-coordinator")
    ministry.coordinators.add(coordinator)
    client.force_login(coordinator)
    coordinator_move = move_time(client, ministry.led_bills.all(), repeat)

    items = Bill.objects.count()
    print(f"{label:>10} items={items:>6}  board p50={board_median:7.1f} ms p95={board_p95:7.1f} ms "
          f"queries={len(statements):>2}  floor p50={floor_median:6.1f} ms (x{board_median / floor_median:4.1f})  "
          f"move p50/p95/queries: central {central_move}, lead ministry's coordinator {coordinator_move}", flush=True)
    print(f"{'':>10} a signed-in page without a board (the 404 page: middleware, session, menu) p50 "
          f"{page_median:.1f} ms", flush=True)
    print(f"{'':>10} kept HTML, board p50: " + ", ".join(
        f"{choice} {median:.1f} ms (x{median / floor_median:.1f} floor)" for choice, median in kept.items()), flush=True)
    return items, board_median, len(statements)


# What the board keeps drawn (settings.CACHES): whole boards under everything they show, and each card.
KEPT = {
    "board and cards kept": (),
    "cards kept, board drawn": ("boards",),
    "nothing kept": ("boards", "cards"),
}


def kept_html_times(board, repeat):
    """Board p50 per KEPT choice (the caches it names replaced by a dummy), in alternating rounds."""
    from django.conf import settings
    from django.test import override_settings

    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    times = {choice: [] for choice in KEPT}
    for _round in range(4):
        for choice, dropped in KEPT.items():
            with override_settings(CACHES={**settings.CACHES, **{name: dummy for name in dropped}}):
                board()  # what is kept drawn again after the caches were replaced
                times[choice] += timed_all(board, max(repeat // 4, 1))
    return {choice: statistics.median(choice_times) for choice, choice_times in times.items()}


def signed_in_page_time(client, repeat):
    """The p50 of the least a signed-in page costs here: the 404 page runs the middleware, reads the session and
    draws the menu, and nothing else."""
    import logging

    def page():
        assert client.get("/bestaat-niet/").status_code == 404

    logger = logging.getLogger("django.request")
    level, logger.level = logger.level, logging.ERROR  # no "Not Found" line per request
    try:
        page()
        return timed(page, repeat)[0]
    finally:
        logger.level = level


def timed_all(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def move_time(client, bills, repeat):
    """Median and p95 of moving up to `repeat` of `bills` one stage on their path, and the queries of one move."""
    from django.db import connection

    from legislation.policy import Position, next_stage

    movable = [bill for bill in bills.order_by("key")[: repeat * 3] if next_stage(Position.of(bill))][: repeat + 1]
    moves = iter(movable)

    def move():
        bill = next(moves)
        response = client.post(
            f"/register/{bill.key}/move/",
            {"stage": next_stage(Position.of(bill)), "version": bill.version, "next": "/"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, response.content[:300]

    queries = Statements()
    with connection.execute_wrapper(queries):
        move()
    median, p95 = timed(move, len(movable) - 1)
    return f"{median:.1f}/{p95:.1f} ms/{len(queries)}"


def main():
    args = parse()
    with throwaway(args.database_url):
        from django.db import connection

        print(f"database: {connection.vendor}")
        results = {}
        for size in args.sizes.split(","):
            if size != "register":
                start = time.perf_counter()
                grow(int(size))
                print(f"grown to {size} items in {time.perf_counter() - start:.1f} s", flush=True)
            results[size] = measure(size, args.repeat)
        counts = {queries for _items, _median, queries in results.values()}
        print(f"queries per board page: {sorted(counts)} ({'constant' if len(counts) == 1 else 'NOT constant'})")
        assert len(counts) == 1, "the board's queries grow with its items"
        if "10000" in results and "100000" in results:
            ratio = results["100000"][1] / results["10000"][1]
            print(f"board p50 at 100,000 / at 10,000: x{ratio:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
