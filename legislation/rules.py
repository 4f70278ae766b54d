"""The rules of movement, in one place.

Which stages an instrument passes, which moves between them are allowed and
which need a reason, who may move a bill, and how a move is recorded. The
board, the admin and the loader all go through `move_bill` and `set_flag`;
nothing else changes a bill's stage or flags.
"""

import datetime
import functools
from contextlib import contextmanager
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Bill, Flag, Instrument, Milestone, MilestoneKind, Move, Stage

MAIN_LINE = (
    Stage.AANGEKONDIGD,
    Stage.VOORBEREIDING,
    Stage.CONSULTATIE,
    Stage.RAAD_VAN_STATE,
    Stage.TWEEDE_KAMER,
    Stage.EERSTE_KAMER,
    Stage.GEPUBLICEERD,
    Stage.IN_WERKING,
)
END_STATES = (Stage.INGETROKKEN, Stage.VERWORPEN, Stage.VERVALLEN)
STAGES = frozenset(Stage.values)
IN_PARLIAMENT = (Stage.TWEEDE_KAMER, Stage.EERSTE_KAMER)

# The stages each instrument passes. Stages may be skipped going forward (only
# skipping consultation needs a reason); a stage not on the path is never entered.
PATHS = {
    Instrument.WET: MAIN_LINE,
    Instrument.RIJKSWET: MAIN_LINE,
    Instrument.GRONDWET: MAIN_LINE,
    Instrument.EU_IMPLEMENTATIE: MAIN_LINE,
    # Until someone decides the instrument, allow the longest path.
    Instrument.ONBEKEND: MAIN_LINE,
    # An AMvB's voorhang is a milestone, not a stage: it never enters the chambers.
    Instrument.AMVB: (
        Stage.AANGEKONDIGD,
        Stage.VOORBEREIDING,
        Stage.CONSULTATIE,
        Stage.RAAD_VAN_STATE,
        Stage.GEPUBLICEERD,
        Stage.IN_WERKING,
    ),
    Instrument.KB: (
        Stage.AANGEKONDIGD,
        Stage.VOORBEREIDING,
        Stage.RAAD_VAN_STATE,
        Stage.GEPUBLICEERD,
        Stage.IN_WERKING,
    ),
    Instrument.MINISTERIELE_REGELING: (
        Stage.AANGEKONDIGD,
        Stage.VOORBEREIDING,
        Stage.CONSULTATIE,
        Stage.GEPUBLICEERD,
        Stage.IN_WERKING,
    ),
    # A circular or policy rule, and a decision such as a traffic decision, are made by the
    # minister or road authority alone and take effect once published.
    Instrument.CIRCULAIRE: (Stage.AANGEKONDIGD, Stage.VOORBEREIDING, Stage.GEPUBLICEERD, Stage.IN_WERKING),
    Instrument.BESLUIT: (Stage.AANGEKONDIGD, Stage.VOORBEREIDING, Stage.GEPUBLICEERD, Stage.IN_WERKING),
}
# An AMvRB goes the AMvB's way, through the rijksministerraad.
PATHS[Instrument.AMVRB] = PATHS[Instrument.AMVB]

# Entering a stage (going forward) means these milestones were met that day.
MILESTONES_MET_BY = {
    Stage.CONSULTATIE: (MilestoneKind.CONSULTATIE_START,),
    Stage.RAAD_VAN_STATE: (MilestoneKind.ADVIESAANVRAAG_RVS,),
    Stage.TWEEDE_KAMER: (MilestoneKind.INDIENING_TK,),
    Stage.EERSTE_KAMER: (MilestoneKind.STEMMING_TK,),
    Stage.GEPUBLICEERD: (MilestoneKind.PUBLICATIE,),
    Stage.IN_WERKING: (MilestoneKind.INWERKINGTREDING,),
}


class RuleError(Exception):
    """A change the rules refuse; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class MoveRefused(RuleError):
    pass


class NeedsReason(MoveRefused):
    """Allowed, but only with a reason: the board asks for one and tries again."""


class StaleVersion(RuleError):
    def __init__(self):
        super().__init__(
            _("This bill was changed by someone else since you opened it. Look at it as it is now and try again.")
        )


class NotAllowed(RuleError, PermissionDenied):
    def __init__(self):
        super().__init__(_("You may only change the bills of your own ministry."))


def path_of(instrument):
    return PATHS[instrument]


def ministry_ids(user):
    """The ministries a user coordinates, asked once per request."""
    if not hasattr(user, "_coordinated_ministry_ids"):
        user._coordinated_ministry_ids = frozenset(user.ministries.values_list("id", flat=True))
    return user._coordinated_ministry_ids


def may_steer_all(user):
    return user.is_active and user.has_perm("legislation.move_all_bills")


def may_change(user, bill):
    """Whether `user` may move `bill` and edit its milestones.

    Coordinators change the bills their ministry leads or shares; the central
    coordinator (permission `move_all_bills`) changes all. Membership is asked
    first: it is one query, the permissions two.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    mine = ministry_ids(user)
    if mine and (bill.lead_ministry_id in mine or any(m.id in mine for m in bill.co_ministries.all())):
        return True
    return may_steer_all(user)


def allowed_targets(bill):
    """The stages the board offers for `bill` (each may still need a reason)."""
    return _allowed_targets(bill.instrument, bill.stage, bill.reading)


@functools.cache
def _allowed_targets(instrument, stage, reading):
    # Only these three decide where a bill may go; the board asks for every card.
    position = SimpleNamespace(instrument=instrument, stage=stage, reading=reading)
    targets = []
    for target in (*MAIN_LINE, *END_STATES):
        try:
            check_move(position, target, reason="-")
        except MoveRefused:
            continue
        targets.append(target)
    return tuple(targets)


def next_stage(bill):
    """The stage a bill normally goes to next on its instrument's path, if any."""
    if bill.stage not in MAIN_LINE:
        return None
    if bill.instrument == Instrument.GRONDWET and bill.stage == Stage.GEPUBLICEERD and bill.reading == 1:
        return Stage.TWEEDE_KAMER
    later = [stage for stage in path_of(bill.instrument) if MAIN_LINE.index(stage) > MAIN_LINE.index(bill.stage)]
    return later[0] if later else None


def check_move(bill, to_stage, reason=""):
    """Refuse a move the rules forbid; return the reading the bill will be in.

    `reason` is the text the user gave; a move that needs one and has none
    raises `NeedsReason`.
    """
    if to_stage not in STAGES:
        raise MoveRefused(_("“%(stage)s” is not a stage.") % {"stage": to_stage})
    to_stage = Stage(to_stage)
    from_stage = Stage(bill.stage)
    instrument = Instrument(bill.instrument)
    path = path_of(instrument)
    labels = {"from": from_stage.label, "to": to_stage.label, "instrument": instrument.label}
    has_reason = bool(reason.strip())

    if to_stage == from_stage:
        raise MoveRefused(_("This bill is already in “%(to)s”.") % labels)

    if from_stage in END_STATES:
        if to_stage in END_STATES:
            raise MoveRefused(_("A bill that is “%(from)s” can only be reopened in a stage of the main line.") % labels)
        if to_stage not in path:
            raise MoveRefused(_("The instrument %(instrument)s does not pass the stage “%(to)s”.") % labels)
        if not has_reason:
            raise NeedsReason(_("Reopening a bill that is “%(from)s” needs a reason.") % labels)
        return 1

    if to_stage in END_STATES:
        return _check_end_state(from_stage, to_stage, labels, has_reason, bill.reading)

    if to_stage not in path:
        raise MoveRefused(_("The instrument %(instrument)s does not pass the stage “%(to)s”.") % labels)

    reading = bill.reading
    if instrument == Instrument.GRONDWET:
        if from_stage == Stage.GEPUBLICEERD and to_stage == Stage.TWEEDE_KAMER and reading == 1:
            # After publication of the first reading, the second reading starts in the new Tweede Kamer.
            return 2
        if to_stage == Stage.IN_WERKING and reading == 1:
            raise MoveRefused(_("A constitutional amendment only enters into force after its second reading."))

    start, end = MAIN_LINE.index(from_stage), MAIN_LINE.index(to_stage)
    if end < start:
        if not has_reason:
            raise NeedsReason(_("Moving back from “%(from)s” to “%(to)s” needs a reason.") % labels)
        return reading

    skipped = MAIN_LINE[start + 1 : end]
    if Stage.CONSULTATIE in skipped and Stage.CONSULTATIE in path and not has_reason:
        raise NeedsReason(_("Skipping the consultation needs a reason."))
    return reading


def _check_end_state(from_stage, to_stage, labels, has_reason, reading):
    if from_stage in (Stage.GEPUBLICEERD, Stage.IN_WERKING):
        raise MoveRefused(
            _("A bill that is “%(from)s” cannot become “%(to)s”; repealing it takes a new bill.") % labels
        )
    if to_stage in (Stage.INGETROKKEN, Stage.VERWORPEN) and from_stage not in IN_PARLIAMENT:
        raise MoveRefused(
            _("Only a bill before the Tweede Kamer or the Eerste Kamer can become “%(to)s”.") % labels
        )
    if not has_reason:
        raise NeedsReason(_("Marking a bill “%(to)s” needs a reason.") % labels)
    return reading


def check_flag(bill, flag, on, reason=""):
    if flag not in Flag.values:
        raise MoveRefused(_("“%(flag)s” is not a flag.") % {"flag": flag})
    flag = Flag(flag)
    labels = {"flag": flag.label, "stage": Stage(bill.stage).label}
    current = bill.on_hold if flag == Flag.AANGEHOUDEN else bill.controversial
    if current == on:
        if on:
            raise MoveRefused(_("This bill is already marked “%(flag)s”.") % labels)
        raise MoveRefused(_("This bill is not marked “%(flag)s”.") % labels)
    if on and bill.stage in END_STATES:
        raise MoveRefused(_("A bill that is “%(stage)s” cannot be marked “%(flag)s”.") % labels)
    if on and flag == Flag.CONTROVERSIEEL and bill.stage not in IN_PARLIAMENT:
        raise MoveRefused(
            _("Only a bill before the Tweede Kamer or the Eerste Kamer can be declared controversial.")
        )
    if not reason.strip():
        raise NeedsReason(
            (_("Marking a bill “%(flag)s” needs a reason.") if on else _("Lifting “%(flag)s” needs a reason."))
            % labels
        )


def move_bill(bill, to_stage, *, by=None, reason="", source="", occurred_on=None, expected_version=None, origin=""):
    """Move `bill` to `to_stage` and record the move.

    `by` is the user making the move (None for the loader, which reports what
    the sources say). `expected_version` is the version of the bill the user
    saw; if the bill changed since, `StaleVersion` is raised and nothing changes.
    """
    if by is not None and not may_change(by, bill):
        raise NotAllowed()
    reading = check_move(bill, to_stage, reason)
    occurred_on = occurred_on or timezone.localdate()
    from_stage = bill.stage
    forward = to_stage in MAIN_LINE and (
        from_stage in END_STATES or MAIN_LINE.index(to_stage) > MAIN_LINE.index(from_stage) or reading > bill.reading
    )
    with transaction.atomic():
        _save(bill, by, expected_version, {"stage": to_stage, "stage_entered_on": occurred_on, "reading": reading},
              reason=reason.strip())
        move = Move.objects.create(
            bill=bill,
            from_stage=from_stage,
            to_stage=to_stage,
            reading=reading,
            occurred_on=occurred_on,
            moved_by=by,
            reason=reason.strip(),
            source=source,
            origin=origin,
        )
        if forward:
            for milestone in bill.milestones.filter(
                kind__in=MILESTONES_MET_BY.get(to_stage, ()), actual_date__isnull=True
            ):
                milestone.actual_date = occurred_on
                _save_recorded(milestone, by, reason.strip(), ["actual_date"])
    return move


def set_flag(bill, flag, on, *, by=None, reason="", source="", occurred_on=None, expected_version=None):
    """Set (`on=True`) or clear a flag on `bill` and record it as a move."""
    if by is not None and not may_change(by, bill):
        raise NotAllowed()
    check_flag(bill, flag, on, reason)
    field = "on_hold" if flag == Flag.AANGEHOUDEN else "controversial"
    with transaction.atomic():
        _save(bill, by, expected_version, {field: on}, reason=reason.strip())
        return Move.objects.create(
            bill=bill,
            from_stage=bill.stage,
            to_stage=bill.stage,
            flag=flag,
            flag_set=on,
            reading=bill.reading,
            occurred_on=occurred_on or timezone.localdate(),
            moved_by=by,
            reason=reason.strip(),
            source=source,
        )


def _save(bill, by, expected_version, changes, also_edited=(), reason="", co_ministries=None):
    """Write `changes` only if the bill is still at the version the caller saw, and record them.

    The write is a compare-and-set on the version, so that of two concurrent
    changes only one goes on; it goes through the ORM, which is what writes the
    history record. Callers hold a transaction, which a refusal rolls back.
    """
    version = bill.version if expected_version is None else int(expected_version)
    fields = [*changes, "edited_fields", "version", "updated_at"]
    before = {name: getattr(bill, name) for name in fields}
    edited = list(bill.edited_fields)
    if by is not None:
        # A person steered this bill: reloading the data file must not undo it.
        edited = sorted({*edited, *also_edited, *(name for name in changes if name != "stage_entered_on")})
    for name, value in changes.items():
        setattr(bill, name, value)
    bill.edited_fields = edited
    bill.version = version + 1
    if co_ministries is not None:
        # Part of this change's history record below, not a record of its own.
        bill.skip_history_when_saving = True
        try:
            bill.co_ministries.set(co_ministries)
        finally:
            del bill.skip_history_when_saving
    try:
        with attributed(bill, by, reason):
            bill.save_against(version, update_fields=fields)
    except Bill.VersionConflict:
        for name, value in before.items():  # the bill as it was read, for the answer that shows it
            setattr(bill, name, value)
        raise StaleVersion() from None


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


def _save_recorded(obj, by, reason, update_fields=None):
    with attributed(obj, by, reason):
        obj.save(update_fields=update_fields)


# Fields of a bill that its coordinators edit; stage and flags change only by moves.
EDITABLE_BILL_FIELDS = ("short_title", "official_title", "instrument", "lead_ministry", "owner",
                        "voorhang_required", "kamerstuk", "notes")
# Fields of a milestone people edit; its origin is how the loader finds it again.
EDITABLE_MILESTONE_FIELDS = ("kind", "label", "planned_date", "precision", "actual_date", "owner", "source")


def change_bill(bill, *, by, expected_version=None, co_ministries=None, reason="", **changes):
    """Edit a bill's fields by hand; the data file will not overwrite them again."""
    if by is not None and not may_change(by, bill):
        raise NotAllowed()
    unknown = set(changes) - set(EDITABLE_BILL_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    changes = {name: value for name, value in changes.items() if getattr(bill, name) != value}
    co_changed = co_ministries is not None and set(co_ministries) != set(bill.co_ministries.all())
    if not changes and not co_changed:
        return
    with transaction.atomic():
        _save(bill, by, expected_version, changes, also_edited=("co_ministries",) if co_changed else (),
              reason=reason, co_ministries=co_ministries if co_changed else None)


def change_milestone(milestone, *, by, reason="", expected_version=None, **changes):
    """Edit a milestone by hand; the data file will not overwrite the edited fields.

    With `expected_version` (the version of the bill the user saw) the edit is
    refused if the bill or any of its milestones changed since, like a move.
    """
    if by is not None and not may_change(by, milestone.bill):
        raise NotAllowed()
    changed = [name for name, value in changes.items() if getattr(milestone, name) != value]
    if not changed:
        return
    if expected_version is not None:
        claimed = Bill.objects.filter(pk=milestone.bill_id, version=int(expected_version)).update(
            version=int(expected_version) + 1, updated_at=timezone.now()
        )
        if not claimed:
            raise StaleVersion()
    else:
        _touch(milestone.bill_id)
    for name in changed:
        setattr(milestone, name, changes[name])
    if by is not None:
        milestone.edited_fields = sorted({*milestone.edited_fields, *changed})
    _save_recorded(milestone, by, reason, [*changed, "edited_fields"])


def shift_planned_dates(bill, days, *, by, reason=""):
    """Move the planned date of every milestone still to be met by `days`; return those milestones."""
    if by is not None and not may_change(by, bill):
        raise NotAllowed()
    milestones = list(bill.milestones.filter(planned_date__isnull=False, actual_date__isnull=True))
    with transaction.atomic():
        for milestone in milestones:
            change_milestone(milestone, by=by, reason=reason,
                             planned_date=milestone.planned_date + datetime.timedelta(days=days))
    return milestones


def add_milestone(bill, *, by, reason="", **fields):
    """Add a milestone to `bill`; its fields count as set by hand."""
    if by is not None and not may_change(by, bill):
        raise NotAllowed()
    milestone = Milestone(bill=bill, **fields)
    if by is not None:
        milestone.edited_fields = sorted(fields)
    _save_recorded(milestone, by, reason)
    _touch(bill.pk)
    return milestone


def _touch(bill_id):
    """Mark the bill changed for the boards that poll (board.board_stamp): one of its milestones changed."""
    Bill.objects.filter(pk=bill_id).update(updated_at=timezone.now())
