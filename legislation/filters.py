import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Bill, Category, Chapter, Follow, Identifier, Instrument, Ministry, Stage
from .selectors import followed_by, with_overdue
from .widgets import Select


class BillFilter(django_filters.FilterSet):
    """The filters of the register and the board."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    ministry = django_filters.ModelChoiceFilter(
        label=_("Ministry"), queryset=Ministry.objects.all(), to_field_name="code", method="by_ministry", widget=Select
    )
    chapter = django_filters.ModelChoiceFilter(
        label=_("Chapter"), queryset=Chapter.objects.all(), to_field_name="code", widget=Select
    )
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Category.choices, widget=Select)
    instrument = django_filters.ChoiceFilter(label=_("Instrument"), choices=Instrument.choices, widget=Select)
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, widget=Select)
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="by_overdue", widget=forms.CheckboxInput
    )
    mine = django_filters.BooleanFilter(label=_("Mine"), method="by_mine", widget=forms.CheckboxInput)
    followed = django_filters.BooleanFilter(label=_("Followed"), method="by_star", widget=forms.CheckboxInput)

    class Meta:
        model = Bill
        fields = ["q", "ministry", "chapter", "category", "instrument", "stage", "overdue", "mine", "followed"]

    def search(self, queryset, name, value):
        query = Q()
        for word in value.split():
            # An identifier in a subquery, like the ministries below: no join that would repeat a bill.
            query &= (Q(title__icontains=word) | Q(short_title__icontains=word) | Q(key__icontains=word)
                      | Q(pk__in=Identifier.objects.filter(value__icontains=word).values("bill_id")))
        return queryset.filter(query)

    def by_ministry(self, queryset, name, ministry):
        # Lead or co-responsible: the bills a ministry's coordinator works on. A
        # subquery rather than a join, so that counts need no DISTINCT.
        return queryset.filter(Q(lead_ministry=ministry) | Q(pk__in=ministry.co_bills.values("pk")))

    def by_overdue(self, queryset, name, value):
        return with_overdue(queryset) if value else queryset

    def by_mine(self, queryset, name, value):
        return queryset.filter(followed_by(self.request.user)) if value else queryset

    def by_star(self, queryset, name, value):
        # The items followed with the star; a subquery, like the ministry's, so that counts need no DISTINCT.
        if not value:
            return queryset
        return queryset.filter(pk__in=Follow.objects.filter(user=self.request.user).values("bill_id"))
