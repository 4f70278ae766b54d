"""A real Celery worker, on the real Redis of this machine, sends the reminders once."""

import datetime as dt

from django.core import mail
from django.utils import timezone

import reminders.tasks  # noqa: F401  (registers the task with every Celery app)
from legislation.models import Milestone, MilestoneKind
from reminders.models import ReminderEmail

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_a_worker_on_redis_sends_each_reminder_once_even_when_the_task_comes_twice(
    committed_register, run_twice_on_a_worker, make_bill, django_user_model
):
    today = timezone.localdate()
    for name in ("erin", "frank"):
        owner = django_user_model.objects.create_user(name, email=f"{name}@example.nl")
        for late in (10, 40):
            planned = today - dt.timedelta(days=late)
            Milestone.objects.create(
                bill=make_bill(), kind=MilestoneKind.ADVIESAANVRAAG_RVS, planned_date=planned, owner=owner
            )
    run_twice_on_a_worker("reminders.tasks.send_reminders", REDIS_URL)

    assert sorted(message.to[0] for message in mail.outbox) == ["erin@example.nl", "frank@example.nl"]
    assert all("2 mijlpalen vragen uw aandacht" in message.subject for message in mail.outbox)
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 2
