"""Milestones in the admin: inline on their bill's page, and a change list of their own."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from .. import services
from ..models import Milestone
from ..policy import EDITABLE_MILESTONE_FIELDS
from ..resources import MilestoneResource
from ..selectors import may_change
from .access import ChangeOnlyOwnBills
from .imports import RuledImportExportMixin


# A bill with more milestones than this shows inline only those still to be met; the others are edited in the
# change list of milestones, which its change form links to filtered on the bill.
INLINE_MILESTONES_IN_FULL = 20


def inline_milestones(bill, milestones):
    """The milestones of `bill` its change form shows inline, of the queryset `milestones`."""
    if bill is not None and bill.milestones.count() > INLINE_MILESTONES_IN_FULL:
        return milestones.filter(actual_date__isnull=True)
    return milestones


def milestone_list_url(bill):
    return reverse("admin:legislation_milestone_changelist") + f"?bill__id__exact={bill.pk}"


class MilestoneInline(ChangeOnlyOwnBills, admin.TabularInline):
    model = Milestone
    # The source, a long citation, is edited on the milestone's own page.
    fields = tuple(name for name in EDITABLE_MILESTONE_FIELDS if name != "source")
    show_change_link = True
    autocomplete_fields = ("owner",)
    extra = 0

    # For an inline, `obj` is the bill the milestones belong to.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or may_change(request.user, obj))


def save_milestones(request, formset):
    """Save the milestone inline of a bill's change form through `services`: deletes, changes and additions."""
    formset.save(commit=False)
    for milestone in formset.deleted_objects:
        services.delete_milestone(stored_milestone(milestone.pk), by=request.user)
    for milestone, changed in formset.changed_objects:
        services.change_milestone(stored_milestone(milestone.pk), by=request.user,
                                  **{name: getattr(milestone, name) for name in changed})
    for milestone in formset.new_objects:
        services.add_milestone(milestone.bill, by=request.user,
                               **{name: getattr(milestone, name) for name in EDITABLE_MILESTONE_FIELDS})


def stored_milestone(pk):
    """The milestone as stored (a form's instance already holds the form's values)."""
    return Milestone.objects.select_related("bill").get(pk=pk)


@admin.register(Milestone)
class MilestoneAdmin(ChangeOnlyOwnBills, RuledImportExportMixin, admin.ModelAdmin):
    list_display = ("bill", "kind", "planned_date", "actual_date", "owner")
    list_filter = ("kind", ("bill__lead_ministry", admin.RelatedOnlyFieldListFilter), "precision")
    list_select_related = ("bill", "owner")
    search_fields = ("bill__key", "bill__short_title", "label", "source")
    ordering = ("planned_date", "bill__key")
    fields = ("bill", *EDITABLE_MILESTONE_FIELDS, "origin")
    readonly_fields = ("bill", "origin")
    autocomplete_fields = ("owner",)
    resource_classes = (MilestoneResource,)
    export_name = "mijlpalen"

    def bill_of(self, milestone):
        return milestone.bill

    def has_add_permission(self, request):
        # A milestone is added on its bill's page, where the bill is known.
        return False

    def save_model(self, request, obj, form, change):
        services.change_milestone(stored_milestone(obj.pk), by=request.user,
                                  **{name: form.cleaned_data[name] for name in form.changed_data})

    def delete_model(self, request, obj):
        services.delete_milestone(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        # The delete action: its confirmation page has already refused milestones of bills the user may not
        # change (`has_delete_permission`); all or nothing all the same.
        with transaction.atomic():
            for milestone in queryset.select_related("bill"):
                services.delete_milestone(milestone, by=request.user)

    def history_view(self, request, object_id, extra_context=None):
        # A milestone's history is part of its bill's.
        milestone = self.get_object(request, unquote(object_id))
        if milestone is None:
            raise Http404
        return HttpResponseRedirect(reverse("admin:legislation_bill_history", args=[milestone.bill_id]))
