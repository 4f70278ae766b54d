import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from legislation import selectors, services
from legislation.management.commands.create_demo_users import CENTRAL_GROUP, MINISTRY_GROUP, PERMISSIONS, permissions
from legislation.models import Bill, Identifier, Milestone, Ministry, Stage

CHANGELIST = reverse("admin:legislation_bill_changelist")


def as_staff(client, user):
    """Log `user` in with admin access and the permissions of their role among the demo users."""
    user.is_staff = True
    user.save()
    user.user_permissions.add(*permissions(PERMISSIONS[CENTRAL_GROUP if selectors.may_steer_all(user) else MINISTRY_GROUP]))
    client.force_login(user)
    return client


def change_url(bill):
    return reverse("admin:legislation_bill_change", args=[bill.pk])


def listed(client, query=""):
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return [bill.key for bill in response.context["cl"].queryset]


def posted(response):
    """What the change form on `response`, with its milestones, posts when nothing is touched."""
    forms = [response.context["adminform"].form]
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        forms += [formset.formset.management_form, *formset.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else [str(v) for v in value] if isinstance(value, list) \
                else str(value)
    return data


class TestAccess:
    def test_only_staff_reach_the_admin(self, client, dave):
        client.force_login(dave)
        response = client.get(CHANGELIST)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))

    def test_a_coordinator_sees_every_bill_but_changes_only_their_own(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        own, other = make_bill(), make_bill(lead_ministry=vws)
        assert {own.key, other.key} <= set(listed(client, "q=Testwet"))
        assert client.get(change_url(own)).context["has_change_permission"]
        response = client.get(change_url(other))
        assert response.status_code == 200 and not response.context["has_change_permission"]
        assert client.post(change_url(other), {"short_title": "Overgenomen"}).status_code == 403
        other.refresh_from_db()
        assert other.short_title == "Testwet"

    def test_the_central_coordinator_changes_every_bill(self, client, charlie, make_bill, vws):
        as_staff(client, charlie)
        assert client.get(change_url(make_bill(lead_ministry=vws))).context["has_change_permission"]

    def test_no_bill_is_added_or_deleted_here(self, client, charlie, make_bill):
        as_staff(client, charlie)
        assert client.get(reverse("admin:legislation_bill_add")).status_code == 403
        assert client.post(reverse("admin:legislation_bill_delete", args=[make_bill().pk])).status_code == 403

    def test_the_delete_action_deletes_only_milestones_of_bills_the_rules_allow(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        own = Milestone.objects.create(bill=make_bill(), kind="ministerraad")
        other = Milestone.objects.create(bill=make_bill(lead_ministry=vws), kind="publicatie")
        action = {"action": "delete_selected", "_selected_action": [own.pk, other.pk]}
        confirmation = client.post(reverse("admin:legislation_milestone_changelist"), action)
        assert confirmation.status_code == 200 and confirmation.context["perms_lacking"]
        refused = client.post(reverse("admin:legislation_milestone_changelist"), {**action, "post": "yes"})
        assert refused.status_code == 403  # as a whole
        assert Milestone.objects.filter(pk__in=[own.pk, other.pk]).count() == 2
        assert client.post(reverse("admin:legislation_milestone_delete", args=[other.pk])).status_code == 403
        assert Milestone.objects.filter(pk=other.pk).exists()

    def test_a_milestone_deleted_here_is_recorded_and_marks_its_bill_changed(self, client, alice, make_bill):
        as_staff(client, alice)
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad")
        changed_before = Bill.objects.get(pk=bill.pk).updated_at
        action = {"action": "delete_selected", "post": "yes", "_selected_action": [milestone.pk]}
        assert client.post(reverse("admin:legislation_milestone_changelist"), action).status_code == 302
        assert not Milestone.objects.filter(pk=milestone.pk).exists()
        deleted = Milestone.history.filter(id=milestone.pk, history_type="-").get()
        assert deleted.history_user == alice
        assert Bill.objects.get(pk=bill.pk).updated_at > changed_before  # a polling board sees it

    def test_a_milestone_deleted_inline_goes_through_the_rules(self, client, alice, make_bill):
        as_staff(client, alice)
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        changed_before = Bill.objects.get(pk=bill.pk).updated_at
        data = posted(client.get(change_url(bill)))
        data["milestones-0-DELETE"] = "on"
        assert client.post(change_url(bill), data).status_code == 302
        assert not bill.milestones.exists()
        assert Milestone.history.filter(id=milestone.pk, history_type="-").get().history_user == alice
        assert Bill.objects.get(pk=bill.pk).updated_at > changed_before


class TestList:
    def test_filters_select_what_a_coordinator_works_by(self, client, charlie, alice, make_bill, vws):
        as_staff(client, charlie)
        today = timezone.localdate()
        late = make_bill(owner=alice)
        Milestone.objects.create(bill=late, kind="ministerraad", planned_date=today - datetime.timedelta(days=1))
        met = make_bill()
        Milestone.objects.create(bill=met, kind="ministerraad", planned_date=today - datetime.timedelta(days=9),
                                 actual_date=today)
        shared = make_bill(stage="consultatie")
        shared.co_ministries.add(vws)

        assert late.key in listed(client, "overdue=yes") and met.key not in listed(client, "overdue=yes")
        assert met.key in listed(client, "overdue=no")
        assert late.key not in listed(client, "no_owner=yes") and met.key in listed(client, "no_owner=yes")
        assert shared.key in listed(client, "ministry=VWS") and met.key not in listed(client, "ministry=VWS")
        assert listed(client, "stage=consultatie&q=Testwet") == [shared.key]

    def test_search_looks_in_titles_and_text(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill(title="Regels over de zeldzame kwartelkoning", official_title="Kwartelwet")
        assert listed(client, "q=kwartelkoning") == [bill.key]
        assert listed(client, "q=Kwartelwet") == [bill.key]

    def test_the_stage_column_sorts_along_the_main_line(self, client, charlie):
        as_staff(client, charlie)
        position = {stage: index for index, stage in enumerate(Stage.values)}
        # Column 5: the stage, after the checkbox, key, short title, ministry and instrument.
        stage_of = dict(Bill.objects.values_list("key", "stage"))
        order = [position[stage_of[key]] for key in listed(client, "o=-5")]
        assert order == sorted(order, reverse=True) and order[0] > order[-1]

    def test_the_list_takes_a_bounded_number_of_queries(self, client, charlie, django_assert_max_num_queries):
        as_staff(client, charlie)
        with django_assert_max_num_queries(12):
            client.get(CHANGELIST)


class TestChangeForm:
    def test_editing_goes_through_the_rules_and_leaves_stage_and_flags_alone(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        bill = make_bill()
        data = posted(client.get(change_url(bill)))
        data.update(short_title="Nieuwe titel", co_ministries=[str(vws.pk)], stage="in_werking", on_hold="on")
        response = client.post(change_url(bill), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        bill.refresh_from_db()
        assert (bill.short_title, bill.stage, bill.on_hold, bill.version) == ("Nieuwe titel", "aangekondigd", False, 2)
        assert list(bill.co_ministries.all()) == [vws]
        assert {"short_title", "co_ministries"} <= set(bill.edited_fields)
        record = bill.history.first()
        assert record.history_user == alice

    def test_a_form_opened_before_someone_elses_change_is_refused(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill()
        data = posted(client.get(change_url(bill)))
        services.move_bill(bill, "voorbereiding")  # meanwhile, on the board
        data["short_title"] = "Te laat"
        response = client.post(change_url(bill), data, follow=True)
        assert "Iemand anders heeft dit dossier gewijzigd" in response.content.decode()
        bill.refresh_from_db()
        assert bill.short_title == "Testwet"

    def test_milestones_are_edited_inline_through_the_rules(self, client, alice, make_bill):
        as_staff(client, alice)
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        data = posted(client.get(change_url(bill)))
        data["milestones-0-planned_date"] = "2026-04-01"
        data.update({"milestones-1-kind": "publicatie", "milestones-1-planned_date": "2026-09-01",
                     "milestones-1-precision": "month", "milestones-TOTAL_FORMS": "2"})
        assert client.post(change_url(bill), data).status_code == 302
        milestone.refresh_from_db()
        assert milestone.planned_date == datetime.date(2026, 4, 1) and milestone.edited_fields == ["planned_date"]
        added = bill.milestones.get(kind="publicatie")
        assert added.history.get().history_user == alice

    def test_two_people_editing_one_milestone_the_second_is_told_and_the_first_keeps_their_work(
        self, client, alice, charlie, make_bill
    ):
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        first, second = client, Client()
        as_staff(first, charlie)
        as_staff(second, alice)
        seen_first, seen_second = posted(first.get(change_url(bill))), posted(second.get(change_url(bill)))
        seen_first["milestones-0-planned_date"] = "2026-04-01"
        assert first.post(change_url(bill), seen_first).status_code == 302
        seen_second["milestones-0-label"] = "Alleen de mijlpaal"  # only a milestone changes in this form
        response = second.post(change_url(bill), seen_second, follow=True)
        assert "Iemand anders heeft dit dossier gewijzigd" in response.content.decode()
        milestone.refresh_from_db()
        assert (milestone.planned_date, milestone.label) == (datetime.date(2026, 4, 1), "")
        assert milestone.history.count() == 2  # created, and the first person's change

    def test_a_stale_form_changing_the_bill_and_a_milestone_writes_nothing(self, client, charlie, make_bill):
        as_staff(client, charlie)
        bill = make_bill()
        milestone = Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        data = posted(client.get(change_url(bill)))
        services.change_milestone(milestone, by=charlie, expected_version=bill.version, label="Op het bord")
        data.update({"short_title": "Te laat", "milestones-0-planned_date": "2026-05-01"})
        response = client.post(change_url(bill), data, follow=True)
        assert "Iemand anders heeft dit dossier gewijzigd" in response.content.decode()
        bill.refresh_from_db()
        milestone.refresh_from_db()
        assert (bill.short_title, milestone.planned_date, milestone.label) == (
            "Testwet", datetime.date(2026, 3, 1), "Op het bord")

    def test_another_ministrys_milestones_are_read_only(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        bill = make_bill(lead_ministry=vws)
        Milestone.objects.create(bill=bill, kind="ministerraad", planned_date=datetime.date(2026, 3, 1))
        inline = client.get(change_url(bill)).context["inline_admin_formsets"][0]
        assert not inline.has_change_permission and not inline.has_add_permission


class TestIdentifiersInline:
    def test_they_are_linked_and_removed_through_the_services(self, client, alice, make_bill):
        as_staff(client, alice)
        bill = make_bill()
        services.add_identifier(bill, "wetgevingskalender", "WGK000001", by=alice)
        data = posted(client.get(change_url(bill)))
        data.update({"identifiers-0-DELETE": "on", "identifiers-1-kind": "dossier", "identifiers-1-value": "36 546",
                     "identifiers-TOTAL_FORMS": "2"})
        assert client.post(change_url(bill), data).status_code == 302
        (identifier,) = bill.identifiers.all()
        assert (identifier.kind, identifier.value, identifier.added_by) == ("dossier", "36546", alice)
        assert identifier.source == "Gekoppeld door Alice in het beheer"

    def test_a_value_that_does_not_read_is_refused_next_to_its_field(self, client, alice, make_bill):
        as_staff(client, alice)
        bill = make_bill()
        data = posted(client.get(change_url(bill)))
        data.update({"identifiers-0-kind": "publicatie", "identifiers-0-value": "Staatsblad 2025",
                     "identifiers-TOTAL_FORMS": "1"})
        page = client.post(change_url(bill), data)
        assert page.status_code == 200
        assert "“Staatsblad 2025” is niet te lezen als publicatie in Staatsblad of Staatscourant" in page.content.decode()
        assert not bill.identifiers.exists()

    def test_another_ministrys_identifiers_are_read_only(self, client, alice, make_bill, vws):
        as_staff(client, alice)
        bill = make_bill(lead_ministry=vws)
        inline = client.get(change_url(bill)).context["inline_admin_formsets"][1]
        assert inline.formset.model is Identifier
        assert not inline.has_add_permission and not inline.has_delete_permission


def test_ministries_and_users_are_found_by_autocomplete(client, alice):
    as_staff(client, alice)
    url = reverse("admin:autocomplete")
    found = client.get(url, {"app_label": "legislation", "model_name": "bill", "field_name": "lead_ministry",
                             "term": "VW"}).json()
    assert [r["text"] for r in found["results"]] == [str(Ministry.objects.get(code="VWS"))]
    found = client.get(url, {"app_label": "legislation", "model_name": "bill", "field_name": "owner",
                             "term": "ali"}).json()
    assert [r["text"] for r in found["results"]] == ["alice"]
