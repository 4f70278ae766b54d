import os

from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()


def limit_statement_time(sender, connection, **kwargs):
    """No statement of a web request runs longer than WEB_STATEMENT_TIMEOUT seconds.

    Only here, in the web's entry point: migrations, the loader and the Celery tasks may take longer.
    A statement cut off fails its request with a page saying so (tracker.views.server_error), well
    before gunicorn's timeout would kill the worker.
    """
    from django.conf import settings

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)",
                           [f"{int(settings.WEB_STATEMENT_TIMEOUT * 1000)}ms"])


connection_created.connect(limit_statement_time)
