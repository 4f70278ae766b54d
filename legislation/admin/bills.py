"""Bills in the admin: the change list, the change form and the history with its undo."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..history import bill_history, may_revert, revert
from ..models import Bill, Flag, Identifier, Stage
from ..policy import EDITABLE_BILL_FIELDS, NotAllowed, RuleError
from ..resources import RegisterResource
from ..selectors import has_overdue
from .access import ChangeOnlyOwnBills
from .bulk import BulkActions
from .filters import MinistryFilter, NoOwnerFilter, OverdueFilter
from .identifiers import IdentifierInline, save_identifiers
from .imports import RuledImportExportMixin
from .milestones import (
    INLINE_MILESTONES_IN_FULL,
    MilestoneInline,
    inline_milestones,
    milestone_list_url,
    save_milestones,
)

# Read-only on the change form: the Bijlage 2 reference comes from the data file, stage and flags change by moves.
BILL_READONLY_FIELDS = ("key", "title", "chapter", "category", "parent", "source_line", "stage", "stage_entered_on",
                        "reading", "on_hold", "controversial")


class BillForm(forms.ModelForm):
    class Meta:
        # The version the user saw comes back with the form: saving over a later change is refused.
        widgets = {"version": forms.HiddenInput}


@admin.register(Bill)
class BillAdmin(ChangeOnlyOwnBills, BulkActions, RuledImportExportMixin, admin.ModelAdmin):
    form = BillForm
    list_display = ("key", "short_title", "ministry", "instrument", "stage_in_order", "flag_list", "owner",
                    "is_overdue")
    list_display_links = ("key", "short_title")
    list_filter = (MinistryFilter, "chapter", "category", "instrument", "stage", OverdueFilter, NoOwnerFilter)
    list_select_related = ("lead_ministry", "owner")
    list_per_page = 50
    search_fields = ("key", "short_title", "official_title", "title", "identifiers__value", "notes")
    ordering = ("key",)
    autocomplete_fields = ("lead_ministry", "co_ministries", "owner")
    readonly_fields = (*BILL_READONLY_FIELDS, "milestone_list")
    fieldsets = (
        (None, {"fields": ("key", "short_title", "official_title", "title", "notes")}),
        (gettext_lazy("Responsibility"), {"fields": ("lead_ministry", "co_ministries", "owner")}),
        (gettext_lazy("Procedure"), {"fields": ("instrument", "stage", "stage_entered_on", "reading", "on_hold",
                                                "controversial", "voorhang_required")}),
        (gettext_lazy("Place in Bijlage 2"), {"fields": ("chapter", "category", "parent", "source_line")}),
        (gettext_lazy("Milestones"), {"fields": ("milestone_list",)}),
        (None, {"fields": ("version",)}),
    )
    inlines = (MilestoneInline, IdentifierInline)
    resource_classes = (RegisterResource,)
    export_name = "wetgevingsregister"

    def get_fieldsets(self, request, obj=None):
        # The version the user saw matters only to a form that can be saved.
        return self.fieldsets if self.has_change_permission(request, obj) else self.fieldsets[:-1]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            overdue=has_overdue(),
            stage_order=Case(*(When(stage=stage, then=position) for position, stage in enumerate(Stage.values))),
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MilestoneInline):
            kwargs["queryset"] = inline_milestones(obj, kwargs["queryset"])
        return kwargs

    @admin.display(description=gettext_lazy("all milestones"))
    def milestone_list(self, bill):
        total = bill.milestones.count() if bill.pk else 0
        if total > INLINE_MILESTONES_IN_FULL:
            text = _("Below are the milestones still to be met; all %(total)s are in the list of milestones.")
        else:
            text = _("The milestones are below, and in the list of milestones.")
        return format_html('{} <a href="{}">{}</a>', text % {"total": total}, milestone_list_url(bill),
                           _("Open the list of this item's milestones"))

    @admin.display(description=gettext_lazy("ministry"), ordering="lead_ministry__code")
    def ministry(self, bill):
        return bill.lead_ministry.code

    @admin.display(description=gettext_lazy("stage"), ordering="stage_order")
    def stage_in_order(self, bill):
        return bill.get_stage_display()

    @admin.display(description=gettext_lazy("flags"))
    def flag_list(self, bill):
        return ", ".join(Flag(flag).label for flag in bill.flags)

    @admin.display(description=gettext_lazy("overdue"), ordering="-overdue")
    def is_overdue(self, bill):
        # Words, not the admin's check marks: a green check for "overdue" would read as good news.
        return _("Overdue") if bill.overdue else ""

    def has_add_permission(self, request):
        # New items come from the register's data file, which keeps the Bijlage 2 reference curated.
        return False

    # Saving the change form: through the rules, with the version the user saw.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleError as refusal:
            if isinstance(refusal, NotAllowed):
                raise
            # Everything of this save was rolled back (a stale version, too many milestones); show the bill as it is now.
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        stored = Bill.objects.get(pk=obj.pk)  # `obj` holds the form's values already
        edits = {name: form.cleaned_data[name] for name in EDITABLE_BILL_FIELDS if name in form.cleaned_data}
        read = stored.version
        services.change_bill(stored, by=request.user, expected_version=form.cleaned_data["version"],
                             co_ministries=form.cleaned_data["co_ministries"], **edits)
        form.stored_bill, form.bill_claimed = stored, stored.version != read

    def save_related(self, request, form, formsets, change):
        # The co-responsible ministries were saved with the bill, by `save_model`.
        if not form.bill_claimed and any(formset.has_changed() for formset in formsets):
            # Only milestones changed: they too are saved only over the version the user saw, as on the board.
            services.claim_version(form.stored_bill, form.cleaned_data["version"])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Identifier:
            save_identifiers(request, formset)
        else:
            save_milestones(request, formset)

    # History, and undoing one change of it.

    def get_urls(self):
        return [
            path("<path:object_id>/history/<str:model>/<int:history_id>/<str:field>/undo/",
                 self.admin_site.admin_view(self.revert_view), name="legislation_bill_revert"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        bill = self.viewable_bill(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of %(bill)s") % {"bill": bill},
            "opts": self.opts,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "object": bill,
            "changes": bill_history(bill),
            "may_revert": may_revert(request.user),
        }
        return TemplateResponse(request, "admin/legislation/bill/object_history.html", context)

    def revert_view(self, request, object_id, model, history_id, field):
        bill = self.viewable_bill(request, object_id)
        if not may_revert(request.user):
            raise PermissionDenied
        change = next((c for c in bill_history(bill) if (c.model, c.history_id, c.field) == (model, history_id, field)
                       and c.undoable), None)
        if change is None:
            raise Http404
        history_url = reverse("admin:legislation_bill_history", args=[bill.pk])
        if request.method == "POST":
            try:
                revert(model, history_id, field, by=request.user)
            except RuleError as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                self.message_user(request, _("“%(field)s” of %(item)s is “%(value)s” again.") % {
                    "field": change.field_label, "item": change.object_label, "value": change.old or "—"})
            return HttpResponseRedirect(history_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Undo a change"),
            "opts": self.opts,
            "object": bill,
            "change": change,
            "history_url": history_url,
        }
        return TemplateResponse(request, "admin/legislation/bill/revert_confirmation.html", context)

    def viewable_bill(self, request, object_id):
        bill = self.get_object(request, unquote(object_id))
        if bill is None:
            raise Http404
        if not self.has_view_or_change_permission(request, bill):
            raise PermissionDenied
        return bill
