"""Every write to a bill, its milestones or its public identifiers: the policy applied and recorded.

Each function checks who may change the bill (`selectors.may_change`) and
what the policy allows, claims the bill's version (`claim_version`), writes,
and records the history. The board, the admin, imports and the loader call
these; nothing else writes a bill's stage, flags, fields, milestones or identifiers.
"""

import datetime
import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from .identifiers import IdentifierKind, parse
from .models import Bill, Follow, Identifier, Milestone, Move
from .policy import (
    EDITABLE_BILL_FIELDS,
    MILESTONES_MET_BY,
    NotAllowed,
    Position,
    StaleVersion,
    check_flag,
    check_milestone_room,
    check_move,
    flag_field,
    is_forward,
)
from .selectors import may_change, may_have_open_milestones
from .signals import bill_moved, identifier_changed, milestone_changed, milestones_changed

log = logging.getLogger(__name__)


def check_may_change(user, bill):
    """Raise `NotAllowed` unless `user` may change `bill`; None is the data files, which may."""
    if user is not None and not may_change(user, bill):
        raise NotAllowed()


@contextmanager
def attributed(obj, by, reason=""):
    """Record the saves of `obj` in this block as made by `by` (None: the data files), for `reason`.

    Without it the history would name the user of the request, if any, which
    is wrong for the loader and for changes made on someone's behalf.
    """
    obj._history_user, obj._change_reason = by, reason
    try:
        yield
    finally:
        del obj._history_user, obj._change_reason


def claim_version(bill, expected, *, by=None, reason="", co_ministries=None, **changes):
    """Write `changes` to `bill` only if it still has version `expected`, and record them in its history.

    The check and the write are one UPDATE, which bumps the version: of two
    concurrent changes made against one version, only one goes on, the other
    raises `StaleVersion` and nothing of it is written. `bill` is then the
    bill as it now is, without reading it back. Without changes the claim
    only marks the bill changed (a milestone of it changed; its own history
    records that). Call it inside a transaction, which a refusal rolls back.
    """
    now = timezone.now()
    expected = int(expected)
    if by is not None:
        # A person steered this bill: reloading the data file must not undo it.
        edited = {*bill.edited_fields, *(name for name in changes if name != "stage_entered_on")}
        if co_ministries is not None:
            edited.add("co_ministries")
        changes["edited_fields"] = sorted(edited)
    values = {**changes, "version": F("version") + 1, "updated_at": now}
    claimed = Bill.objects.filter(pk=bill.pk, version=expected)
    recorded = changes and co_ministries is None and connection.vendor == "postgresql"
    if not (_claim_and_record(claimed, values, by, reason, now) if recorded else claimed.update(**values)):
        raise StaleVersion()
    for name, value in {**changes, "version": expected + 1, "updated_at": now}.items():
        setattr(bill, name, value)
    if co_ministries is not None:
        bill.skip_history_when_saving = True  # part of this change's history record below, not a record of its own
        try:
            bill.co_ministries.set(co_ministries)
        finally:
            del bill.skip_history_when_saving
    if (changes or co_ministries is not None) and not recorded:
        _record(bill, by, reason, with_co_ministries=co_ministries is not None)


def history_columns(model, given):
    """How a history record of a row of `model` is copied from the row, as simple-history writes it.

    The history's fields copied from the row, and its own (when, the kind of change, who, why: their values in
    `given`, else their defaults) with their parameters.
    """
    history = model.history.model
    tracked = {field.attname for field in model._meta.concrete_fields}
    copied = [field for field in history._meta.concrete_fields if field.attname in tracked]
    own = [field for field in history._meta.concrete_fields if field not in copied and not field.primary_key]
    return copied, own, [field.get_db_prep_save(given.get(field.attname, field.get_default()), connection) for field in own]


def _claim_and_record(claimed, values, by, reason, now):
    """The compare-and-set UPDATE of `claimed` and the history record of the bill it leaves, in one statement.

    PostgreSQL only (an UPDATE … RETURNING feeds the INSERT): a move is a query fewer. The record is the one
    `_record` writes without co-ministries. Returns how many bills were claimed (0 or 1).
    """
    query = claimed.query.chain(UpdateQuery)
    query.add_update_values(values)
    update, update_params = query.get_compiler(connection=connection).as_sql()
    copied, own, params = history_columns(Bill, {
        "history_date": now, "history_type": "~", "history_change_reason": reason,
        "history_user_id": by.pk if by else None, "co_ministries_recorded": False,
    })
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH claimed AS ({update} RETURNING {', '.join(quote(field.column) for field in copied)}) "
            f"INSERT INTO {quote(Bill.history.model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in copied + own)}) "
            f"SELECT claimed.*, {', '.join(['%s'] * len(own))} FROM claimed",
            (*update_params, *params),
        )
        return cursor.rowcount


def _record(bill, by, reason, *, with_co_ministries):
    """Add `bill` as it now is to its history; its co-ministries only `with_co_ministries` (they changed)."""
    with attributed(bill, by, reason):
        (record,) = Bill.history.bulk_history_create(
            [bill], update=True, custom_historical_attrs={"co_ministries_recorded": with_co_ministries}
        )
    if with_co_ministries:
        snapshot = Bill.history.model.co_ministries.model
        snapshot.objects.bulk_create(
            snapshot(history=record, id=row.pk, bill_id=row.bill_id, ministry_id=row.ministry_id)
            for row in Bill.co_ministries.through.objects.filter(bill=bill)
        )


def touch(bill_id):
    """Mark a bill changed for the boards that poll (board.board_stamp) without claiming a version."""
    Bill.objects.filter(pk=bill_id).update(updated_at=timezone.now())


def move_bill(bill, to_stage, *, by=None, reason="", source="", occurred_on=None, expected_version=None, origin=""):
    """Move `bill` to `to_stage` and record the move.

    `by` is the user making the move (None for the loader, which reports what
    the sources say). `expected_version` is the version of the bill the user
    saw; if the bill changed since, `StaleVersion` is raised and nothing changes.
    """
    check_may_change(by, bill)
    position = Position.of(bill)
    reading = check_move(position, to_stage, reason)
    occurred_on = occurred_on or timezone.localdate()
    reason = reason.strip()
    with transaction.atomic():
        claim_version(bill, _expected(bill, expected_version), by=by, reason=reason,
                      stage=to_stage, stage_entered_on=occurred_on, reading=reading)
        move = Move.objects.create(bill=bill, from_stage=position.stage, to_stage=to_stage, reading=reading,
                                   occurred_on=occurred_on, moved_by=by, reason=reason, source=source, origin=origin)
        bill_moved.send(Move, move=move)
        met = MILESTONES_MET_BY.get(to_stage, ())
        if is_forward(position, to_stage, reading) and may_have_open_milestones(bill, met):
            for milestone in bill.milestones.filter(kind__in=met, actual_date__isnull=True):
                milestone.actual_date = occurred_on
                _save_milestone(milestone, by, reason, ["actual_date"])
    return move


def set_flag(bill, flag, on, *, by=None, reason="", source="", occurred_on=None, expected_version=None):
    """Set (`on=True`) or clear a flag on `bill` and record it as a move."""
    check_may_change(by, bill)
    check_flag(bill.stage, bill.flags, flag, on, reason)
    reason = reason.strip()
    with transaction.atomic():
        claim_version(bill, _expected(bill, expected_version), by=by, reason=reason, **{flag_field(flag): on})
        move = Move.objects.create(bill=bill, from_stage=bill.stage, to_stage=bill.stage, flag=flag, flag_set=on,
                                   reading=bill.reading, occurred_on=occurred_on or timezone.localdate(),
                                   moved_by=by, reason=reason, source=source)
        bill_moved.send(Move, move=move)
    return move


def change_bill(bill, *, by, expected_version=None, co_ministries=None, reason="", **changes):
    """Edit a bill's fields by hand; the data file will not overwrite them again."""
    check_may_change(by, bill)
    unknown = set(changes) - set(EDITABLE_BILL_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    changes = {name: value for name, value in changes.items() if getattr(bill, name) != value}
    if co_ministries is not None and set(co_ministries) == set(bill.co_ministries.all()):
        co_ministries = None
    if not changes and co_ministries is None:
        return
    with transaction.atomic():
        claim_version(bill, _expected(bill, expected_version), by=by, reason=reason, co_ministries=co_ministries,
                      **changes)


def load_bill(bill, *, reason, co_ministries=None, **changes):
    """What the data files say of an existing bill (the loader); people's edits were left out before."""
    with transaction.atomic():
        claim_version(bill, bill.version, reason=reason, co_ministries=co_ministries, **changes)


def change_milestone(milestone, *, by, reason="", expected_version=None, **changes):
    """Edit a milestone by hand; the data file will not overwrite the edited fields.

    With `expected_version` (the version of the bill the user saw) the edit is
    refused if the bill or any of its milestones changed since, like a move.
    """
    check_may_change(by, milestone.bill)
    changed = [name for name, value in changes.items() if getattr(milestone, name) != value]
    if not changed:
        return
    with transaction.atomic():
        _claim_for_milestone(milestone.bill, expected_version)
        _save_milestone(milestone, by, reason, _set_milestone_fields(milestone, by, changes, changed))


def _set_milestone_fields(milestone, by, changes, changed):
    """Set the `changed` fields of `milestone` to their `changes`; return the fields to save."""
    for name in changed:
        setattr(milestone, name, changes[name])
    if by is not None:
        milestone.edited_fields = sorted({*milestone.edited_fields, *changed})
    return [*changed, "edited_fields"]


class MilestoneChanges:
    """Many `change_milestone`s by one user: each checked as it is made, all written by `save()`.

    For an import of thousands of rows. The rules and the records are those of
    `change_milestone` without `expected_version`, but the writes take a few
    queries per thousand milestones instead of several per milestone. Call
    `change` (once per milestone) and `save` inside one transaction: what
    `change` accepted is written by `save` only.
    """

    def __init__(self, *, by, reason=""):
        self.by, self.reason = by, reason
        self.allowed = set()  # the bills `by` may change, asked once each
        self.pending = {}  # the fields to save -> the milestones changed in just those

    def change(self, milestone, **changes):
        if milestone.bill_id not in self.allowed:
            check_may_change(self.by, milestone.bill)
            self.allowed.add(milestone.bill_id)
        changed = [name for name, value in changes.items() if getattr(milestone, name) != value]
        if changed:
            fields = _set_milestone_fields(milestone, self.by, changes, changed)
            self.pending.setdefault(tuple(fields), []).append(milestone)

    def save(self):
        changes = [(milestone, "changed", list(fields))
                   for fields, group in self.pending.items() for milestone in group]
        if not changes:
            return
        # Saved per set of fields, so that no milestone is written in a field it did not change.
        for fields, milestones in self.pending.items():
            _update_each(milestones, fields)
        milestones = [milestone for milestone, _, _ in changes]
        Milestone.history.bulk_history_create(milestones, update=True, batch_size=1000, default_user=self.by,
                                              default_change_reason=self.reason)
        Bill.objects.filter(pk__in={milestone.bill_id for milestone in milestones}).update(updated_at=timezone.now())
        milestones_changed.send(Milestone, changes=changes, by=self.by)
        self.pending = {}


def shift_planned_dates(bill, days, *, by, reason=""):
    """Move the planned date of every milestone still to be met by `days`; return those milestones."""
    check_may_change(by, bill)
    milestones = list(bill.milestones.filter(planned_date__isnull=False, actual_date__isnull=True))
    with transaction.atomic():
        for milestone in milestones:
            change_milestone(milestone, by=by, reason=reason,
                             planned_date=milestone.planned_date + datetime.timedelta(days=days))
    return milestones


def add_milestone(bill, *, by, reason="", **fields):
    """Add a milestone to `bill`; its fields count as set by hand."""
    check_may_change(by, bill)
    check_milestone_room(bill.milestones.count())
    milestone = Milestone(bill=bill, **fields)
    if by is not None:
        milestone.edited_fields = sorted(fields)
    with transaction.atomic():
        _save_milestone(milestone, by, reason)
        touch(bill.pk)
    return milestone


def delete_milestone(milestone, *, by, reason="", expected_version=None):
    """Delete a milestone; its bill's history keeps it, and the boards that poll see the change."""
    check_may_change(by, milestone.bill)
    with transaction.atomic():
        _claim_for_milestone(milestone.bill, expected_version)
        milestone_changed.send(Milestone, milestone=milestone, action="deleted", changed=[], by=by)
        with attributed(milestone, by, reason):
            milestone.delete()


def _update_each(milestones, fields):
    """Save `fields` of each of `milestones`: one UPDATE, sent for all of them at once (executemany).

    Like `bulk_update`, without its CASE of one WHEN per milestone and field, which costs more than the write.
    """
    columns = [Milestone._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(Milestone._meta.db_table), ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(Milestone._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[column.get_db_prep_save(getattr(milestone, column.attname), connection)
                                  for column in columns] + [milestone.pk] for milestone in milestones])


def _claim_for_milestone(bill, expected_version):
    # With the version the user saw, a milestone edit is refused like a move; without, the bill is marked changed.
    if expected_version is None:
        touch(bill.pk)
    else:
        claim_version(bill, expected_version)


def _expected(bill, expected_version):
    """The version a change is made against: the one the user saw, else the one read."""
    return bill.version if expected_version is None else expected_version


def _save_milestone(milestone, by, reason, update_fields=None):
    action = "added" if milestone._state.adding else "changed"
    with attributed(milestone, by, reason):
        milestone.save(update_fields=update_fields)
    milestone_changed.send(Milestone, milestone=milestone, action=action, changed=update_fields or [], by=by)


def follow(bill, *, by):
    """Let `by` follow `bill`; following again changes nothing. Anyone who may see a bill may follow it."""
    Follow.objects.get_or_create(user=by, bill=bill)


def unfollow(bill, *, by):
    """Stop `by` following `bill`; a bill not followed stays so."""
    Follow.objects.filter(user=by, bill=bill).delete()


def add_identifier(bill, kind, text, *, by, source=""):
    """Link the public identifier of `kind` written in `text` to `bill`, as said by `by` (None: a seed) in `source`.

    The text is read by `identifiers.parse`; one the bill has already, or one that does not read, is refused
    with a ValidationError saying why, and nothing changes.
    """
    check_may_change(by, bill)
    if kind not in IdentifierKind.values:
        raise ValidationError(_("“%(kind)s” is not a kind of public identifier.") % {"kind": kind}, code="invalid")
    value = parse(kind, text)
    identifier = Identifier(bill=bill, kind=kind, value=value, source=source.strip(), added_by=by)
    duplicate = ValidationError(_("This item has %(identifier)s already.") % {"identifier": identifier},
                                code="duplicate")
    if bill.identifiers.filter(kind=kind, value=value).exists():
        raise duplicate
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the same link made at the same moment loses here
                identifier.save()
        except IntegrityError:
            raise duplicate from None
        touch(bill.pk)
        identifier_changed.send(Identifier, identifier=identifier, action="added")
    return identifier


def remove_identifier(identifier, *, by):
    """Unlink a public identifier from its bill; the loader does not link a seed's identifier again after a person
    removed one."""
    bill = identifier.bill
    check_may_change(by, bill)
    with transaction.atomic():
        identifier_changed.send(Identifier, identifier=identifier, action="removed")
        identifier.delete()
        if by is not None and "identifiers" not in bill.edited_fields:
            bill.edited_fields = sorted({*bill.edited_fields, "identifiers"})
            Bill.objects.filter(pk=bill.pk).update(edited_fields=bill.edited_fields)
        touch(bill.pk)
    log.info("%s removed %s from %s", by.get_username() if by else "the data files", identifier, bill.key)
