"""Signing in with a username and password, and reading the signed-in user on each request."""

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Aggregate, Exists, OuterRef, Q, Subquery, TextField

from legislation.models import Ministry


class IdList(Aggregate):
    """The ids of a group as one text, "3,12": GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(%(expressions)s::text, ',')", **extra_context)


def with_rights(users):
    """Annotate each user with what the policy asks of them (`legislation.selectors.Actor`), read in the same query.

    `coordinated_ministries` holds the ids of the ministries they coordinate, `steers_all_bills` whether they hold
    the central coordinator's permission, directly or through a group.
    """
    coordinated = (
        Ministry.coordinators.through.objects.filter(user=OuterRef("pk"))
        .values("user").annotate(ids=IdList("ministry_id")).values("ids")
    )
    permission = Permission.objects.filter(content_type__app_label="legislation", codename="move_all_bills")
    return users.annotate(
        coordinated_ministries=Subquery(coordinated),
        steers_all_bills=Exists(permission.filter(Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")))),
    )


class ModelBackend(backends.ModelBackend):
    """Django's, with the user's rights read together with the user: a request asks for them, and this saves two."""

    def get_user(self, user_id):
        try:
            user = with_rights(get_user_model()._default_manager).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
