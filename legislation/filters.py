import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Bill, Category, Chapter, Instrument, Ministry, Stage


class BillFilter(django_filters.FilterSet):
    """The filters of the register; the board uses the same ones."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    ministry = django_filters.ModelChoiceFilter(
        label=_("Ministry"), queryset=Ministry.objects.all(), to_field_name="code", method="by_ministry"
    )
    chapter = django_filters.ModelChoiceFilter(
        label=_("Chapter"), queryset=Chapter.objects.all(), to_field_name="code"
    )
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Category.choices)
    instrument = django_filters.ChoiceFilter(label=_("Instrument"), choices=Instrument.choices)
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices)

    class Meta:
        model = Bill
        fields = ["q", "ministry", "chapter", "category", "instrument", "stage"]

    def search(self, queryset, name, value):
        query = Q()
        for word in value.split():
            query &= Q(title__icontains=word) | Q(short_title__icontains=word) | Q(key__icontains=word)
        return queryset.filter(query)

    def by_ministry(self, queryset, name, ministry):
        # Lead or co-responsible: the bills a ministry's coordinator works on.
        return queryset.filter(Q(lead_ministry=ministry) | Q(co_ministries=ministry)).distinct()
