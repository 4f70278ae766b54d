"""A real Celery worker, on the real Redis of this machine, sends the reminders once."""

import datetime as dt
import threading
import uuid

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.core import mail
from django.utils import timezone

import reminders.tasks  # noqa: F401  (registers the task with every Celery app)
from legislation.models import Milestone, MilestoneKind
from reminders.models import ReminderEmail

REDIS_URL = "redis://127.0.0.1:6379/15"



@pytest.fixture
def redis_app():
    """The project's Celery configuration on Redis, with a queue of its own so no other worker takes its tasks."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(
            f"This test needs Redis on 127.0.0.1:6379 and cannot reach it ({error}). Start it with: "
            "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
            pytrace=False,
        )
    app = Celery("tracker-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"reminders-test-{uuid.uuid4().hex}"
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    yield app
    server.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_a_worker_on_redis_sends_each_reminder_once_even_when_the_task_comes_twice(
    committed_register, redis_app, make_bill, django_user_model
):
    today = timezone.localdate()
    for name in ("erin", "frank"):
        owner = django_user_model.objects.create_user(name, email=f"{name}@example.nl")
        for late in (10, 40):
            planned = today - dt.timedelta(days=late)
            Milestone.objects.create(
                bill=make_bill(), kind=MilestoneKind.ADVIESAANVRAAG_RVS, planned_date=planned, owner=owner
            )
    finished = threading.Semaphore(0)

    def count(sender, **kwargs):
        finished.release()

    task_postrun.connect(count, weak=False)
    try:
        with start_worker(redis_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            task = redis_app.tasks["reminders.tasks.send_reminders"]
            sent = [task.delay(), task.delay()]  # the same task twice, as two schedulers would send it
            assert not any(isinstance(result, EagerResult) for result in sent)  # through Redis, not in-process
            for _ in range(2):
                assert finished.acquire(timeout=60), "the worker did not run the task within a minute"
    finally:
        task_postrun.disconnect(count)

    assert sorted(message.to[0] for message in mail.outbox) == ["erin@example.nl", "frank@example.nl"]
    assert all("2 mijlpalen vragen uw aandacht" in message.subject for message in mail.outbox)
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 2
