"""Signing in with a username and password, and reading the signed-in user on each request."""

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Aggregate, Exists, OuterRef, Q, Subquery, TextField

from legislation.models import Ministry

from . import sessions


class IdList(Aggregate):
    """The ids of a group as one text, "3,12": GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(%(expressions)s::text, ',')", **extra_context)


RIGHTS = ("coordinated_ministries", "steers_all_bills")


def rights(user="pk"):
    """What the policy asks of a user (`legislation.selectors.Actor`) as annotations, `user` the field naming them.

    `coordinated_ministries` holds the ids of the ministries they coordinate, `steers_all_bills` whether they hold
    the central coordinator's permission, directly or through a group.
    """
    coordinated = (
        Ministry.coordinators.through.objects.filter(user=OuterRef(user))
        .values("user").annotate(ids=IdList("ministry_id")).values("ids")
    )
    permission = Permission.objects.filter(content_type__app_label="legislation", codename="move_all_bills")
    return dict(zip(RIGHTS, (
        Subquery(coordinated),
        Exists(permission.filter(Q(user=OuterRef(user)) | Q(group__user=OuterRef(user)))),
    )))


def with_rights(users):
    """Annotate each user with their `rights()`, read in the same query."""
    return users.annotate(**rights())


def signed_in_user(user_id):
    """The user `user_id` of this request's session, with their rights: as read with the session
    (`accounts.sessions`), else read now."""
    user = getattr(sessions.reading.get(None), "user", None)
    if user is not None and str(user.pk) == str(user_id):
        return user
    return with_rights(get_user_model()._default_manager).filter(pk=user_id).first()


class ModelBackend(backends.ModelBackend):
    """Django's, with the user's rights read together with the user: a request asks for them, and this saves two."""

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
