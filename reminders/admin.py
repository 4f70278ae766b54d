from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Delivery, FollowNotice, ReminderEmail, ReminderPolicy, ReminderPreference


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the sweep recorded: to look at, not to edit, or a reminder could go out twice."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    fields = ["days_before", "overdue_every", "send_from_hour"]

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:reminders_reminderpolicy_change", ReminderPolicy.load().pk)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "mode"]
    list_filter = ["mode"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "mode"]
    readonly_fields = ["user"]

    def has_add_permission(self, request):
        return False


class EmailStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"
    conditions = {
        "waiting": Q(sent_at=None, failed_at=None),
        "sent": Q(sent_at__isnull=False),
        "failed": Q(failed_at__isnull=False),
    }

    def lookups(self, request, model_admin):
        return [("waiting", _("waiting")), ("sent", _("sent")), ("failed", _("given up"))]

    def queryset(self, request, queryset):
        if self.value() in self.conditions:
            return queryset.filter(self.conditions[self.value()])
        return queryset


class CarriedInline(admin.TabularInline):
    """What an email carries: shown, never added or edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryInline(CarriedInline):
    model = Delivery
    fields = ["milestone", "slot", "planned_date", "due_on", "cancelled_at"]


class NoticeInline(CarriedInline):
    model = FollowNotice
    fields = ["bill", "move", "milestone", "created_at", "cancelled_at"]


@admin.register(ReminderEmail)
class ReminderEmailAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "day", "sent_at", "attempts", "failed_at", "error"]
    list_filter = [EmailStatusFilter, "kind", "day"]
    search_fields = ["recipient__username", "recipient__email"]
    inlines = [DeliveryInline, NoticeInline]
    actions = ["send_again"]

    @admin.action(description=_("Try the selected given-up emails again"))
    def send_again(self, request, queryset):
        count = queryset.filter(failed_at__isnull=False, sent_at=None).update(
            failed_at=None, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent by the next sweep.",
                "%(count)d emails will be sent by the next sweep.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "recipient", "slot", "planned_date", "due_on", "email", "cancelled_at"]
    ordering = ["-due_on", "-id"]
    list_filter = ["slot", "due_on"]
    list_select_related = ["milestone__bill", "recipient", "email__recipient"]
    search_fields = ["milestone__bill__key", "recipient__username"]


@admin.register(FollowNotice)
class FollowNoticeAdmin(ReadOnlyAdmin):
    list_display = ["bill", "move", "milestone", "recipient", "created_at", "email", "cancelled_at"]
    ordering = ["-created_at", "-id"]
    list_filter = ["created_at"]
    list_select_related = ["bill", "move", "milestone", "recipient", "email__recipient"]
    search_fields = ["bill__key", "recipient__username"]
