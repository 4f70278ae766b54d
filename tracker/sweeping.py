"""The management command of a sweep: once, or in a loop where no Celery beat runs (the embedded default)."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def after_failure(attempts, now, *, max_attempts, first_retry):
    """An outbox row's fields after its `attempts`-th attempt failed: tried again later, each wait twice the one
    before, or given up after `max_attempts`. Returns them, and whether it was given up."""
    if attempts >= max_attempts:
        return {"failed_at": now}, True
    return {"next_attempt_at": now + first_retry * 2 ** (attempts - 1)}, False


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
