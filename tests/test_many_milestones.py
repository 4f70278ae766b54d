"""An item cannot collect more than MAX_MILESTONES milestones: refused with a sentence, wherever they are added."""

import datetime

import pytest
import tablib
from django.contrib.messages import get_messages
from django.urls import reverse

from legislation import services
from legislation.models import Milestone
from legislation.policy import MAX_MILESTONES, RuleError
from legislation.resources import MilestoneResource
from tests.test_admin import as_staff, change_url, posted

FULL = f"Dit dossier heeft {MAX_MILESTONES} mijlpalen, het hoogste aantal dat een dossier kan hebben."


@pytest.fixture
def full_bill(make_bill):
    bill = make_bill()
    Milestone.objects.bulk_create(Milestone(bill=bill, kind="overig", label=f"Stap {n}") for n in range(MAX_MILESTONES))
    return bill


def test_the_rules_refuse_one_milestone_more(full_bill, alice):
    with pytest.raises(RuleError, match=FULL):
        services.add_milestone(full_bill, by=alice, kind="overig", label="Eén te veel")
    services.delete_milestone(full_bill.milestones.first(), by=alice)
    services.add_milestone(full_bill, by=alice, kind="overig", label="Past weer")
    assert full_bill.milestones.count() == MAX_MILESTONES


def test_on_the_items_page_it_is_a_sentence(client, alice, full_bill):
    client.force_login(alice)
    response = client.post(reverse("milestone-add", args=[full_bill.key]),
                           {"new-kind": "overig", "new-label": "Eén te veel", "new-precision": "day"})
    assert response.status_code == 422 and FULL in response.content.decode()
    assert full_bill.milestones.count() == MAX_MILESTONES


def test_in_the_admin_it_is_a_message_and_nothing_is_written(client, alice, full_bill):
    as_staff(client, alice)
    data = posted(client.get(change_url(full_bill)))
    total = int(data["milestones-TOTAL_FORMS"])
    data.update({f"milestones-{total}-kind": "publicatie", f"milestones-{total}-precision": "day",
                 "milestones-TOTAL_FORMS": str(total + 1), "short_title": "Ook niet"})
    response = client.post(change_url(full_bill), data)
    assert response.status_code == 302
    assert any(FULL in str(message) for message in get_messages(response.wsgi_request))
    full_bill.refresh_from_db()
    assert full_bill.milestones.count() == MAX_MILESTONES and full_bill.short_title == "Testwet"


def test_in_an_import_it_is_the_rows_error(alice, full_bill):
    dataset = tablib.Dataset(headers=["id", "bill_key", "kind", "label", "planned_date", "precision"])
    dataset.append(["", full_bill.key, "overig", "Eén te veel", datetime.date(2027, 1, 1).isoformat(), "day"])
    result = MilestoneResource().import_data(dataset, dry_run=True, user=alice)
    assert [str(m) for row in result.invalid_rows for ms in row.error_dict.values() for m in ms][0].startswith(FULL)
