import calendar

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .identifiers import IdentifierKind
from .models import Flag, Milestone, Precision, Stage

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


class IdentifierForm(forms.Form):
    """A public identifier a person links to an item; `services.add_identifier` reads and checks the text."""

    kind = forms.ChoiceField(label=_("Kind"), choices=IdentifierKind.choices)
    value = forms.CharField(label=_("Identifier"), max_length=200)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(choices=Flag.choices)
    on = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


# Where a star is: on a card, or on a detail page (the panel over the board is one).
STAR_PLACES = [("card", "card"), ("detail", "detail")]


class FollowForm(forms.Form):
    """The star: the key of the item to follow or to stop following, and where the star is (a card or a detail page).

    The star's button says which by its name, so that the cards of a board can share one form.
    """

    follow = forms.CharField(required=False, max_length=50)
    unfollow = forms.CharField(required=False, max_length=50)
    place = forms.ChoiceField(choices=STAR_PLACES, required=False, initial="detail")
    # The item's other star on the same page (its card under the panel, or the panel over its card): drawn anew
    # with the answer, so that the two agree.
    also = forms.ChoiceField(choices=STAR_PLACES, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("follow")) == bool(data.get("unfollow")):
            raise forms.ValidationError(_("Say which item to follow, or to stop following."))
        return data


def period_start(day, precision):
    """The first day of the month, quarter or year whose last day `day` is (models.Precision)."""
    if precision == Precision.MONTH:
        return day.replace(day=1)
    if precision == Precision.QUARTER:
        return day.replace(month=day.month - 2, day=1)
    if precision == Precision.YEAR:
        return day.replace(month=1, day=1)
    return day


def is_period_end(day, precision):
    if precision == Precision.MONTH:
        return day.day == calendar.monthrange(day.year, day.month)[1]
    if precision == Precision.QUARTER:
        return day.month % 3 == 0 and is_period_end(day, Precision.MONTH)
    if precision == Precision.YEAR:
        return (day.month, day.day) == (12, 31)
    return True


class MilestoneForm(forms.ModelForm):
    """A milestone's dates. Refused (not merely warned): a date that contradicts its precision, and a
    planned period that begins after the date the milestone was met — both are typing errors."""

    def clean(self):
        cleaned = super().clean()
        planned, met = cleaned.get("planned_date"), cleaned.get("actual_date")
        precision = cleaned.get("precision") or Precision.DAY
        if planned and not is_period_end(planned, precision):
            self.add_error("planned_date", _(
                "With precision “%(precision)s” a date is stored as the last day of its period; %(date)s is "
                "not one. Choose the period's last day, or precision “day”."
            ) % {"precision": Precision(precision).label, "date": date_format(planned)})
        elif planned and met and period_start(planned, precision) > met:
            self.add_error("actual_date", _(
                "Met on %(met)s, before its planned date %(planned)s: correct one of the two dates."
            ) % {"met": date_format(met), "planned": date_format(planned)})
        return cleaned

    class Meta:
        model = Milestone
        fields = ["kind", "label", "planned_date", "precision", "actual_date"]
        widgets = {
            "planned_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

