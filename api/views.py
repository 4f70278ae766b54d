"""Making and revoking one's own API tokens, on the reminder settings page; an address the API does not have."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from reminders.views import settings_page

from .auth import in_requested_language
from .forms import TokenForm
from .models import ApiToken


@never_cache  # the answer shows the new token, once: no copy may stay in a cache
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return settings_page(request, token_form=form, status=400)
    _row, token = ApiToken.objects.issue(request.user, form.cleaned_data["name"])
    return settings_page(request, new_token=token)


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("The token “%(name)s” is revoked; it no longer works.") % {"name": token.name})
    return redirect("reminder-settings")


@login_not_required
@in_requested_language
def unknown_address(request):
    """Any other address under /api/: a program gets JSON in the API's shape (api/schemas.py, Error), not a page."""
    message = _("The API has no such address; its operations are listed at /api/v1/docs.")
    return JsonResponse({"detail": message, "code": "not_found", "errors": {}}, status=404)
