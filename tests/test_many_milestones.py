"""An item cannot collect more than MAX_MILESTONES milestones: refused with a sentence, wherever they are added."""

import datetime
import re

import pytest
import tablib
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


class TestAnItemWithTheMostMilestones:
    """Its page and admin form stay short and take the same queries as an item with a few."""

    @pytest.fixture
    def met_and_open(self, make_bill):
        """A bill of MAX_MILESTONES milestones, all but ten met, and a bill of five."""
        def fill(bill, count, met):
            Milestone.objects.bulk_create(
                Milestone(bill=bill, kind="overig", label=f"Stap {n}", planned_date=datetime.date(2026, 1, 1),
                          actual_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n) if n < met else None)
                for n in range(count))
            return bill
        return fill(make_bill(), MAX_MILESTONES, MAX_MILESTONES - 10), fill(make_bill(), 5, 2)

    def queries(self, client, url):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    def test_the_items_page_shows_the_open_and_the_last_met_with_a_link_to_all(self, client, alice, met_and_open):
        full, few = met_and_open
        client.force_login(alice)
        changed = full.milestones.get(label="Stap 95")
        for n in range(30):
            services.change_milestone(changed, by=alice, label=f"Stap 95 ({n})")
        services.change_milestone(few.milestones.first(), by=alice, label="Stap 0 (nieuw)")
        page = reverse("bill-detail", args=[full.key])
        full_queries, content = self.queries(client, page)
        assert full_queries == self.queries(client, reverse("bill-detail", args=[few.key]))[0]
        shown = {int(label) for label in re.findall(r"Stap (\d+)", content)}
        assert shown == set(range(85, 100))  # the ten open ones and the five met last
        assert "Alle 100 mijlpalen tonen (85 eerder behaalde zijn ingeklapt)" in content
        assert "Pagina 1 van 1" not in content  # 30 changes fit a page
        all_queries, content = self.queries(client, page + "?milestones=all")
        assert all_queries == full_queries
        assert {int(label) for label in re.findall(r"Stap (\d+)", content)} == set(range(100))

    def test_the_items_changes_come_a_page_at_a_time(self, client, alice, met_and_open):
        full, _ = met_and_open
        client.force_login(alice)
        changed = full.milestones.get(label="Stap 99")
        for n in range(60):  # more changes than a page holds
            services.change_milestone(changed, by=alice, label=f"Stap 99 ({n})")
        _, content = self.queries(client, reverse("bill-detail", args=[full.key]))
        assert "Pagina 1 van 2" in content and "Stap 99 (58) → Stap 99 (59)" in content
        assert "Stap 99 (0)</td>" not in content and "Oudere wijzigingen" in content
        _, content = self.queries(client, reverse("bill-detail", args=[full.key]) + "?page=2")
        assert "Pagina 2 van 2" in content and "Stap 99 (0) → Stap 99 (1)" in content

    def test_the_admin_form_shows_the_open_ones_inline_and_links_to_all(self, client, alice, met_and_open):
        full, few = met_and_open
        as_staff(client, alice)
        full_queries, content = self.queries(client, change_url(full))
        assert full_queries == self.queries(client, change_url(few))[0]
        response = client.get(change_url(full))
        inline, _identifiers = response.context["inline_admin_formsets"]
        assert [form.instance.label for form in inline.formset.forms] == [f"Stap {n}" for n in range(90, 100)]
        listed = client.get(reverse("admin:legislation_milestone_changelist") + f"?bill__id__exact={full.pk}")
        assert f"?bill__id__exact={full.pk}" in content and listed.context["cl"].result_count == MAX_MILESTONES
        data = posted(response)  # saving the folded form changes nothing it does not show
        data["short_title"] = "Kort"
        assert client.post(change_url(full), data).status_code == 302
        assert full.milestones.filter(actual_date__isnull=False).count() == MAX_MILESTONES - 10
