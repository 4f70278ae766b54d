"""Lost updates: many clients move and edit the same items at once (PostgreSQL, real connections)."""

import datetime
import random
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from legislation.models import Bill, Milestone, Move

CLIENTS = 20
ROUNDS = 6
# Every edit sets a date no other edit sets, so that each applied edit changes something.
FIRST_DATE = datetime.date(2027, 1, 1)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections: runs in the PostgreSQL pass of the suite (.ci/run runs both)",
)


@pytest.fixture
def contested(committed_register, django_user_model):
    bills = list(Bill.objects.filter(instrument="wet", stage="aangekondigd").order_by("key")[:3])
    for bill in bills:
        Milestone.objects.create(bill=bill, kind="indiening_tk")
    users = []
    for number in range(CLIENTS):
        user = django_user_model.objects.create_user(f"coordinator-{number}", password="x")
        user.user_permissions.add(Permission.objects.get(codename="move_all_bills"))
        users.append(user)
    return bills, users


def client_work(user, keys, outcomes, barrier):
    """One coordinator: reads each item as its page shows it, then changes it with the version it saw."""
    client = Client()
    client.force_login(user)
    pick = random.Random(user.pk)
    try:
        barrier.wait()
        for round in range(ROUNDS):
            key = pick.choice(keys)
            bill = Bill.objects.get(key=key)
            if pick.random() < 0.6:
                stage = pick.choice(["voorbereiding", "consultatie", "aangekondigd"])
                response = client.post(
                    reverse("bill-move", args=[key]),
                    {"stage": stage, "version": bill.version, "reason": "terug voor de test"},
                    headers={"HX-Request": "true"},
                )
                outcomes.append(("move", key, response.status_code))
            else:
                milestone = bill.milestones.get()
                prefix = f"m{milestone.pk}"
                response = client.post(
                    reverse("milestone-edit", args=[milestone.pk]),
                    {f"{prefix}-kind": "indiening_tk", f"{prefix}-precision": "day",
                     f"{prefix}-planned_date": str(FIRST_DATE + datetime.timedelta(days=user.pk * ROUNDS + round)),
                     "version": bill.version},
                    headers={"HX-Request": "true"},
                )
                outcomes.append(("milestone", key, response.status_code))
    finally:
        connections.close_all()


def test_twenty_clients_lose_no_update(contested):
    bills, users = contested
    keys = [bill.key for bill in bills]
    before = {
        bill.key: (bill.version, Move.objects.filter(bill=bill).count(), bill.history.count(),
                   Milestone.history.filter(bill_id=bill.pk).count())
        for bill in bills
    }
    outcomes = []
    barrier = threading.Barrier(CLIENTS)
    threads = [threading.Thread(target=client_work, args=(user, keys, outcomes, barrier)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == CLIENTS * ROUNDS
    # Every change is either applied (200) or refused with a message (409 changed meanwhile, 422 not allowed now).
    assert {status for _, _, status in outcomes} <= {200, 409, 422}
    assert any(status == 409 for _, _, status in outcomes), "the clients did collide"
    for bill in Bill.objects.filter(key__in=keys):
        version, moves, history, milestone_history = before[bill.key]
        applied = [kind for kind, key, status in outcomes if key == bill.key and status == 200]
        # Each applied change raised the version by exactly one: none overwrote another unseen.
        assert bill.version == version + len(applied), bill.key
        # The history accounts for every applied change: a move and a bill record per move, a record per milestone edit.
        assert Move.objects.filter(bill=bill).count() == moves + applied.count("move")
        assert bill.history.count() == history + applied.count("move")
        assert Milestone.history.filter(bill_id=bill.pk).count() == milestone_history + applied.count("milestone")
