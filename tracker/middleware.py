from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class ChosenLanguageMiddleware:
    """Dutch unless the user picked another language with the switch.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    the users are Dutch civil servants, many on browsers set to English, and
    the product speaks Dutch to them until they choose otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNullCharactersMiddleware:
    """Answer 400 to a request whose address or form holds a null character.

    No field can store one (PostgreSQL refuses the whole statement) and nobody types one.
    Django's forms refuse it already; this covers every other way a value reaches a query,
    such as the admin's list filters. Uploaded files are checked by the import (resources.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in text for data in (request.GET, request.POST) for key, values in data.lists() for text in (key, *values)
        ):
            message = _("The request contains a null character, which no field can hold.")
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Keep every answer to a logged-in user out of caches: browsers' (the back button after logging
    out on a shared computer) and proxies'. Error pages included; downloads too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
