"""Settings for the legislative pipeline tracker.

Everything that differs between a laptop and a ministry's servers comes from the
environment (see README.md, "Configuration"). Without any environment the app runs
on the embedded default: SQLite in var/ and mail written to files in var/mail/.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
    # Only for the embedded default on one's own machine; `check --deploy` flags it.
    SECRET_KEY = "django-insecure-embedded-default-do-not-use-in-production"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "template_partials",
    "simple_history",
    "import_export",
    "axes",
    "accounts",
    "legislation",
    "reminders",
    "overview",
    "webhooks",
    "publicrecord",
    "ninja",  # its documentation page's scripts and styles, served from our static files
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Early, so that the pages answered by the middleware below (400, 429) carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.sessions.AuthenticationMiddleware",  # Django's, taking the user read with the session
    "accounts.oidc.Refresh",  # rights read again from the identity provider now and then (README, "Sign-in")
    "tracker.middleware.PrivatePagesMiddleware",
    # After the user is known, so that its page shows the menu.
    "tracker.middleware.RefuseNullCharactersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Every select of a form that lists ministries or chapters would otherwise open a cursor on the
# server, three round trips for fifteen rows; it is also what a transaction pooler (PgBouncer) needs.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down, unreachable or not PostgreSQL fails in seconds instead of holding the request.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
# Seconds each of /health/'s statements may take; a slower database is reported as failing.
HEALTH_TIMEOUT = float(os.environ.get("HEALTH_TIMEOUT", "2"))
# Seconds a statement of a web request may take (tracker/wsgi.py), well under gunicorn's WEB_TIMEOUT (Procfile).
WEB_STATEMENT_TIMEOUT = float(os.environ.get("WEB_STATEMENT_TIMEOUT", "10"))

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The board's cards as rendered HTML, kept per process under everything a card shows
    # (legislation/board.py, CARD_FACTS): nothing to invalidate, nothing to share between machines.
    "cards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cards",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    # Whole boards (and their filters) as rendered HTML, kept under everything they show (legislation/board.py,
    # Board.key) for ten minutes (templates/legislation/board.html). Each change makes every board a new one, so
    # fifty per process is plenty; a board of 10,000 items is some 210 kB, in swimlanes by ministry 2.8 MB.
    "boards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "boards",
        "OPTIONS": {"MAX_ENTRIES": 50},
    },
}

AUTH_USER_MODEL = "accounts.User"
# Database sessions read together with their user (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = [
    # First, so that password guessing is stopped before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.oidc.PasswordBackend",
]
# After 5 wrong passwords for one username from one address, that pair waits 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a load balancer the client's address is in X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Sign-in through the organisation's identity provider (OpenID Connect, README "Sign-in"), by
# mozilla-django-oidc; its endpoints come from the issuer's discovery document (accounts/oidc.py).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_RIGHTS_CLAIM = os.environ.get("OIDC_RIGHTS_CLAIM", "groups")
OIDC_MINISTRIES = dict(
    pair.strip().rsplit("=", 1) for pair in os.environ.get("OIDC_MINISTRIES", "").split(",") if "=" in pair
)
OIDC_CENTRAL_VALUE = os.environ.get("OIDC_CENTRAL_VALUE", "wetgeving-centraal")
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = int(os.environ.get("OIDC_RECHECK_SECONDS", "900"))
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_STORE_ID_TOKEN = True  # the hint for the provider's logout
OIDC_OP_LOGOUT_URL_METHOD = "accounts.oidc.provider_logout_url"
OIDC_TIMEOUT = 10
PASSWORD_LOGIN = env_flag("PASSWORD_LOGIN", True)  # off: only superusers (break-glass) log in with a password
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.Backend")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FILTERS_EMPTY_CHOICE_LABEL = _("All")
# One date format per language (tracker/formats/): templates use |date without a pattern.
FORMAT_MODULE_PATH = ["tracker.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
if not DEBUG:
    # Served by whitenoise from `collectstatic`'s output, compressed and cached for ever by hashed name
    # (with DEBUG on, runserver serves them).
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security. The pages load no inline script or style, so the policy can be strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if OIDC_ISSUER:
    # Logging out posts a form that redirects to the provider's end_session_endpoint.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(urlsplit(OIDC_ISSUER)._replace(path="").geturl())
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
if not DEBUG:
    # TLS ends at the load balancer, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # monitoring may ask over plain HTTP on the inside
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_HTTPONLY = True

# Mail: SMTP when EMAIL_HOST is set, otherwise files in var/mail/ that a user can open.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Wetgevingsmonitor <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "hide_calendar_tokens": {"()": "tracker.logs.HideCalendarTokens"},
        "one_line_forbidden": {"()": "tracker.logs.OneLineForbidden"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["hide_calendar_tokens", "one_line_forbidden"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO; the sync reports its sources itself (publicrecord/sync.py).
    "loggers": {"httpx": {"level": "WARNING"}},
}

# Celery and reminders
# With REDIS_URL, a Celery worker and beat send the deadline reminders (README, "Reminders").
# Without it (the embedded default) `./dev run` sweeps in a loop next to the server, and Celery
# runs in memory and eagerly, so nothing ever reaches for a broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # for links in emails and feeds
REMINDER_SWEEP_SECONDS = int(os.environ.get("REMINDER_SWEEP_SECONDS", "300"))
WEBHOOK_SWEEP_SECONDS = int(os.environ.get("WEBHOOK_SWEEP_SECONDS", "60"))  # webhooks/delivery.py
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule there (below)
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a killed worker's task runs again; the sweep is idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Unacknowledged tasks return to the queue after this; no task is ever delayed (no ETA or countdown),
# because on Redis a delayed task outliving the timeout is delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often the public record is read (publicrecord/, below); an hour by default.
PUBLIC_RECORD_SYNC_SECONDS = int(os.environ.get("PUBLIC_RECORD_SYNC_SECONDS", "3600"))
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "reminders.tasks.send_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        # A sweep still queued when the next is due is pointless: the next one does the same work.
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    "send-webhooks": {
        "task": "webhooks.tasks.send_webhooks",
        "schedule": WEBHOOK_SWEEP_SECONDS,
        "options": {"expires": WEBHOOK_SWEEP_SECONDS},
    },
    "sync-public-record": {
        "task": "publicrecord.tasks.sync_public_record",
        "schedule": PUBLIC_RECORD_SYNC_SECONDS,
        "options": {"expires": PUBLIC_RECORD_SYNC_SECONDS},
    },
}
# The public record (publicrecord/, README "The public record"): where each source answers, how long
# one request may take, and how often the sync runs (Celery beat, or `./dev run`'s loop).
# A move a person made within this many days is not undone by the sync: what contradicts it waits for review.
PUBLIC_RECORD_RESPECT_DAYS = int(os.environ.get("PUBLIC_RECORD_RESPECT_DAYS", "14"))
PUBLIC_RECORD_TIMEOUT = float(os.environ.get("PUBLIC_RECORD_TIMEOUT", "20"))
TWEEDEKAMER_ODATA_URL = os.environ.get(
    "TWEEDEKAMER_ODATA_URL", "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0").rstrip("/")
TWEEDEKAMER_SYNCFEED_URL = os.environ.get(
    "TWEEDEKAMER_SYNCFEED_URL", "https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0").rstrip("/")
WETGEVINGSKALENDER_URL = os.environ.get(
    "WETGEVINGSKALENDER_URL", "https://wetgevingskalender.overheid.nl").rstrip("/")
KOOP_SRU_URL = os.environ.get("KOOP_SRU_URL", "https://repository.overheid.nl/sru")
# A send must end well within the claim on its email (reminders/sweep.py, LEASE).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# The JSON API (api/, README "API"): requests a token may make, counted per token. With Redis the
# count is shared by every web process; without, each process counts on its own.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/min")
CACHES["api"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "api"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
)
