"""The rules of the legislative process, as pure functions: no database here.

Which stages an instrument passes, which moves between them are allowed and
which need a reason, which flags a bill may carry, and who may change a bill.
They decide on plain facts (a `Position`, a set of ministry ids); the writes
in `services.py` gather those facts, ask these functions and apply the answer.
The board, the admin, imports and the loader all go through `services`.
"""

import functools
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Flag, Instrument, MilestoneKind, Stage

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

# Fields of a bill that its coordinators edit; stage and flags change only by moves.
EDITABLE_BILL_FIELDS = ("short_title", "official_title", "instrument", "lead_ministry", "owner",
                        "voorhang_required", "notes")
# Fields of a milestone people edit; its origin is how the loader finds it again.
EDITABLE_MILESTONE_FIELDS = ("kind", "label", "planned_date", "precision", "actual_date", "owner", "source")
# A bill's procedure has some ten milestones; its page and admin form show every one (each with its form),
# so a bill that collects hundreds by mistake (a repeated import) would be slow for everyone who opens it.
MAX_MILESTONES = 100


class RuleError(Exception):
    """A change the rules refuse; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def check_milestone_room(count):
    """Refuse an added milestone when the bill has MAX_MILESTONES already."""
    if count >= MAX_MILESTONES:
        raise RuleError(_("This item has %(count)s milestones, the most an item can have. Remove ones that are "
                          "no longer needed first.") % {"count": count})


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


class Position(NamedTuple):
    """Where a bill stands: all that decides where it may go next."""

    instrument: str
    stage: str
    reading: int = 1

    @classmethod
    def of(cls, bill):
        return cls(bill.instrument, bill.stage, bill.reading)


def path_of(instrument):
    return PATHS[instrument]


def may_change(actor, lead_ministry_id, co_ministry_ids):
    """Whether `actor` may move a bill and edit its milestones.

    Coordinators change the bills their ministry leads or shares; the central
    coordinator changes all. `actor` has `is_active`, `ministry_ids` and
    `steers_all`; `co_ministry_ids` is any iterable. Each is read only when
    the earlier ones did not decide, so a caller may make them lazy.
    """
    if not actor.is_active:
        return False
    mine = actor.ministry_ids
    if mine and (lead_ministry_id in mine or any(pk in mine for pk in co_ministry_ids)):
        return True
    return actor.steers_all


@functools.cache
def allowed_targets(position):
    """The stages the board offers from `position` (each may still need a reason)."""
    targets = []
    for target in (*MAIN_LINE, *END_STATES):
        try:
            check_move(position, target, reason="-")
        except MoveRefused:
            continue
        targets.append(target)
    return tuple(targets)


def next_stage(position):
    """The stage a bill normally goes to next on its instrument's path, if any."""
    instrument, stage, reading = position
    if stage not in MAIN_LINE:
        return None
    if instrument == Instrument.GRONDWET and stage == Stage.GEPUBLICEERD and reading == 1:
        return Stage.TWEEDE_KAMER
    later = [step for step in path_of(instrument) if MAIN_LINE.index(step) > MAIN_LINE.index(stage)]
    return later[0] if later else None


def check_move(position, to_stage, reason=""):
    """Refuse a move the rules forbid; return the reading the bill will be in.

    `reason` is the text the user gave; a move that needs one and has none
    raises `NeedsReason`.
    """
    if to_stage not in STAGES:
        raise MoveRefused(_("“%(stage)s” is not a stage.") % {"stage": to_stage})
    to_stage = Stage(to_stage)
    from_stage = Stage(position.stage)
    instrument = Instrument(position.instrument)
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
        return _check_end_state(from_stage, to_stage, labels, has_reason, position.reading)

    if to_stage not in path:
        raise MoveRefused(_("The instrument %(instrument)s does not pass the stage “%(to)s”.") % labels)

    reading = position.reading
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


def is_forward(position, to_stage, reading):
    """Whether a move from `position` to `to_stage`, arriving in `reading`, goes on along the main line."""
    return to_stage in MAIN_LINE and (
        position.stage in END_STATES
        or MAIN_LINE.index(to_stage) > MAIN_LINE.index(position.stage)
        or reading > position.reading
    )


def flag_field(flag):
    """The field of a bill that holds `flag`."""
    return "on_hold" if flag == Flag.AANGEHOUDEN else "controversial"


def check_flag(stage, flags, flag, on, reason=""):
    """Refuse setting (`on`) or lifting `flag` on a bill in `stage` that carries `flags`."""
    if flag not in Flag.values:
        raise MoveRefused(_("“%(flag)s” is not a flag.") % {"flag": flag})
    flag = Flag(flag)
    labels = {"flag": flag.label, "stage": Stage(stage).label}
    if (flag in flags) == on:
        if on:
            raise MoveRefused(_("This bill is already marked “%(flag)s”.") % labels)
        raise MoveRefused(_("This bill is not marked “%(flag)s”.") % labels)
    if on and stage in END_STATES:
        raise MoveRefused(_("A bill that is “%(stage)s” cannot be marked “%(flag)s”.") % labels)
    if on and flag == Flag.CONTROVERSIEEL and stage not in IN_PARLIAMENT:
        raise MoveRefused(
            _("Only a bill before the Tweede Kamer or the Eerste Kamer can be declared controversial.")
        )
    if not reason.strip():
        raise NeedsReason(
            (_("Marking a bill “%(flag)s” needs a reason.") if on else _("Lifting “%(flag)s” needs a reason."))
            % labels
        )
