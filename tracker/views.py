"""Views of the project as a whole."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reminders.models import SweepLock


@login_not_required  # for the monitoring, which does not log in; it shows no data
@never_cache
@require_GET
def health(request):
    """Whether the database and Redis answer and the reminder sweep keeps running; 503 if not."""
    checks = {"database": database_check(), "redis": redis_check(), "reminder_sweep": sweep_check()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)


def database_check():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:  # any failure to answer is what this reports
        return {"ok": False, "error": error.__class__.__name__}


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
