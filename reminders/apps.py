from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from legislation.signals import bill_moved, milestone_changed, milestones_changed

        from . import following

        bill_moved.connect(following.bill_moved, dispatch_uid="reminders.bill_moved")
        milestone_changed.connect(following.milestone_changed, dispatch_uid="reminders.milestone_changed")
        milestones_changed.connect(following.milestones_changed, dispatch_uid="reminders.milestones_changed")
