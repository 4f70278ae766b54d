from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from legislation.signals import bill_moved, milestone_changed, milestones_changed

        from . import events

        bill_moved.connect(events.bill_moved, dispatch_uid="webhooks.bill_moved")
        milestone_changed.connect(events.milestone_changed, dispatch_uid="webhooks.milestone_changed")
        milestones_changed.connect(events.milestones_changed, dispatch_uid="webhooks.milestones_changed")
