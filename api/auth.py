"""Who calls the API, and how often they may."""

from django.conf import settings
from django.core.cache import caches
from django.utils import translation
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the request is made as the token's user, with that user's rights."""

    def authenticate(self, request, token):
        api_token = ApiToken.objects.authenticate(token)
        if api_token is not None:
            request.user = api_token.user
        return api_token


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (`settings.API_RATE_LIMIT`), counted in the "api" cache (shared through Redis, if set)."""

    scope = "api-token"
    cache = caches["api"]

    def __init__(self):
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request):
        # Read at each request, so that a changed setting applies at once (as in the tests).
        self.num_requests, self.duration = self.parse_rate(settings.API_RATE_LIMIT)
        return super().allow_request(request)

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


def in_requested_language(view):
    """Answer in the language of the request's Accept-Language (Dutch or English), by default Dutch.

    Unlike the pages (tracker.middleware.ChosenLanguageMiddleware), a program has no language
    switch to click: the standard header is how it asks.
    """

    def wrapper(request, *args, **kwargs):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper
