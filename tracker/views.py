"""Views of the project as a whole: the health endpoint and the page of a request that failed."""

import sys

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from psycopg.errors import QueryCanceled

from publicrecord.models import Source, SourceState
from reminders.models import SweepLock


@login_not_required  # for the monitoring, which does not log in; it shows no data
@never_cache
@require_GET
def health(request):
    """Whether the database and Redis answer and the reminder sweep keeps running; 503 if not.

    Each public source's last run is listed too, but a source that is down does not make the
    tracker unhealthy: the tracker works without it, and the next sync catches up.
    """
    checks = {**database_checks(), "redis": redis_check()}
    healthy = all(check["ok"] for check in checks.values())
    # With the database away there is nothing to say about the sources, and asking again would only wait.
    sources = public_record_check() if checks["database"]["ok"] else {"ok": False, "detail": "not known"}
    return JsonResponse({"ok": healthy, **checks, "public_record": sources}, status=200 if healthy else 503)


def database_checks():
    """The database's answer and the last sweep, each statement cut off after HEALTH_TIMEOUT seconds."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)",
                                   [f"{int(settings.HEALTH_TIMEOUT * 1000)}ms"])
                    cursor.execute("SELECT 1")
    except DatabaseError as error:  # down, unreachable, not PostgreSQL, or too slow to say
        return {"database": failure(error),
                "reminder_sweep": {"ok": False, "detail": "not known: the database does not answer"}}
    try:
        with transaction.atomic():
            return {"database": {"ok": True}, "reminder_sweep": sweep_check()}
    except DatabaseError as error:
        return {"database": {"ok": True}, "reminder_sweep": failure(error)}


def failure(error):
    cause = error.__cause__ or error
    return {"ok": False, "error": cause.__class__.__name__}


def redis_check():
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not used: the embedded default runs without a broker"}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        return {"ok": True}
    except redis.RedisError as error:
        return {"ok": False, "error": error.__class__.__name__}


def sweep_check():
    """A sweep runs every REMINDER_SWEEP_SECONDS; three missed in a row is a failure."""
    lock = SweepLock.objects.filter(name="reminders").first()
    if lock is None or lock.finished_at is None:
        return {"ok": False, "age_seconds": None, "detail": "no sweep has finished yet"}
    age = (timezone.now() - lock.finished_at).total_seconds()
    return {"ok": age <= 3 * settings.REMINDER_SWEEP_SECONDS, "age_seconds": round(age)}


def public_record_check():
    """Per public source: whether its last run read it, when it last did, and why not."""
    try:
        states = {state.source: state for state in SourceState.objects.all()}
    except DatabaseError as error:
        return {"ok": False, **failure(error)}
    checks = {}
    for source in Source.values:
        state = states.get(source)
        if state is None or state.last_attempt_at is None:
            checks[source] = {"ok": False, "detail": "not read yet"}
            continue
        checks[source] = {
            "ok": state.failures == 0,
            "last_success": state.last_success_at.isoformat() if state.last_success_at else None,
            "failures": state.failures,
            **({"error": state.last_error} if state.failures else {}),
        }
    return checks


@login_not_required
def server_error(request):
    """The page of a request that failed: 503 when the database was away or too slow, else 500.

    Rendered without the request's context, which may itself need the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError) and isinstance(error.__cause__, QueryCanceled):
        status, message = 503, _("This took the database too long, so it was stopped. Try again in a moment, or "
                                 "narrow the filters.")
    elif isinstance(error, DatabaseError):
        status, message = 503, _("The database does not answer at the moment. Try again in a few minutes.")
    else:
        status, message = 500, _("Something went wrong on our side. It has been logged; try again later.")
    response = HttpResponse(loader.render_to_string("500.html", {"message": message}), status=status)
    if status == 503:
        response["Retry-After"] = "60"
    return response
