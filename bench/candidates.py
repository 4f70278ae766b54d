"""How long the proposed dossiers of an item take (publicrecord.candidates), for every item of the register.

    .venv/bin/python bench/candidates.py                      # SQLite in a temporary folder
    .venv/bin/python bench/candidates.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench

The database named is emptied and filled: never point it at one you keep. Per number of Tweede Kamer
dossiers (synthetic titles of twelve words drawn from the register's own texts, a random first
signing ministry or none), prints the median and p95 time of one item's candidates, and how many of
the register's items get any. The detail page computes them for those who may change the item only.
"""

import argparse
import random
import statistics
import sys
import time

sys.dont_write_bytecode = True  # not even bytecode of the benchmark stays in the checkout
from common import throwaway  # noqa: E402


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--sizes", default="5000,40000", help="comma-separated numbers of dossiers")
    return parser.parse_args()


def main():
    arguments = parse()
    with throwaway(arguments.database_url):
        from legislation.models import Bill, Ministry
        from publicrecord.candidates import candidates
        from publicrecord.models import Dossier

        rng = random.Random(1)
        words = " ".join(Bill.objects.values_list("title", flat=True)).split()
        ministries = [*Ministry.objects.all(), None]
        bills = list(Bill.objects.order_by("key"))
        for size in map(int, arguments.sizes.split(",")):
            Dossier.objects.bulk_create(
                (Dossier(number=10000 + n, title=" ".join(rng.choices(words, k=12)), ministry=rng.choice(ministries),
                         url="https://example.invalid/") for n in range(Dossier.objects.count(), size)),
                batch_size=1000)
            seconds, found = [], 0
            for bill in bills:
                start = time.perf_counter()
                found += bool(candidates(bill))
                seconds.append(time.perf_counter() - start)
            p95 = statistics.quantiles(seconds, n=20)[-1]
            print(f"{size:6} dossiers: {statistics.median(seconds) * 1000:6.1f} ms median, {p95 * 1000:6.1f} ms p95 "
                  f"per item; {found} of {len(bills)} items have candidates")


if __name__ == "__main__":
    main()
