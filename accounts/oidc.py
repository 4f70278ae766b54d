"""Signing in through the organisation's identity provider (OpenID Connect).

mozilla-django-oidc runs the authorization code flow with PKCE, state and nonce. What this module adds:
the provider's endpoints come from its discovery document (only the issuer is configured), the ID
token's issuer, audience and expiry are checked, and every sign-in sets the user's rights from one
claim: the ministries they coordinate and the central coordinator role. README, "Sign-in".
"""

import functools
import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.functional import cached_property
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh
from mozilla_django_oidc.utils import import_from_settings

from legislation.management.commands.create_demo_users import CENTRAL_GROUP, MINISTRY_GROUP, PERMISSIONS, permissions
from legislation.models import Ministry

from .backends import ModelBackend, signed_in_user

logger = logging.getLogger(__name__)

# The library's settings that discovery fills in instead.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT",
}


class ProviderUnavailable(Exception):
    """The identity provider did not answer, or not as OpenID Connect says."""


def library_setting(attr, *default):
    """A setting as mozilla-django-oidc reads it; the endpoints stay empty until a sign-in discovers them."""
    if attr in DISCOVERED:
        return ""
    return import_from_settings(attr, *default)


@functools.cache
def _discover(issuer):
    response = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    # OpenID Connect Discovery 1.0, section 4.3: a document naming another issuer is not to be used.
    if metadata.get("issuer") != issuer:
        raise SuspiciousOperation(f"The provider at {issuer} calls itself {metadata.get('issuer')!r}.")
    return metadata


def provider():
    """The configured provider's discovery document, fetched once per process."""
    try:
        return _discover(settings.OIDC_ISSUER)
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from exc


def enabled():
    return bool(settings.OIDC_ISSUER)


def password_login():
    """Whether everyone may log in with a password: PASSWORD_LOGIN turns it off only next to a provider."""
    return settings.PASSWORD_LOGIN or not enabled()


def rights_from_claims(claims):
    """The codes of the ministries a user coordinates and whether they are the central coordinator.

    Both come from the claim OIDC_RIGHTS_CLAIM (a list of values, or one value such as a department).
    A value listed in OIDC_MINISTRIES maps to that ministry; without that mapping, a value equal to a
    ministry's code (in any case) does. Values are compared without regard to case.
    """
    values = claims.get(settings.OIDC_RIGHTS_CLAIM) or []
    if isinstance(values, str):
        values = [values]
    values = {str(value).casefold() for value in values}
    mapping = {value.casefold(): code for value, code in settings.OIDC_MINISTRIES.items()}
    if not mapping:
        mapping = {code.casefold(): code for code in Ministry.objects.values_list("code", flat=True)}
    codes = {code for value, code in mapping.items() if value in values}
    return codes, settings.OIDC_CENTRAL_VALUE.casefold() in values


def role_group(name):
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(permissions(PERMISSIONS[name]))
    return group


@transaction.atomic
def apply_rights(user, claims):
    """Give the user exactly the rights the claim names, taking away those it no longer names."""
    codes, central = rights_from_claims(claims)
    ministries = list(Ministry.objects.filter(code__in=codes))
    user.ministries.set(ministries)
    for name, wanted in ((MINISTRY_GROUP, bool(ministries)), (CENTRAL_GROUP, central)):
        if wanted:
            user.groups.add(role_group(name))
        else:
            user.groups.remove(*Group.objects.filter(name=name))
    # Coordinators work in the admin too (as the demo accounts do); a superuser stays one.
    user.is_staff = user.is_superuser or bool(ministries) or central
    user.first_name = (claims.get("given_name") or user.first_name)[:150]
    user.last_name = (claims.get("family_name") or user.last_name)[:150]
    user.email = claims.get("email") or user.email
    user.save()
    return user


class Backend(OIDCAuthenticationBackend):
    """The sign-in through the provider, with the checks and the rights described above."""

    get_settings = staticmethod(library_setting)

    def authenticate(self, request, **kwargs):
        if "nonce" not in kwargs or not enabled():
            return None  # not the provider's callback: a password sign-in
        metadata = provider()
        self.issuer = metadata["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = metadata["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token, key):
        # The library checks the signature only; an ID token is also bound to its issuer, this client and a time.
        try:
            return jwt.decode(
                token, key, algorithms=[self.OIDC_RP_SIGN_ALGO], issuer=self.issuer, audience=self.OIDC_RP_CLIENT_ID,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        userinfo = super().get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 1.0, section 5.3.2: userinfo of another subject must not be used.
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("The userinfo is about another subject than the ID token.")
        return {**payload, **userinfo}

    def verify_claims(self, claims):
        # Users are found and made by their address; without one, nobody is signed in.
        return bool(claims.get("email"))

    def create_user(self, claims):
        email = claims["email"]
        taken = self.UserModel.objects.filter(username=email).exists()
        user = self.UserModel.objects.create_user(self.get_username(claims) if taken else email, email=email)
        return apply_rights(user, claims)

    def update_user(self, user, claims):
        return apply_rights(user, claims)

    def get_user(self, user_id):
        # Read with the rights the policy asks for, as the password sign-in reads it (backends.signed_in_user).
        return signed_in_user(user_id)


class PasswordBackend(ModelBackend):
    """The password sign-in (`backends.ModelBackend`); with PASSWORD_LOGIN off, only for superusers (break-glass)."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and (password_login() or user.is_superuser)


class Refresh(SessionRefresh):
    """Asks the provider again, without a prompt, once OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS have passed.

    If the provider's session ended, the user is logged out here too; if not, the rights are read again.
    Polls of the board (htmx) wait for the next page load, which can follow a redirect.
    """

    get_settings = staticmethod(library_setting)

    @cached_property
    def exempt_urls(self):
        names = ("login", "logout", "oidc_authentication_init", "oidc_authentication_callback")
        return {reverse(name) for name in names}

    def is_refreshable_url(self, request):
        return enabled() and "HX-Request" not in request.headers and super().is_refreshable_url(request)

    def process_request(self, request):
        if not self.is_refreshable_url(request):
            return None
        try:
            self.OIDC_OP_AUTHORIZATION_ENDPOINT = provider()["authorization_endpoint"]
        except (ProviderUnavailable, SuspiciousOperation) as exc:
            # Nobody could sign in now; the session keeps its rights until the provider answers again.
            logger.warning("Session not checked at the identity provider: %s", exc)
            return None
        return super().process_request(request)


def provider_logout_url(request):
    """Where logging out leads: the provider's end_session_endpoint if the user signed in there, ending that
    session too (OpenID Connect RP-Initiated Logout), and back to the login page."""
    login = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    try:
        endpoint = id_token and provider().get("end_session_endpoint")
    except (ProviderUnavailable, SuspiciousOperation):
        logger.warning("Logged out here only: the identity provider cannot be reached.")
        endpoint = None
    if not endpoint:
        return login
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(login),
    }
    return f"{endpoint}?{urlencode(query)}"
