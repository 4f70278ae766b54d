from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.generic import RedirectView

from . import views
from .endpoints import api


def by_token(urls):
    """The API's views: a request shows its token, not a login (and its document is public), so no login redirect."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    # A person who opens the API's address gets its documentation (ninja's own answer there is a 404).
    path("api/v1/", login_not_required(RedirectView.as_view(pattern_name="api-v1:openapi-view")), name="api-home"),
    path("api/v1/", by_token(api.urls)),
    re_path(r"^api/", views.unknown_address),
    path("instellingen/api-tokens/", views.token_create, name="api-token-create"),
    path("instellingen/api-tokens/<int:pk>/intrekken/", views.token_revoke, name="api-token-revoke"),
]
