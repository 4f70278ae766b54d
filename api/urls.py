from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views
from .endpoints import api


def by_token(urls):
    """The API's views: a request shows its token, not a login (and its document is public), so no login redirect."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("api/v1/", by_token(api.urls)),
    path("instellingen/api-tokens/", views.token_create, name="api-token-create"),
    path("instellingen/api-tokens/<int:pk>/intrekken/", views.token_revoke, name="api-token-revoke"),
]
