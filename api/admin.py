from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made here for a user, or revoked; the token itself is shown once, after saving."""

    list_display = ["name", "user", "prefix", "created", "last_used", "revoked"]
    list_filter = [("revoked", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "created", "last_used", "revoked"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A token's user is fixed once made: the token would otherwise change hands.
        return [] if obj is None else ["user", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        row, token = ApiToken.objects.issue(obj.user, obj.name)
        obj.pk = row.pk
        self.message_user(
            request, _("The token for %(user)s is %(token)s — copy it now: it is shown only once.")
            % {"user": obj.user, "token": token}, messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()
        count = len(queryset)
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
                          % {"count": count})
