"""Webhooks: each event reaches each endpoint that wants it once, signed, whatever happens to receiver and worker.

The receiver is a real HTTP server on loopback; the sweep is driven with a
fake clock, so retries and leases are tested without sleeping.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

import webhooks.tasks  # noqa: F401  (registers the task with every Celery app)
from legislation import services
from legislation.models import Flag, Milestone, Ministry, MilestoneKind
from legislation.policy import NeedsReason
from webhooks import delivery as sweep
from webhooks.delivery import LEASE, send_due_webhooks
from webhooks.models import Delivery, Endpoint, Event, EventKind, Form

NOW = dt.datetime(2025, 3, 19, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))
EVERY_EVENT = [kind.value for kind in EventKind]


class Killed(BaseException):
    """The worker process dies here: nothing after this line of the sweep runs."""


class Request:
    def __init__(self, headers, body):
        self.headers, self.body = headers, body
        self.json = json.loads(body)

    @property
    def delivery_id(self):
        return self.headers["X-Tracker-Delivery"]


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers `status` with `answer`.

    With `hold_after` set, the requests after that many are recorded and then
    wait for `release` before they are answered.
    """

    def __init__(self, port=0):
        self.requests, self.status, self.answer = [], 200, b"ok"
        self.hold_after, self.release = None, threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(Request(self.headers, body))
                if receiver.hold_after is not None and len(receiver.requests) > receiver.hold_after:
                    receiver.release.wait(30)
                try:
                    self.send_response(receiver.status)
                    self.end_headers()
                    self.wfile.write(receiver.answer)
                except OSError:
                    pass  # the worker that asked is gone

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def kinds(self):
        return [request.headers["X-Tracker-Event"] for request in self.requests]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def free_port():
    """A port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signature(request):
    return dict(part.split("=", 1) for part in request.headers["X-Tracker-Signature"].split(","))


def signed_by(secret, request):
    """Verify the signature as the README tells receivers to: HMAC-SHA256 of "<t>.<body>" with the secret."""
    fields = signature(request)
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(fields["v1"], expected)


def endpoint(url, events=EVERY_EVENT, **fields):
    return Endpoint.objects.create(name=fields.pop("name", "Ontvanger"), url=url, events=events, **fields)


def test_every_event_reaches_the_endpoint_once_with_a_valid_signature(receiver, clock, make_bill, charlie):
    hook = endpoint(receiver.url)
    bill = make_bill(stage="voorbereiding")
    services.move_bill(bill, "consultatie", by=charlie)
    services.set_flag(bill, Flag.AANGEHOUDEN, True, by=charlie, reason="Wacht op het advies")
    milestone = services.add_milestone(
        bill, by=charlie, kind=MilestoneKind.INDIENING_TK, planned_date=dt.date(2025, 6, 1)
    )
    services.change_milestone(milestone, by=charlie, label="Indiening bij de Kamer")
    services.shift_planned_dates(bill, 14, by=charlie)
    milestone_id = milestone.pk
    services.delete_milestone(milestone, by=charlie)
    services.move_bill(bill, "vervallen", by=charlie, reason="Het kabinet is gevallen")

    assert send_due_webhooks().sent == 8
    send_due_webhooks()
    assert receiver.kinds() == [
        "bill.moved", "bill.moved",
        "milestone.changed", "milestone.changed", "milestone.changed", "milestone.changed",
        "bill.moved", "bill.ended",
    ]
    assert all(signed_by(hook.secret, request) for request in receiver.requests)
    assert not signed_by("another secret", receiver.requests[0])
    assert {signature(request)["t"] for request in receiver.requests} == {str(int(NOW.timestamp()))}
    assert len({request.delivery_id for request in receiver.requests}) == 8
    assert {str(pk) for pk in Delivery.objects.values_list("uuid", flat=True)} == {
        request.delivery_id for request in receiver.requests
    }

    first, *_, shifted, deleted, _, ended = (request.json for request in receiver.requests)
    assert first["bill"] == {
        "key": bill.key, "short_title": "Testwet", "stage": "consultatie", "lead_ministry": "JenV",
        "url": f"http://127.0.0.1:8000/register/{bill.key}/",
    }
    assert first["move"] == {
        "from_stage": "voorbereiding", "to_stage": "consultatie", "reading": 1, "flag": None, "flag_set": None,
        "occurred_on": "2025-03-19", "reason": "", "by": "charlie",
    }
    assert shifted["milestone"]["changed"] == ["planned_date"]
    assert shifted["milestone"]["planned_date"] == "2025-06-15"
    assert deleted["milestone"]["action"] == "deleted" and deleted["milestone"]["id"] == milestone_id
    assert ended["move"]["to_stage"] == "vervallen" and ended["move"]["reason"] == "Het kabinet is gevallen"
    assert Delivery.objects.filter(sent_at__isnull=False, status_code=200, answer="ok").count() == 8


def test_a_ministrys_endpoint_hears_only_of_the_bills_it_leads_or_shares(receiver, clock, make_bill, charlie, vws):
    jenv_moves = endpoint(receiver.url, [EventKind.MOVED], ministry=Ministry.objects.get(code="JenV"))
    vws_all = endpoint(receiver.url, ministry=vws)
    everything = endpoint(receiver.url)
    led_by_jenv = make_bill()
    led_by_vws = make_bill(lead_ministry=vws)
    shared_with_vws = make_bill(lead_ministry=Ministry.objects.get(code="BZK"))
    shared_with_vws.co_ministries.add(vws)
    for bill in (led_by_jenv, led_by_vws, shared_with_vws):
        services.move_bill(bill, "voorbereiding", by=charlie)
    services.add_milestone(led_by_jenv, by=charlie, kind=MilestoneKind.PUBLICATIE)
    send_due_webhooks()

    def heard(hook):
        delivered = Event.objects.filter(deliveries__endpoint=hook, deliveries__sent_at__isnull=False)
        return sorted((event.kind, event.bill.key) for event in delivered)

    assert heard(jenv_moves) == [("bill.moved", led_by_jenv.key)]
    assert heard(vws_all) == [("bill.moved", led_by_vws.key), ("bill.moved", shared_with_vws.key)]
    assert len(heard(everything)) == 4
    assert len(receiver.requests) == 7


def test_the_chat_form_is_a_dutch_sentence_with_the_items_link(receiver, clock, make_bill, charlie):
    endpoint(receiver.url, form=Form.CHAT)
    bill = make_bill(stage="voorbereiding", short_title="Wet op de proef")
    services.move_bill(bill, "consultatie", by=charlie)
    services.add_milestone(bill, by=charlie, kind=MilestoneKind.INDIENING_TK, planned_date=dt.date(2025, 6, 1))
    services.set_flag(bill, Flag.AANGEHOUDEN, True, by=charlie, reason="Wacht op het advies")
    services.move_bill(bill, "vervallen", by=charlie, reason="Het kabinet is gevallen")
    send_due_webhooks()
    link = f"http://127.0.0.1:8000/register/{bill.key}/"
    item = f"Wet op de proef ({bill.key})"
    assert [request.json for request in receiver.requests] == [
        {"text": f"{item} is verplaatst van “Voorbereiding” naar “Consultatie”.\n{link}"},
        {"text": f"{item}: mijlpaal “Indiening Tweede Kamer” toegevoegd. Gepland op 1 juni 2025.\n{link}"},
        {"text": f"{item}: gemarkeerd als “Aangehouden”. Reden: Wacht op het advies\n{link}"},
        {"text": f"{item} is verplaatst van “Consultatie” naar “Vervallen”. Reden: Het kabinet is gevallen\n{link}"},
        {"text": f"{item} is beëindigd: “Vervallen”. Reden: Het kabinet is gevallen\n{link}"},
    ]


def test_a_milestone_met_by_a_move_is_a_milestone_change_after_the_move(receiver, clock, make_bill, charlie):
    endpoint(receiver.url, [EventKind.MILESTONE, EventKind.MOVED])
    bill = make_bill(stage="voorbereiding")
    Milestone.objects.create(bill=bill, kind=MilestoneKind.CONSULTATIE_START, planned_date=dt.date(2025, 4, 1))
    services.move_bill(bill, "consultatie", by=charlie)
    send_due_webhooks()
    moved, met = (request.json for request in receiver.requests)
    assert moved["type"] == "bill.moved" and met["type"] == "milestone.changed"
    assert met["milestone"] | {"id": None} == {
        "id": None, "action": "changed", "changed": ["actual_date"], "kind": "consultatie_start", "label": "",
        "planned_date": "2025-04-01", "actual_date": "2025-03-19",
    }


def test_a_write_that_rolls_back_or_is_refused_sends_nothing(receiver, clock, make_bill, charlie):
    hook = endpoint(receiver.url)
    bill = make_bill(stage="voorbereiding")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.move_bill(bill, "consultatie", by=charlie)
        raise RuntimeError("the request failed after the move")
    with pytest.raises(NeedsReason):
        services.move_bill(bill, "vervallen", by=charlie)
    Endpoint.objects.create(name="Uit", url=receiver.url, events=EVERY_EVENT, active=False)
    assert not Event.objects.exists() and not Delivery.objects.exists()
    send_due_webhooks()
    assert receiver.requests == []

    services.move_bill(bill.__class__.objects.get(pk=bill.pk), "consultatie", by=charlie)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(event=Event.objects.get(), endpoint=hook)


def test_a_receiver_that_is_down_gets_the_retries_and_then_the_delivery(clock, make_bill, charlie):
    port = free_port()
    endpoint(f"http://127.0.0.1:{port}/hook")
    services.move_bill(make_bill(), "voorbereiding", by=charlie)
    pending = Delivery.objects.get()

    assert send_due_webhooks().retrying == 1
    pending.refresh_from_db()
    assert pending.attempts == 1 and "ConnectError" in pending.answer and pending.status_code is None
    clock.shift(dt.timedelta(seconds=59))
    send_due_webhooks()
    assert Delivery.objects.get().attempts == 1  # not yet: the first retry is after a minute
    clock.shift(dt.timedelta(seconds=1))
    send_due_webhooks()
    assert Delivery.objects.get().attempts == 2

    receiver = Receiver(port)  # the receiver comes up
    try:
        clock.shift(dt.timedelta(minutes=2) - dt.timedelta(seconds=1))
        send_due_webhooks()
        assert receiver.requests == []
        clock.shift(dt.timedelta(seconds=1))
        assert send_due_webhooks().sent == 1
        clock.shift(dt.timedelta(hours=1))
        send_due_webhooks()
    finally:
        receiver.stop()
    assert len(receiver.requests) == 1
    assert receiver.requests[0].delivery_id == str(pending.uuid)
    pending.refresh_from_db()
    assert pending.sent_at is not None and pending.attempts == 3 and pending.status_code == 200


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_resent_from_the_admin(
    receiver, clock, make_bill, charlie, admin_client, caplog
):
    receiver.status, receiver.answer = 503, b"busy, try later"
    endpoint(receiver.url)
    services.move_bill(make_bill(), "voorbereiding", by=charlie)
    pending = Delivery.objects.filter(pk=Delivery.objects.get().pk)
    with caplog.at_level(logging.WARNING, logger="webhooks.delivery"):
        send_due_webhooks()
        for attempts, wait in enumerate((1, 2, 4, 8, 16), start=1):
            clock.shift(dt.timedelta(minutes=wait) - dt.timedelta(seconds=1))
            send_due_webhooks()
            assert pending.get().attempts == attempts  # not yet
            clock.shift(dt.timedelta(seconds=1))
            send_due_webhooks()
            assert pending.get().attempts == attempts + 1
        clock.shift(dt.timedelta(days=1))
        send_due_webhooks()
    given_up = pending.get()
    assert given_up.failed_at is not None and given_up.sent_at is None and given_up.attempts == 6
    assert (given_up.status_code, given_up.answer) == (503, "busy, try later")
    assert len(receiver.requests) == 6
    assert [r.levelno for r in caplog.records].count(logging.ERROR) == 1

    listing = admin_client.get(reverse("admin:webhooks_delivery_changelist")).content.decode()
    assert "opgegeven" in listing and "503" in listing and "busy, try later" in listing
    response = admin_client.post(
        reverse("admin:webhooks_delivery_changelist"), {"action": "resend", "_selected_action": [given_up.pk]}
    )
    assert response.status_code == 302
    receiver.status = 200
    send_due_webhooks()
    send_due_webhooks()
    assert len(receiver.requests) == 7
    assert {request.delivery_id for request in receiver.requests} == {str(given_up.uuid)}  # one id throughout
    assert pending.get().sent_at is not None


def test_a_worker_killed_mid_batch_leaves_its_claims_to_a_later_sweep_and_nothing_goes_twice(
    receiver, clock, make_bill, charlie
):
    endpoint(receiver.url)
    for _ in range(3):
        services.move_bill(make_bill(), "voorbereiding", by=charlie)
    real_post, posted = sweep._post, []

    def post_then_die(*args):
        if posted:
            raise Killed
        posted.append(real_post(*args))

    with mock.patch.object(sweep, "_post", post_then_die), pytest.raises(Killed):
        send_due_webhooks()
    assert len(receiver.requests) == 1
    assert Delivery.objects.filter(sent_at=None, claimed_until__isnull=False).count() == 2

    clock.shift(LEASE - dt.timedelta(seconds=1))
    send_due_webhooks()
    assert len(receiver.requests) == 1  # still claimed by the dead worker

    clock.shift(dt.timedelta(seconds=2))
    assert send_due_webhooks().sent == 2
    send_due_webhooks()
    assert len(receiver.requests) == 3
    assert {request.delivery_id for request in receiver.requests} == {
        str(pk) for pk in Delivery.objects.values_list("uuid", flat=True)
    }


# A sweep run as a process of its own, its clock set past the lease of any claim it finds.
SWEEP_AFTER_THE_LEASE = """
import datetime as dt
import django, time_machine
django.setup()
from django.core.management import call_command
from webhooks.delivery import LEASE
with time_machine.travel(dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(seconds=1)):
    call_command("send_webhooks")
"""


def test_a_worker_process_killed_while_posting_sends_no_acknowledged_delivery_twice(
    committed_register, receiver, make_bill, charlie, python_process
):
    """A real `manage.py send_webhooks` process is killed (SIGKILL) while the receiver holds its second request."""
    endpoint(receiver.url)
    for _ in range(3):
        services.move_bill(make_bill(), "voorbereiding", by=charlie)
    receiver.hold_after = 1
    worker = python_process("manage.py", "send_webhooks")
    for _ in range(600):
        if len(receiver.requests) == 2 or worker.poll() is not None:
            break
        time.sleep(0.05)
    worker.kill()
    worker.communicate()
    assert len(receiver.requests) == 2
    answered, in_flight = (request.delivery_id for request in receiver.requests)
    receiver.hold_after = None
    receiver.release.set()

    again = python_process("manage.py", "send_webhooks")
    assert again.communicate(timeout=60)[0].strip() == "0 webhooks delivered, 0 to retry, 0 given up."
    assert len(receiver.requests) == 2  # the dead worker's claims hold until the lease ends

    later = python_process("-c", SWEEP_AFTER_THE_LEASE)
    out, err = later.communicate(timeout=60)
    assert out.strip() == "2 webhooks delivered, 0 to retry, 0 given up.", err
    ids = [request.delivery_id for request in receiver.requests]
    # Each delivery went once, but the one the receiver never answered: it came again, with the same id.
    assert ids.count(answered) == 1 and ids.count(in_flight) == 2 and len(set(ids)) == 3


def test_a_celery_worker_on_redis_delivers_each_event_once_even_when_the_task_comes_twice(
    committed_register, receiver, make_bill, charlie, run_twice_on_a_worker
):
    hook = endpoint(receiver.url)
    for _ in range(2):
        services.move_bill(make_bill(), "voorbereiding", by=charlie)
    run_twice_on_a_worker("webhooks.tasks.send_webhooks", "redis://127.0.0.1:6379/11")
    assert len(receiver.requests) == 2 and len({request.delivery_id for request in receiver.requests}) == 2
    assert all(signed_by(hook.secret, request) for request in receiver.requests)
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 2


def test_an_admin_registers_an_endpoint_with_its_events_as_checkboxes_and_sees_its_secret_once(admin_client, vws):
    add = reverse("admin:webhooks_endpoint_add")
    page = admin_client.get(add).content.decode()
    assert page.count('type="checkbox" name="events"') == 4
    assert "Verplaatsingen" in page and "Eindtoestand bereikt" in page and "Chatbericht (Slack, Mattermost, Teams)" in page

    refused = admin_client.post(add, {"name": "Team", "url": "niet een adres", "form": "json", "active": "on"})
    assert refused.status_code == 200 and not Endpoint.objects.exists()
    assert "Voer een geldige URL in." in refused.content.decode()

    fields = {"name": "Team VWS", "url": "https://chat.example.nl/hooks/abc", "ministry": vws.pk, "form": "chat",
              "active": "on", "events": ["bill.moved", "bill.ended"]}
    response = admin_client.post(add, fields, follow=True)
    hook = Endpoint.objects.get()
    assert (hook.events, hook.ministry, hook.form) == (["bill.moved", "bill.ended"], vws, "chat")
    assert f"Het geheim van “Team VWS” is {hook.secret}" in response.content.decode()

    change = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[hook.pk])).content.decode()
    assert hook.secret not in change and f"…{hook.secret[-4:]}" in change

    old = hook.secret
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_changelist"),
        {"action": "new_secret", "_selected_action": [hook.pk]},
        follow=True,
    )
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in response.content.decode()
