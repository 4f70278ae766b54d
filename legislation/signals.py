"""What the writes in `services.py` announce, so that other apps (webhooks) can follow them.

Each is sent inside the write's transaction, so what a receiver writes commits
or rolls back with the change itself. Legislation knows no receiver. Who made
the change is the move's `moved_by`, and the milestones' `by` (None: the
loader, an import without a user, the public record's sync).
"""

from django.dispatch import Signal

# A bill moved (`move`: the `Move` just recorded, a stage change or a flag set or cleared).
bill_moved = Signal()

# A milestone was added, changed or is about to be deleted (`milestone`, `action`: "added", "changed",
# "deleted", `changed`: the names of the fields changed, `by`: the user who changed it).
milestone_changed = Signal()

# Several milestones changed at once (`changes`: a list of the (milestone, action, changed) of `milestone_changed`,
# `by`: the user who changed them).
milestones_changed = Signal()

# A public identifier was linked to a bill or removed from it (`identifier`, `action`: "added" or "removed";
# when removed, the row is about to be deleted).
identifier_changed = Signal()
