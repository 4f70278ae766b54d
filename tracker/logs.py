"""Logs without the secret in a private calendar address (reminders/urls.py: agenda/<token>.ics).

Whoever reads a log must not be able to subscribe to someone's calendar. Django's own
messages (such as "Not Found: <path>") pass the filter on the console handler, and
gunicorn's access log uses the logger class below (Procfile).
"""

import logging
import re

from gunicorn.glogging import Logger

CALENDAR_TOKEN = re.compile(r"(/agenda/)[^/?#\s\"]+(\.ics)")


def without_tokens(text):
    return CALENDAR_TOKEN.sub(r"\1…\2", text)


class HideCalendarTokens(logging.Filter):
    def filter(self, record):
        record.msg, record.args = without_tokens(record.getMessage()), ()
        return True


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {name: without_tokens(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}


class OneLineForbidden(logging.Filter):
    """An ordinary 403 (a coordinator opening another ministry's item) is logged in one line, without the
    traceback Django attaches to it: it is a refusal, not an error."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True
