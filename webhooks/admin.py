import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders.admin import EmailStatusFilter

from .models import Delivery, Endpoint, EventKind, new_secret


class EndpointForm(forms.ModelForm):
    url = Endpoint._meta.get_field("url").formfield(assume_scheme="https")  # Django 6's default, already
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=Endpoint._meta.get_field("events").help_text,
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "ministry", "events", "form", "active"]


def _show_secret(model_admin, request, endpoint):
    # The secret is shown here once; the endpoint's page shows only its last characters.
    model_admin.message_user(
        request,
        gettext("The secret of “%(endpoint)s” is %(secret)s — note it now, it is not shown again.")
        % {"endpoint": endpoint, "secret": endpoint.secret},
        messages.WARNING,
    )


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "ministry", "event_list", "form", "active"]
    list_filter = ["active", "form", "ministry"]
    search_fields = ["name", "url"]
    readonly_fields = ["masked_secret"]
    actions = ["new_secret"]

    @admin.display(description=_("events"))
    def event_list(self, endpoint):
        return ", ".join(str(EventKind(kind).label) for kind in endpoint.events)

    @admin.display(description=_("secret"))
    def masked_secret(self, endpoint):
        if not endpoint.pk:
            return gettext("Made when the endpoint is saved, and shown once.")
        return f"…{endpoint.secret[-4:]}"

    def save_model(self, request, endpoint, form, change):
        super().save_model(request, endpoint, form, change)
        if not change:
            _show_secret(self, request, endpoint)

    @admin.action(description=_("Give the selected endpoints a new secret"))
    def new_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
            _show_secret(self, request, endpoint)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What the sweep posted and heard back: to look at and to resend, not to edit."""

    # The status filter is the reminder emails': the same columns (sent_at, failed_at) mean the same.
    list_display = ["created", "kind", "bill_key", "endpoint", "status", "attempts", "status_code", "short_answer"]
    list_filter = [EmailStatusFilter, "event__kind", "endpoint"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["event__bill__key", "endpoint__name"]
    fields = ["uuid", "event", "endpoint", "attempts", "next_attempt_at", "sent_at", "failed_at", "status_code",
              "answer", "payload"]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description=_("created"), ordering="event__created_at")
    def created(self, delivery):
        return date_format(timezone.localtime(delivery.event.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("event"), ordering="event__kind")
    def kind(self, delivery):
        return delivery.event.get_kind_display()

    @admin.display(description=_("key"))
    def bill_key(self, delivery):
        return delivery.event.payload["bill"]["key"]

    @admin.display(description=_("status"))
    def status(self, delivery):
        if delivery.sent_at:
            return gettext("sent")
        if delivery.failed_at:
            return gettext("given up")
        return gettext("waiting")

    @admin.display(description=_("last answer"))
    def short_answer(self, delivery):
        return delivery.answer[:80]

    @admin.display(description=_("payload"))
    def payload(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.event.payload, indent=2, ensure_ascii=False))

    @admin.action(description=_("Resend the selected deliveries"))
    def resend(self, request, queryset):
        # Delivered or given up alike; one still being posted is left to finish. The id stays the same.
        now = timezone.now()
        count = queryset.filter(Q(claimed_until=None) | Q(claimed_until__lt=now)).update(
            sent_at=None, failed_at=None, attempts=0, next_attempt_at=now, claimed_until=None
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again by the next sweep.",
                "%(count)d deliveries will be sent again by the next sweep.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
