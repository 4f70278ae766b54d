import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from reminders.sweep import send_due_reminders

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send the deadline reminders that are due. Safe to run at any time and as often as you like: "
        "each reminder goes out once. With --loop, sweep again every so many seconds (the embedded default, "
        "where no Celery beat runs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="sweep every SECONDS seconds until stopped")

    def handle(self, *args, loop=None, **options):
        if not loop:
            self.stdout.write(str(send_due_reminders()))
            return
        while True:
            close_old_connections()
            try:
                report = send_due_reminders()
            except Exception:
                # A database hiccup must not end the loop: the next sweep catches up.
                logger.exception("The reminder sweep failed; trying again in %s seconds.", loop)
            else:
                if report.recorded or report.sent or report.retrying or report.failed:
                    self.stdout.write(f"Reminders: {report}")
            time.sleep(loop)
