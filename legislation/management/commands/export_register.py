from django.core.management.base import BaseCommand

from legislation.export import write_csv, write_json


class Command(BaseCommand):
    help = "Write the whole register to standard output, one record per item, sorted by key."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, format, **options):
        (write_csv if format == "csv" else write_json)(self.stdout)
