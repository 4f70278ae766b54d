import logging

import requests
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc import views as oidc_views

from . import oidc

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    """The login page: the provider's button when OIDC is configured, the password form unless PASSWORD_LOGIN is off."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(oidc=oidc.enabled(), password_login=oidc.password_login(), **kwargs)


def refused(request, message):
    """Back to the login page, signed out, with the reason."""
    auth.logout(request)
    messages.error(request, message)
    return redirect("login")


UNREACHABLE = _("The identity provider of your organisation cannot be reached. Please try again later.")
UNTRUSTED = _("The identity provider's answer could not be trusted, so you are not signed in. Please try again.")


@method_decorator(login_not_required, name="dispatch")
class SignInView(oidc_views.OIDCAuthenticationRequestView):
    """Sends the user to the provider, with state, nonce and a PKCE challenge kept in the session."""

    get_settings = staticmethod(oidc.library_setting)

    def get(self, request):
        if not oidc.enabled():
            return redirect("login")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.provider()["authorization_endpoint"]
        except oidc.ProviderUnavailable as exc:
            logger.warning("Identity provider unavailable: %s", exc)
            return refused(request, UNREACHABLE)
        except SuspiciousOperation as exc:
            logger.warning("Identity provider refused: %s", exc)
            return refused(request, UNTRUSTED)
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Where the provider sends the user back; every refusal ends on the login page with its reason."""

    get_settings = staticmethod(oidc.library_setting)

    def get(self, request):
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, oidc.ProviderUnavailable) as exc:
            # A state, nonce, issuer, audience, signature or expiry that does not match, or a code the provider
            # refuses (a wrong PKCE verifier, a code used twice).
            logger.warning("Sign-in through the identity provider refused: %s", exc)
            if isinstance(exc, oidc.ProviderUnavailable):
                return refused(request, UNREACHABLE)
            return refused(request, UNTRUSTED)

    def login_failure(self):
        if self.request.GET.get("error") == "login_required":
            # The silent check (SessionRefresh) found the provider's session ended.
            return refused(self.request, _("Your session has expired. Please sign in again."))
        return refused(self.request, _("Signing in through your organisation did not succeed. Please try again."))


class LogoutView(oidc_views.OIDCLogoutView):
    """Logs out here and, for users who signed in through the provider, there too (OIDC_OP_LOGOUT_URL_METHOD)."""

    http_method_names = ["post"]
