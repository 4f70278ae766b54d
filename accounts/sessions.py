"""Database sessions that read the signed-in user, with their rights, in the same query as the session.

Django reads a request's session, then its user: two queries on every page. Each session row here names
its user (`models.Session.user`, written whenever the session is saved), so the session is read joined
to its user, and the authentication backends (`backends.signed_in_user`) take that user rather than read
it again. Django still checks the user against the session (the password hash, `is_active`).
"""

import contextvars
import functools
import logging

from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

# The session whose user is being read, while AuthenticationMiddleware reads it (and only then).
reading = contextvars.ContextVar("reading")


class SessionStore(db.SessionStore):
    user = None  # the session's user as read with it, with their rights

    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    @classmethod
    @functools.cache
    def with_users(cls):
        """The sessions with their users and the users' rights: made once, since on every request making this
        query cost more than running it."""
        from .backends import rights

        annotations = {f"user_{name}": right for name, right in rights("user").items()}
        return cls.get_model_class().objects.select_related("user").annotate(**annotations)

    def _get_session_from_db(self):
        from .backends import RIGHTS

        try:
            session = self.with_users().get(session_key=self.session_key, expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            self._session_key = None
            return None
        if session.user is not None:
            for name in RIGHTS:
                setattr(session.user, name, getattr(session, f"user_{name}"))
        self.user = session.user
        return session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = data.get(SESSION_KEY)
        return session


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, letting the backends take the user read with the session (`SessionStore.user`)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: signed_in(request))


def signed_in(request):
    token = reading.set(request.session)
    try:
        return auth_middleware.get_user(request)
    finally:
        reading.reset(token)
