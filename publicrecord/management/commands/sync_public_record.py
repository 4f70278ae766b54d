from publicrecord.models import Source
from publicrecord.sync import sync
from tracker.sweeping import SweepCommand


class Command(SweepCommand):
    help = (
        "Read the public record (Tweede Kamer open data, Wetgevingskalender, Staatsblad) for the linked items and "
        "apply what it proves. Safe to run at any time: each document changes an item once. With --loop, read "
        "again every so many seconds (the embedded default, where no Celery beat runs)."
    )
    label = "Public record"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", action="append", choices=Source.values,
                            help="read only this source (may be given more than once)")

    def handle(self, *args, source=None, **options):
        self.sources = source
        super().handle(*args, **options)

    def sweep(self):
        return sync(self.sources)

    def news(self, report):
        return report.news
