"""What the pages read: the read-side rules, each written once.

Which milestones are overdue, a bill's next open milestone, which bills a
user follows, who receives a milestone's reminders, and what a user may
change (the policy's rule with the facts it needs fetched). The filters, the
admin, the board, the calendar, the reminder sweep and the overview call these.
"""

import datetime
from collections import defaultdict
from functools import cached_property
from typing import NamedTuple

from django.db.models import Exists, JSONField, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from . import policy
from .models import Bill, Follow, Milestone, Ministry


class Actor:
    """A user as the policy sees them; each fact is fetched once, and only when asked for."""

    def __init__(self, user):
        self.user = user
        self.is_active = user.is_authenticated and user.is_active

    # Both are read with the user when it signed in with a password (accounts.backends.with_rights), else here.

    @cached_property
    def ministry_ids(self):
        if hasattr(self.user, "coordinated_ministries"):
            return frozenset(int(pk) for pk in (self.user.coordinated_ministries or "").split(",") if pk)
        return frozenset(self.user.ministries.values_list("id", flat=True))

    @cached_property
    def steers_all(self):
        if not self.is_active:
            return False
        if hasattr(self.user, "steers_all_bills"):
            return self.user.is_superuser or self.user.steers_all_bills
        return self.user.has_perm("legislation.move_all_bills")


def actor(user):
    """The user as the policy sees them, built once per request (it is kept on the user)."""
    if not hasattr(user, "_actor"):
        user._actor = Actor(user)
    return user._actor


def ministry_ids(user):
    """The ministries a user coordinates."""
    return actor(user).ministry_ids if actor(user).is_active else frozenset()


def may_steer_all(user):
    """Whether `user` is a central coordinator, who changes every bill."""
    return actor(user).steers_all


def may_change(user, bill, co_ministry_ids=None):
    """`policy.may_change` for `user` and `bill` as stored; the co-ministries are read only if needed.

    `co_ministry_ids`: those of them `user` coordinates, if read already (`shared_with`).
    """
    return policy.may_change(actor(user), bill.lead_ministry_id,
                             _co_ministry_ids(bill) if co_ministry_ids is None else co_ministry_ids)


def shared_with(user, bill_ids):
    """Of the bills `bill_ids`, the co-ministries `user` coordinates: {bill id: [ministry id, ...]}, in one query.

    For `may_change` on many bills at once; nothing is read for a user who coordinates no ministry.
    """
    shared = defaultdict(list)
    if mine := ministry_ids(user):
        rows = Bill.co_ministries.through.objects.filter(bill_id__in=bill_ids, ministry_id__in=mine)
        for bill_id, ministry_id in rows.values_list("bill_id", "ministry_id"):
            shared[bill_id].append(ministry_id)
    return shared


def _co_ministry_ids(bill):
    # A generator function, so that nothing is read unless the policy asks.
    for ministry in bill.co_ministries.all():
        yield ministry.pk


def is_overdue(planned_date, actual_date, today):
    """A milestone is overdue when its planned date has passed without it being met."""
    return actual_date is None and planned_date is not None and planned_date < today


def overdue_milestones(today=None):
    """The milestones that are overdue (`is_overdue`), as a queryset."""
    return Milestone.objects.filter(actual_date__isnull=True, planned_date__lt=today or timezone.localdate())


def milestones_in_short(milestones, met_shown):
    """Of `milestones` (in their order): every one still to be met, and the `met_shown` met most recently."""
    met = sorted((m for m in milestones if m.actual_date is not None), key=lambda m: (m.actual_date, m.pk))
    folded = {m.pk for m in met[:max(len(met) - met_shown, 0)]}
    return [m for m in milestones if m.pk not in folded]


def with_overdue(bills):
    """Filter `bills` to those with an overdue milestone."""
    return bills.filter(has_overdue())


def has_overdue():
    """Whether a bill has an overdue milestone, as an expression (for filters and annotations)."""
    return Exists(overdue_milestones().filter(bill=OuterRef("pk")))


def open_milestones():
    """Milestones planned and not yet met, the next first."""
    return Milestone.objects.filter(actual_date__isnull=True, planned_date__isnull=False).order_by("planned_date", "id")


class NextMilestone(NamedTuple):
    """What a card shows of a bill's next open milestone."""

    planned_date: datetime.date
    kind: str
    label: str
    label_en: str
    edited_fields: list

    @classmethod
    def of(cls, found):
        """From the JSON object `with_next_open_milestone` reads (None: no open milestone)."""
        if not found:
            return None
        return cls(**{**found, "planned_date": datetime.date.fromisoformat(found["planned_date"])})


def _next_open_json(milestones):
    # One JSON object of the fields rather than a subquery per field: one index lookup per bill instead of five,
    # and one expression for Django to build and compile.
    return milestones.values(next_open=JSONObject(**{name: name for name in NextMilestone._fields}))


def with_next_open_milestone(bills):
    """Annotate each of `bills` with `next_open`: its next open milestone (`NextMilestone.of` reads it)."""
    next_open = _next_open_json(open_milestones().filter(bill=OuterRef("pk")))
    return bills.annotate(next_open=Subquery(next_open[:1], output_field=JSONField()))


def read_next_open_milestone(bill):
    """Set `bill`'s next open milestone (`next_open`, as `with_next_open_milestone` does), read now."""
    found = _next_open_json(open_milestones().filter(bill=bill)).first()
    bill.next_open = found["next_open"] if found else None


def with_open_milestone_kinds(bills):
    """Annotate each of `bills` with `open_kinds`: the kinds of its milestones not yet met, as "kind,kind" (or None).

    A move meets the open milestones of some kinds (`policy.MILESTONES_MET_BY`); knowing the kinds, it reads
    them only if there are some (`may_have_open_milestones`).
    """
    from accounts.backends import IdList

    kinds = Milestone.objects.filter(bill=OuterRef("pk"), actual_date__isnull=True).order_by()
    return bills.annotate(open_kinds=Subquery(kinds.values("bill").annotate(kinds=IdList("kind")).values("kinds")))


def may_have_open_milestones(bill, kinds):
    """Whether `bill` may have open milestones of `kinds`: unless `with_open_milestone_kinds` says it has none."""
    if not kinds:
        return False
    if not hasattr(bill, "open_kinds"):
        return True
    return not set(kinds).isdisjoint((bill.open_kinds or "").split(","))


def followed_by(user):
    """The bills `user` follows, as a condition on bills: those they own, and those their ministries lead or share."""
    coordinated = Ministry.objects.filter(coordinators=user).values("pk")
    shared = Bill.co_ministries.through.objects.filter(ministry__in=coordinated).values("bill_id")
    return Q(owner=user) | Q(lead_ministry__in=coordinated) | Q(pk__in=shared)


def starred_ids(user, bills=None):
    """The ids of the bills `user` follows with the star (`Follow`), of all or of `bills`, in one query."""
    follows = Follow.objects.filter(user=user) if bills is None else Follow.objects.filter(user=user, bill__in=bills)
    return set(follows.values_list("bill_id", flat=True))


def starred_by(user):
    """Whether `user` follows a bill with the star, as an annotation on bills (read with them)."""
    return Exists(Follow.objects.filter(bill=OuterRef("pk"), user=user))


def with_starred(bills, user):
    """`bills`, each with `starred` (`starred_by`) and `followed_by_others`: whether anyone but `user` follows it
    (both read with the bill, in no query of their own). A move by `user` tells only the others
    (reminders/following.py), so an item no one else follows needs no look for its followers."""
    return bills.annotate(starred=starred_by(user),
                          followed_by_others=Exists(Follow.objects.filter(bill=OuterRef("pk")).exclude(user=user)))


def followed_milestones(user):
    """The milestones `user` follows: those they own, and those of the bills they follow."""
    return Milestone.objects.filter(Q(owner=user) | Q(bill__in=Bill.objects.filter(followed_by(user))))


def coordinators_by_ministry(users):
    """The users among `users` (ids) who coordinate each ministry: {ministry id: [user id, ...]}."""
    coordinators = defaultdict(list)
    for ministry, user in Ministry.coordinators.through.objects.values_list("ministry_id", "user_id"):
        if user in users:
            coordinators[ministry].append(user)
    return coordinators


def reminder_recipients(owner, bill_owner, lead_ministry, *, active, coordinators):
    """Who receives a milestone's reminders: its owner, else the bill's owner, else the lead ministry's coordinators.

    Owners count only when they are `active`; `coordinators` is `coordinators_by_ministry(active)`.
    """
    if owner in active:
        return (owner,)
    if bill_owner in active:
        return (bill_owner,)
    return coordinators[lead_ministry]
