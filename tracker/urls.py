from django.contrib import admin
from django.contrib.auth import urls as account_urls
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import views

urlpatterns = [
    path("", include("legislation.urls")),
    path("", include("reminders.urls")),
    path("", include("overview.urls")),
    path("", include("api.urls")),
    path("", include("publicrecord.urls")),
    path("accounts/", include("accounts.urls")),
    # Logging in and out and changing one's password. No reset by email: an admin sets a forgotten
    # password (README, "Production"), so no form mails anyone on a stranger's request.
    path("accounts/", include([url for url in account_urls.urlpatterns if not url.name.startswith("password_reset")])),
    # The language can be chosen on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
]

handler500 = views.server_error
