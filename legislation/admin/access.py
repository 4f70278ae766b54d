"""Who may change which row in the admin: the model permissions, and on top of them the policy."""

from ..selectors import may_change


class ChangeOnlyOwnBills:
    """A coordinator changes (and deletes from) their own ministry's bills; the others are read-only."""

    def bill_of(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_change(request.user, self.bill_of(obj))
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or may_change(request.user, self.bill_of(obj))
        )
