"""Bulk actions on the selected bills: each shows what the rules will do to every bill, then does only that."""

import copy
import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..models import Bill, Ministry, Stage
from ..policy import NeedsReason, RuleError


@dataclass
class Outcome:
    """What a bulk action does, or would do, to one bill."""

    bill: Bill
    effect: str = ""
    refusal: str = ""
    needs_reason: bool = False


class Unchanged(str):
    """An effect that leaves the bill as it is: the preview counts it apart from the changes."""


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


class BulkActions:
    """The bulk actions of the bills' change list."""

    actions = ("move_to_stage", "set_lead_ministry", "set_owner", "shift_planned_dates")

    @admin.action(description=gettext_lazy("Move to a stage…"), permissions=["change"])
    def move_to_stage(self, request, queryset):
        def move(bill, data, reason, version):
            before = bill.get_stage_display()
            services.move_bill(bill, data["stage"], by=request.user, reason=reason, expected_version=version)
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
            shifted = services.shift_planned_dates(bill, days, by=request.user)
            if not shifted:
                return Unchanged(_("no planned dates still to be met"))
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
            services.change_bill(bill, by=request.user, expected_version=version, **{field: data[field]})
            return describe_change(before, getattr(bill, field))

        return self.bulk(request, queryset, title, form_class, edit)

    def bulk(self, request, queryset, title, form_class, apply):
        """Preview, then apply, `apply(bill, data, reason, version)` to each selected bill.

        `apply` changes one bill through `services` and says what it did. The
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
                except RuleError as refusal:
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
                "applies": sum(1 for outcome in outcomes if not outcome.refusal and not isinstance(outcome.effect, Unchanged)),
                "unchanged": sum(1 for outcome in outcomes if isinstance(outcome.effect, Unchanged)),
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
        except NeedsReason as refusal:
            return Outcome(bill, refusal=refusal.message, needs_reason=True)
        except RuleError as refusal:
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
        return Unchanged(_("unchanged: already %(value)s") % {"value": after})
    return f"{before or '—'} → {after}"
