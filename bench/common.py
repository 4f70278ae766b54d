"""What the benchmarks share: a throwaway database with the register (and, if asked, a synthetic programme).

A benchmark leaves nothing behind in the checkout: its database (on SQLite), static files, mail and
bytecode go to a temporary folder that is removed when it ends, also on an error.
"""

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench-only-secret-key-long-enough-for-django-check-0123456789abcdef"


@contextmanager
def throwaway(database_url, items=None):
    """Prepare a throwaway database (see `prepare`); yield the environment of a process that uses it."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        env = environment(database_url, folder)
        prepare(env, items)
        yield env


def environment(database_url, folder):
    """The environment of a production-like process on this machine, on a throwaway database, writing to `folder`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
        "VAR_DIR": folder,
        "STATIC_ROOT": f"{folder}/static",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", BENCH_SECRET_KEY),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on loopback: in production a load balancer terminates TLS in front.
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }


def prepare(env, items=None):
    """In this process: empty the database of `env`, load the register and grow the programme to `items` bills."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if os.environ["DATABASE_URL"].startswith("postgres"):
        recreate_postgres(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 serves hashed names from the manifest
    call_command("load_register", stdout=open(os.devnull, "w"))
    if items:
        grow(items)


def grow(items):
    from django.core.management import call_command

    from legislation.models import Bill

    # Adds to the synthetic programme already there (deleting it would cost more than making it).
    extra = items - Bill.objects.count()
    if extra > 0:
        call_command("generate_programme", bills=extra, milestones=extra * 10, stdout=sys.stdout)


def recreate_postgres(url):
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
