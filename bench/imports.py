"""A milestone import as the admin runs it: the preview (upload) and the apply (confirm) of N changed rows.

    .venv/bin/python bench/imports.py --database-url postgres://postgres@127.0.0.1:5432/tracker_bench

The database named is emptied and filled: never point it at one you keep. For each --rows (default 2,000
and 20,000, the most a file may hold) it adds that many milestones spread over the register's items, exports
them, changes every label and imports the file through the admin's pages in this process (Django's test
client: no network, no gunicorn), printing the seconds and rows/s of each request, its SQL queries and the
size of the preview page. The web timeout (WEB_TIMEOUT) is 30 s for one request.
"""

import argparse
import re
import time

from common import throwaway


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite in a temporary folder)")
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000, 20_000])
    args = parser.parse_args()
    with throwaway(args.database_url):
        measure(args.rows)


def measure(sizes):
    import tablib
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from legislation.models import Bill, Milestone
    from legislation.resources import MilestoneResource

    central = get_user_model().objects.create_user("bench-central", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(central)
    bills = list(Bill.objects.order_by("key"))

    def timed_post(url, data):
        queries = []

        def count(execute, sql, params, many, context):  # an executemany counts once
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = client.post(url, data)
            seconds = time.perf_counter() - start
        assert response.status_code in (200, 302), response.status_code
        return response, seconds, len(queries)

    for rows in sizes:
        Milestone.objects.filter(kind="overig", label__startswith="Bench ").delete()
        added = Milestone.objects.bulk_create(Milestone(bill=bills[n % len(bills)], kind="overig", label=f"Bench {n}")
                                              for n in range(rows))
        exported = MilestoneResource().export(queryset=Milestone.objects.filter(pk__in=[m.pk for m in added]))
        changed = tablib.Dataset(headers=exported.headers)
        label = exported.headers.index("label")
        for row in exported:
            changed.append([*row[:label], f"{row[label]} (nieuw)", *row[label + 1:]])
        upload = SimpleUploadedFile("bench.csv", changed.export("csv").encode())

        preview, seconds, queries = timed_post(reverse("admin:legislation_milestone_import"),
                                               {"format": 0, "resource": 0, "import_file": upload})
        # The confirmation's hidden fields, as the browser would send them back.
        confirm_form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.content.decode()))
        assert "import_file_name" in confirm_form, "the preview refused the file"
        print(f"{rows:6} rows: preview {seconds:6.1f} s, {rows / seconds:6.0f} rows/s, {queries} queries, "
              f"page {len(preview.content) // 1024} kB")
        confirm, seconds, queries = timed_post(reverse("admin:legislation_milestone_process_import"),
                                               {**confirm_form, "confirm": "1"})
        assert confirm.status_code == 302
        assert Milestone.objects.filter(label__endswith=" (nieuw)").count() == rows, "not every row was applied"
        print(f"{rows:6} rows: apply   {seconds:6.1f} s, {rows / seconds:6.0f} rows/s, {queries} queries")


if __name__ == "__main__":
    main()
