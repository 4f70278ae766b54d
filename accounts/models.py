from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class User(AbstractUser):
    """A coordinator, the central coordinator or an admin.

    Which ministries a user coordinates is kept on the ministry
    (`Ministry.coordinators`); steering everything is the permission
    `legislation.move_all_bills`. A model of our own from the start, so that
    per-user settings can be added without swapping the user model later.
    """


class Session(AbstractBaseSession):
    """A session, naming its signed-in user so that one query reads both (`accounts.sessions`)."""

    user = models.ForeignKey(User, models.CASCADE, null=True, blank=True, related_name="sessions")

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
