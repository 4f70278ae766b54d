"""An item's public identifiers in the admin: inline on its bill's page, linked and removed through `services`."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .. import services
from ..identifiers import parse
from ..models import Identifier
from ..selectors import may_change
from .access import ChangeOnlyOwnBills


class IdentifierForm(forms.ModelForm):
    class Meta:
        model = Identifier
        fields = ("kind", "value")

    def clean(self):
        # Read as the service will read it, so that a text that is no identifier is refused next to its field.
        data = super().clean()
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = parse(data["kind"], data["value"])
            except forms.ValidationError as error:
                self.add_error("value", error)
        return data


class IdentifierInline(ChangeOnlyOwnBills, admin.TabularInline):
    model = Identifier
    form = IdentifierForm
    fields = ("kind", "value", "source", "added_by", "added_at")
    readonly_fields = ("source", "added_by", "added_at")
    extra = 0

    # For an inline, `obj` is the bill the identifiers belong to.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or may_change(request.user, obj))

    def has_change_permission(self, request, obj=None):
        # A wrong identifier is removed and the right one added: who linked which stays true.
        return False


def save_identifiers(request, formset):
    """Save the identifier inline of a bill's change form through `services`: removals and additions."""
    formset.save(commit=False)
    name = request.user.get_full_name() or request.user.get_username()
    for identifier in formset.deleted_objects:
        services.remove_identifier(Identifier.objects.select_related("bill").get(pk=identifier.pk), by=request.user)
    for identifier in formset.new_objects:
        services.add_identifier(identifier.bill, identifier.kind, identifier.value, by=request.user,
                                source=_("Linked by %(name)s in the admin") % {"name": name})
