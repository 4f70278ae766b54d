"""The management command of a sweep: once, or in a loop where no Celery beat runs (the embedded default)."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class SweepCommand(BaseCommand):
    """Runs `sweep()` once, or every `--loop` seconds until stopped; a report worth telling has `news()`."""

    label = ""  # "Reminders", "Webhooks": how the loop's lines begin

    def sweep(self):
        raise NotImplementedError

    def news(self, report):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="sweep every SECONDS seconds until stopped")

    def handle(self, *args, loop=None, **options):
        if not loop:
            self.stdout.write(str(self.sweep()))
            return
        while True:
            close_old_connections()
            try:
                report = self.sweep()
            except Exception:
                # A database hiccup must not end the loop: the next sweep catches up.
                logger.exception("The %s sweep failed; trying again in %s seconds.", self.label, loop)
            else:
                if self.news(report):
                    self.stdout.write(f"{self.label}: {report}")
            time.sleep(loop)
