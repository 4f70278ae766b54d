from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from api.forms import TokenForm
from api.models import ApiToken

from .calendar import NOTHING_FOLLOWED, calendar_for, calendar_milestones
from .emails import absolute_url
from .forms import ReminderPreferenceForm
from .models import ReminderPolicy, ReminderPreference


@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    preference = ReminderPreference.of(request.user)
    form = ReminderPreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("reminder-settings")
    return settings_page(request, form)


def settings_page(request, form=None, *, status=200, **extra):
    """The settings page; `extra` is what a form posted elsewhere shows on it (api.views: a new token)."""
    form = form or ReminderPreferenceForm(instance=ReminderPreference.of(request.user))
    calendar_url = absolute_url(reverse("reminder-calendar", args=[form.instance.calendar_token]))
    context = {
        "form": form,
        "policy": ReminderPolicy.load(),
        "calendar_url": calendar_url,
        "webcal_url": "webcal://" + calendar_url.split("://", 1)[1],
        "calendar_empty": NOTHING_FOLLOWED if not calendar_milestones(request.user).exists() else "",
        # API tokens (api/): the user's own, not revoked.
        "api_tokens": ApiToken.objects.filter(user=request.user, revoked__isnull=True),
        "token_form": TokenForm(),
        **extra,
    }
    return render(request, "reminders/settings.html", context, status=status)


@require_POST
def renew_calendar(request):
    ReminderPreference.of(request.user).renew_calendar_token()
    messages.success(request, _("Your calendar has a new address. The old address no longer works."))
    return redirect("reminder-settings")


@login_not_required  # calendar apps cannot log in: the secret token in the address is the key
@require_safe  # some calendar apps ask with HEAD whether the feed changed
def calendar_feed(request, token):
    preference = get_object_or_404(
        ReminderPreference.objects.select_related("user"), calendar_token=token, user__is_active=True
    )
    response = HttpResponse(calendar_for(preference.user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"  # the address is the key: no cache should keep the answer
    return response
