"""The followers of an item hear of its moves and new milestones: the receivers of `legislation.signals`.

Each change writes a `FollowNotice` for every follower (the star) but the one
who made it, inside the change's transaction: a change that rolls back tells
no one, one that commits is told by the next sweep (`sweep.py`). Moves and
milestones by a person, an import or the public record's sync (by=None) go
through the same services, so all of them are told.
"""

from legislation.models import Follow

from .models import FollowNotice


def bill_moved(sender, move, **kwargs):
    # The board reads with the bill whether anyone but the mover follows it (selectors.with_starred); a bill read
    # without it (the API, the sync) is looked up.
    if getattr(move.bill, "followed_by_others", True) is False:
        return
    followers = Follow.objects.filter(bill_id=move.bill_id).exclude(user_id=move.moved_by_id)
    FollowNotice.objects.bulk_create(
        [FollowNotice(recipient_id=user, bill_id=move.bill_id, move=move)
         for user in followers.values_list("user_id", flat=True)],
        ignore_conflicts=True,
    )


def milestone_changed(sender, milestone, action, by=None, **kwargs):
    if action == "added":
        milestones_changed(sender, [(milestone, action, [])], by=by)


def milestones_changed(sender, changes, by=None, **kwargs):
    added = [milestone for milestone, action, _changed in changes if action == "added"]
    if not added:
        return
    by_id = by.pk if by else None
    followers = {}
    for user, bill in Follow.objects.filter(bill__in={m.bill_id for m in added}).exclude(user_id=by_id).values_list(
        "user_id", "bill_id"
    ):
        followers.setdefault(bill, []).append(user)
    FollowNotice.objects.bulk_create(
        [
            FollowNotice(recipient_id=user, bill_id=milestone.bill_id, milestone=milestone)
            for milestone in added
            for user in followers.get(milestone.bill_id, ())
        ],
        ignore_conflicts=True,
    )
