from reminders.sweep import send_due_reminders
from tracker.sweeping import SweepCommand


class Command(SweepCommand):
    help = (
        "Send the deadline reminders that are due. Safe to run at any time and as often as you like: "
        "each reminder goes out once. With --loop, sweep again every so many seconds (the embedded default, "
        "where no Celery beat runs)."
    )
    label = "Reminders"

    def sweep(self):
        return send_due_reminders()

    def news(self, report):
        return report.recorded or report.sent or report.retrying or report.failed
