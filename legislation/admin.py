"""The admin: bulk edits, import/export and history, for the central coordinator and admins.

Every change goes through `rules`. The change form edits only the fields
coordinators may edit (stage and flags change by moves: on the board or with
the bulk action), a coordinator changes only their own ministry's bills and
sees the others read-only, and each bulk action first shows per bill what
the rules will do, then does only that.
"""

import copy
import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, When
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin

from . import rules
from .history import bill_history, may_revert, revert
from .models import Bill, Flag, Milestone, Ministry, Stage
from .resources import MilestoneResource, RegisterResource
from .spreadsheets import CSV, XLSX

admin.site.site_header = gettext_lazy("Legislation tracker: administration")
admin.site.site_title = gettext_lazy("Legislation tracker")
# A handful of models: the breadcrumbs are enough, and the lists need the width.
admin.site.enable_nav_sidebar = False

# Read-only on the change form: the Bijlage 2 reference comes from the data file, stage and flags change by moves.
BILL_READONLY_FIELDS = ("key", "title", "chapter", "category", "parent", "source_line", "stage", "stage_entered_on",
                        "reading", "on_hold", "controversial")


def overdue_milestones():
    """Milestones whose planned date has passed without being met."""
    return Milestone.objects.filter(planned_date__lt=timezone.localdate(), actual_date__isnull=True)


class MinistryFilter(admin.SimpleListFilter):
    """The bills a ministry leads or shares, as on the board."""

    title = gettext_lazy("ministry")
    parameter_name = "ministry"

    def lookups(self, request, model_admin):
        return [(m.code, m.code) for m in Ministry.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(lead_ministry__code=self.value()) | Q(co_ministries__code=self.value())).distinct()
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    """Bills for which `lookup` is true (“yes”) or false (“no”)."""

    lookup = ""
    answers = ()  # the labels of yes and no

    def lookups(self, request, model_admin):
        return list(zip(("yes", "no"), self.answers))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value() == "yes"})
        return queryset


class OverdueFilter(YesNoFilter):
    title = gettext_lazy("overdue")
    parameter_name = lookup = "overdue"
    answers = (gettext_lazy("Overdue"), gettext_lazy("Not overdue"))


class NoOwnerFilter(YesNoFilter):
    title = gettext_lazy("owner")
    parameter_name = "no_owner"
    lookup = "owner__isnull"
    answers = (gettext_lazy("Has no owner"), gettext_lazy("Has an owner"))


class ChangeOnlyOwnBills:
    """Model permissions, and on top of them the rules: a coordinator changes their own ministry's bills."""

    def bill_of(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or rules.may_change(request.user, self.bill_of(obj))
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or rules.may_change(request.user, self.bill_of(obj))
        )


class MilestoneInline(ChangeOnlyOwnBills, admin.TabularInline):
    model = Milestone
    # The source, a long citation, is edited on the milestone's own page.
    fields = tuple(name for name in rules.EDITABLE_MILESTONE_FIELDS if name != "source")
    show_change_link = True
    autocomplete_fields = ("owner",)
    extra = 0

    # For an inline, `obj` is the bill the milestones belong to.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or rules.may_change(request.user, obj))


class BillForm(forms.ModelForm):
    class Meta:
        # The version the user saw comes back with the form: saving over a later change is refused.
        widgets = {"version": forms.HiddenInput}


@dataclass
class Outcome:
    """What a bulk action does, or would do, to one bill."""

    bill: Bill
    effect: str = ""
    refusal: str = ""
    needs_reason: bool = False


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("Move to"), choices=[("", "---------"), *Stage.choices])


class LeadMinistryForm(forms.Form):
    lead_ministry = forms.ModelChoiceField(label=gettext_lazy("Lead ministry"), queryset=Ministry.objects.all())


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model().objects.filter(is_active=True),
        widget=AutocompleteSelect(Bill._meta.get_field("owner"), admin.site),
    )


class ShiftForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        min_value=-3660,
        max_value=3660,
        help_text=gettext_lazy("Positive moves the dates later, negative earlier."),
    )

    def clean_days(self):
        if self.cleaned_data["days"] == 0:
            raise forms.ValidationError(_("Shifting by zero days changes nothing."))
        return self.cleaned_data["days"]


class RuledImportExportMixin(ImportExportMixin):
    """Import and export as CSV or Excel; importing is for those who may change, row by row through the rules."""

    import_formats = export_formats = (CSV, XLSX)
    import_error_display = ("message",)
    import_template_name = "admin/legislation/import.html"
    export_name = ""

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.export_name}-{timezone.localdate().isoformat()}.{file_format.get_extension()}"

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The confirmed import no longer fitted what is stored: it was rolled back as a whole.
            self.message_user(request, _("Nothing was imported: the data changed since the preview. Import the "
                                         "file again to see why."), messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(request, _("Imported: %(changed)s changed, %(added)s added, %(unchanged)s unchanged.") % {
            "changed": result.totals["update"], "added": result.totals["new"], "unchanged": result.totals["skip"]})


@admin.register(Bill)
class BillAdmin(ChangeOnlyOwnBills, RuledImportExportMixin, admin.ModelAdmin):
    form = BillForm
    list_display = ("key", "short_title", "ministry", "instrument", "stage_in_order", "flag_list", "owner",
                    "is_overdue")
    list_display_links = ("key", "short_title")
    list_filter = (MinistryFilter, "chapter", "category", "instrument", "stage", OverdueFilter, NoOwnerFilter)
    list_select_related = ("lead_ministry", "owner")
    list_per_page = 50
    search_fields = ("key", "short_title", "official_title", "title", "kamerstuk", "notes")
    ordering = ("key",)
    autocomplete_fields = ("lead_ministry", "co_ministries", "owner")
    readonly_fields = BILL_READONLY_FIELDS
    fieldsets = (
        (None, {"fields": ("key", "short_title", "official_title", "title", "notes")}),
        (gettext_lazy("Responsibility"), {"fields": ("lead_ministry", "co_ministries", "owner")}),
        (gettext_lazy("Procedure"), {"fields": ("instrument", "stage", "stage_entered_on", "reading", "on_hold",
                                                "controversial", "voorhang_required", "kamerstuk")}),
        (gettext_lazy("Place in Bijlage 2"), {"fields": ("chapter", "category", "parent", "source_line")}),
        (None, {"fields": ("version",)}),
    )
    inlines = (MilestoneInline,)
    actions = ("move_to_stage", "set_lead_ministry", "set_owner", "shift_planned_dates")
    resource_classes = (RegisterResource,)
    export_name = "wetgevingsregister"

    def get_fieldsets(self, request, obj=None):
        # The version the user saw matters only to a form that can be saved.
        return self.fieldsets if self.has_change_permission(request, obj) else self.fieldsets[:-1]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            overdue=Exists(overdue_milestones().filter(bill=OuterRef("pk"))),
            stage_order=Case(*(When(stage=stage, then=position) for position, stage in enumerate(Stage.values))),
        )

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
        except rules.StaleVersion as stale:
            # Everything of this save was rolled back; show the bill as it is now.
            self.message_user(request, stale.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        stored = Bill.objects.get(pk=obj.pk)  # `obj` holds the form's values already
        edits = {name: form.cleaned_data[name] for name in rules.EDITABLE_BILL_FIELDS if name in form.cleaned_data}
        rules.change_bill(stored, by=request.user, expected_version=form.cleaned_data["version"],
                          co_ministries=form.cleaned_data["co_ministries"], **edits)

    def save_related(self, request, form, formsets, change):
        # The co-responsible ministries were saved with the bill, by `save_model`.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for milestone in formset.deleted_objects:
            with rules.attributed(milestone, request.user):
                milestone.delete()
        for milestone, changed in formset.changed_objects:
            stored = Milestone.objects.select_related("bill").get(pk=milestone.pk)
            rules.change_milestone(stored, by=request.user, **{name: getattr(milestone, name) for name in changed})
        for milestone in formset.new_objects:
            rules.add_milestone(milestone.bill, by=request.user,
                                **{name: getattr(milestone, name) for name in rules.EDITABLE_MILESTONE_FIELDS})

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
            except rules.RuleError as refusal:
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

    # Bulk actions: each shows what the rules will do to every selected bill, then does it.

    @admin.action(description=gettext_lazy("Move to a stage…"), permissions=["change"])
    def move_to_stage(self, request, queryset):
        def move(bill, data, reason, version):
            before = bill.get_stage_display()
            rules.move_bill(bill, data["stage"], by=request.user, reason=reason, expected_version=version)
            return _("from “%(from)s” to “%(to)s”") % {"from": before, "to": bill.get_stage_display()}

        return self.bulk(request, queryset, _("Move to a stage"), MoveForm, move)

    @admin.action(description=gettext_lazy("Set the lead ministry…"), permissions=["change"])
    def set_lead_ministry(self, request, queryset):
        return self.bulk_edit(request, queryset, _("Set the lead ministry"), LeadMinistryForm, "lead_ministry")

    @admin.action(description=gettext_lazy("Set the owner…"), permissions=["change"])
    def set_owner(self, request, queryset):
        return self.bulk_edit(request, queryset, _("Set the owner"), OwnerForm, "owner")

    @admin.action(description=gettext_lazy("Shift the planned dates…"), permissions=["change"])
    def shift_planned_dates(self, request, queryset):
        def shift(bill, data, reason, version):
            days = data["days"]
            shifted = rules.shift_planned_dates(bill, days, by=request.user)
            if not shifted:
                return _("no planned dates still to be met")
            return "; ".join(
                f"{milestone}: {date_format(milestone.planned_date - datetime.timedelta(days=days))} → "
                f"{date_format(milestone.planned_date)}"
                for milestone in shifted
            )

        return self.bulk(request, queryset, _("Shift the planned dates"), ShiftForm, shift)

    def bulk_edit(self, request, queryset, title, form_class, field):
        """Give `field` of each selected bill the form's value for it."""
        def edit(bill, data, reason, version):
            before = getattr(bill, field)
            rules.change_bill(bill, by=request.user, expected_version=version, **{field: data[field]})
            return describe_change(before, getattr(bill, field))

        return self.bulk(request, queryset, title, form_class, edit)

    def bulk(self, request, queryset, title, form_class, apply):
        """Preview, then apply, `apply(bill, data, reason, version)` to each selected bill.

        `apply` changes one bill through the rules and says what it did. The
        preview runs it for real and rolls it back, so it shows exactly what
        the rules will do; applying does it again to the bills as they are then,
        refusing a bill that changed since the preview.
        """
        bills = list(queryset.select_related("lead_ministry", "owner").prefetch_related("co_ministries"))
        form = form_class(request.POST if "preview" in request.POST or "apply" in request.POST else None)
        if form.is_valid() and "apply" in request.POST:
            for bill in bills:
                try:
                    with transaction.atomic():
                        effect = apply(bill, form.cleaned_data, request.POST.get(f"reason-{bill.pk}", ""),
                                       request.POST.get(f"version-{bill.pk}"))
                except rules.RuleError as refusal:
                    self.message_user(request, f"{bill}: {refusal.message}", messages.ERROR)
                else:
                    self.message_user(request, f"{bill}: {effect}", messages.SUCCESS)
            return None  # back to the list, which shows the messages
        outcomes = [dry_run(apply, bill, form.cleaned_data) for bill in bills] if form.is_valid() else []
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "action": request.POST.get("action"),
            "form": form,
            "chosen": chosen(form) if form.is_valid() else [],
            "media": self.media + form.media,
            "bills": bills,
            "outcomes": outcomes,
            "counts": {
                "applies": sum(1 for outcome in outcomes if not outcome.refusal),
                "asks": sum(1 for outcome in outcomes if outcome.needs_reason),
                "refused": sum(1 for outcome in outcomes if outcome.refusal and not outcome.needs_reason),
            },
        }
        return TemplateResponse(request, "admin/legislation/bill/bulk_action.html", context)


def dry_run(apply, bill, data):
    """What `apply` would do to `bill`, with everything it wrote rolled back."""
    with transaction.atomic():
        try:
            return Outcome(bill, effect=apply(copy.copy(bill), data, "", bill.version))
        except rules.NeedsReason as refusal:
            return Outcome(bill, refusal=refusal.message, needs_reason=True)
        except rules.RuleError as refusal:
            return Outcome(bill, refusal=refusal.message)
        finally:
            transaction.set_rollback(True)


def chosen(form):
    """The values of a valid form as a person reads them: (label, value) pairs."""
    shown = []
    for name, field in form.fields.items():
        value = form.cleaned_data[name]
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices)[value]
        shown.append((field.label, value))
    return shown


def describe_change(before, after):
    if before == after:
        return _("unchanged: already %(value)s") % {"value": after}
    return f"{before or '—'} → {after}"


@admin.register(Milestone)
class MilestoneAdmin(ChangeOnlyOwnBills, RuledImportExportMixin, admin.ModelAdmin):
    list_display = ("bill", "kind", "planned_date", "actual_date", "owner")
    list_filter = ("kind", ("bill__lead_ministry", admin.RelatedOnlyFieldListFilter), "precision")
    list_select_related = ("bill", "owner")
    search_fields = ("bill__key", "bill__short_title", "label", "source")
    ordering = ("planned_date", "bill__key")
    fields = ("bill", *rules.EDITABLE_MILESTONE_FIELDS, "origin")
    readonly_fields = ("bill", "origin")
    autocomplete_fields = ("owner",)
    resource_classes = (MilestoneResource,)
    export_name = "mijlpalen"

    def bill_of(self, milestone):
        return milestone.bill

    def get_actions(self, request):
        # Deleting a selection would not ask the rules about each milestone's bill; delete on the bill's page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        # A milestone is added on its bill's page, where the bill is known.
        return False

    def save_model(self, request, obj, form, change):
        stored = Milestone.objects.select_related("bill").get(pk=obj.pk)
        rules.change_milestone(stored, by=request.user, **{name: form.cleaned_data[name] for name in form.changed_data})

    def delete_model(self, request, obj):
        with rules.attributed(obj, request.user):
            obj.delete()

    def history_view(self, request, object_id, extra_context=None):
        # A milestone's history is part of its bill's.
        milestone = self.get_object(request, unquote(object_id))
        if milestone is None:
            raise Http404
        return HttpResponseRedirect(reverse("admin:legislation_bill_history", args=[milestone.bill_id]))


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    autocomplete_fields = ("coordinators",)
