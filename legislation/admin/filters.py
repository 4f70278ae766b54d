"""The change lists' filters beyond the model's own fields."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy

from ..models import Ministry


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
    """Bills with an overdue milestone; the change list annotates `overdue` (`selectors.has_overdue`)."""

    title = gettext_lazy("overdue")
    parameter_name = lookup = "overdue"
    answers = (gettext_lazy("Overdue"), gettext_lazy("Not overdue"))


class NoOwnerFilter(YesNoFilter):
    title = gettext_lazy("owner")
    parameter_name = "no_owner"
    lookup = "owner__isnull"
    answers = (gettext_lazy("Has no owner"), gettext_lazy("Has an owner"))
