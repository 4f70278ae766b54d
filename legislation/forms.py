from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Flag, Milestone, Stage

# A bill's version as the database can hold it (PostgreSQL's integer).
MAX_VERSION = 2**31 - 1


class MoveForm(forms.Form):
    """One card's change: where to, the version the user saw, and why."""

    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class VersionForm(forms.Form):
    """The version of the bill a user saw when editing one of its milestones."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(choices=Flag.choices)
    on = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["kind", "label", "planned_date", "precision", "actual_date"]
        widgets = {
            "planned_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

