from tracker.sweeping import SweepCommand
from webhooks.delivery import send_due_webhooks


class Command(SweepCommand):
    help = (
        "Post the webhook deliveries that are due. Safe to run at any time and as often as you like: each "
        "delivery goes out once. With --loop, sweep again every so many seconds (the embedded default, where "
        "no Celery beat runs)."
    )
    label = "Webhooks"

    def sweep(self):
        return send_due_webhooks()

    def news(self, report):
        return report.sent or report.retrying or report.failed
