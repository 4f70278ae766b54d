"""What happened to a bill: every change to it and its milestones, and undoing one.

django-simple-history keeps a full copy of a bill (with its co-responsible
ministries) or a milestone for every change, made by whom and why; here
consecutive copies become one entry per changed field. Undoing a change goes
through `services` like any other change, so the rules may refuse it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import services
from .models import Bill, Flag, Milestone, MilestoneKind, Ministry
from .policy import EDITABLE_BILL_FIELDS, EDITABLE_MILESTONE_FIELDS, RuleError
from .selectors import may_steer_all

RECORDED = {"bill": Bill, "milestone": Milestone}
FLAG_OF = {"on_hold": Flag.AANGEHOUDEN, "controversial": Flag.CONTROVERSIEEL}
# What `revert` can set back; the rest changes only with a move or with the register's data file.
UNDOABLE = {
    "bill": {"stage", *FLAG_OF, "co_ministries", *EDITABLE_BILL_FIELDS},
    "milestone": set(EDITABLE_MILESTONE_FIELDS),
}


@dataclass(frozen=True)
class Change:
    """One entry of a bill's history: a field that changed, or a milestone created or deleted."""

    when: datetime.datetime
    who: object  # the user, or None: the register's data files (the loader)
    reason: str
    model: str  # "bill" or "milestone"
    object_label: str  # the bill or milestone as it was then
    action: str  # "created", "changed" or "deleted"
    field: str  # the field's name; "" when created or deleted
    field_label: str
    old: str  # the values as shown to a person; "" when empty
    new: str
    history_id: int  # with `model` and `field`, what `revert` takes

    @property
    def undoable(self):
        """Whether `revert` takes this change on; the rules may still refuse it."""
        return self.action == "changed" and self.field in UNDOABLE[self.model]


class RevertRefused(RuleError):
    pass


def may_revert(user):
    return may_steer_all(user)


def bill_history(bill):
    """Every change to `bill` and its milestones, newest first."""
    records = [("bill", r) for r in Bill.history.filter(id=bill.pk).select_related("history_user")]
    records += [("milestone", r) for r in Milestone.history.filter(bill_id=bill.pk).select_related("history_user")]
    records.sort(key=lambda entry: (entry[1].history_date, entry[1].history_id))
    co_ministries = _co_ministry_rows(Q(history__id=bill.pk))
    names = _Names(records)

    entries, previous = [], {}
    for model, record in records:
        fields = _tracked_fields(model)
        values = {field.name: _value(record, field) for field in fields}
        before = previous.get((model, record.id))
        if model == "bill":
            kept = record.co_ministries_recorded or before is None
            values["co_ministries"] = co_ministries[record.history_id] if kept else before["co_ministries"]
        previous[(model, record.id)] = values
        made = {"when": record.history_date, "who": record.history_user, "reason": record.history_change_reason or "",
                "model": model, "object_label": _label(model, record), "history_id": record.history_id}
        if record.history_type == "+":
            entries.append([Change(action="created", field="", field_label="", old="", new="", **made)])
        elif record.history_type == "-":
            entries.append([Change(action="deleted", field="", field_label="", old="", new="", **made)])
        elif before is not None:
            entries.append([
                Change(action="changed", field=name, field_label=_field_label(model, name),
                       old=names.show(model, name, before[name]), new=names.show(model, name, values[name]), **made)
                for name in values
                if values[name] != before[name]
            ])
        # A change without an earlier record to compare with shows nothing it could explain.
    return [change for record_changes in reversed(entries) for change in record_changes]


def revert(model, history_id, field, *, by):
    """Undo one entry of `bill_history`: set `field` back to its value before that change."""
    if not may_revert(by):
        raise RevertRefused(_("Only the central coordinator can undo changes."))
    history = RECORDED[model].history
    record = history.get(history_id=history_id)
    before = _records_up_to(record).exclude(history_id=record.history_id).last()
    if record.history_type != "~" or before is None:
        raise RevertRefused(_("Only the change of a field can be undone."))
    label = _field_label(model, field)
    if field not in UNDOABLE[model]:
        raise RevertRefused(
            _("“%(field)s” cannot be undone here: it changes only with a move or with the register's data file.")
            % {"field": label}
        )
    current = RECORDED[model].objects.filter(pk=record.id).first()
    if current is None:
        raise RevertRefused(_("This item no longer exists."))
    if _current_value(current, field) != _recorded_value(record, field):
        raise RevertRefused(
            _("“%(field)s” has changed again since; undo the later change first.") % {"field": label}
        )
    old = _recorded_value(before, field)
    reason = _("Reverted by %(name)s") % {"name": by.get_full_name() or by.get_username()}
    if model == "bill" and field == "stage":
        services.move_bill(current, old, by=by, reason=reason)
    elif model == "bill" and field in FLAG_OF:
        services.set_flag(current, FLAG_OF[field], old, by=by, reason=reason)
    elif model == "bill" and field == "co_ministries":
        services.change_bill(current, by=by, reason=reason, co_ministries=Ministry.objects.filter(pk__in=old))
    elif model == "bill":
        services.change_bill(current, by=by, reason=reason, **{field: _as_stored(Bill, field, old)})
    else:
        services.change_milestone(current, by=by, reason=reason, **{field: _as_stored(Milestone, field, old)})


# Kept in a bill's history for the database's sake; no news to a reader.
BOOKKEEPING = {"id", "version", "edited_fields", "updated_at"}


def _tracked_fields(model):
    return [field for field in RECORDED[model].history.model.tracked_fields if field.name not in BOOKKEEPING]


def _value(record, field):
    return getattr(record, field.attname)


def _records_up_to(record):
    """The records of `record`'s object up to and including it, in order."""
    return (
        record.__class__.objects.filter(id=record.id)
        .filter(Q(history_date__lt=record.history_date)
                | Q(history_date=record.history_date, history_id__lte=record.history_id))
        .order_by("history_date", "history_id")
    )


def _recorded_value(record, name):
    if name == "co_ministries":
        kept = _records_up_to(record).filter(co_ministries_recorded=True).last() or record
        return _co_ministry_rows(Q(history_id=kept.history_id))[kept.history_id]
    return getattr(record, record._meta.get_field(name).attname)


def _current_value(obj, name):
    if name == "co_ministries":
        return frozenset(obj.co_ministries.values_list("pk", flat=True))
    return getattr(obj, obj._meta.get_field(name).attname)


def _co_ministry_rows(condition):
    rows = defaultdict(set)
    for history_id, ministry_id in Bill.history.model.co_ministries.model.objects.filter(condition).values_list(
        "history_id", "ministry_id"
    ):
        rows[history_id].add(ministry_id)
    return defaultdict(frozenset, {history_id: frozenset(ids) for history_id, ids in rows.items()})


def _as_stored(model, name, value):
    """A recorded value as the rules take it: the object itself for a foreign key."""
    field = model._meta.get_field(name)
    if not field.is_relation or value is None:
        return value
    related = field.related_model.objects.filter(pk=value).first()
    if related is None:
        raise RevertRefused(
            _("What “%(field)s” was before no longer exists.") % {"field": capfirst(field.verbose_name)}
        )
    return related


def _label(model, record):
    if model == "bill":
        return f"{record.key} {record.short_title}"
    return record.label or str(MilestoneKind(record.kind).label)


def _field_label(model, name):
    return capfirst(RECORDED[model]._meta.get_field(name).verbose_name)


class _Names:
    """Shows recorded values the way a person reads them, looking up related objects once."""

    def __init__(self, records):
        wanted = defaultdict(set)
        for model, record in records:
            for field in _tracked_fields(model):
                if field.is_relation and _value(record, field) is not None:
                    wanted[field.related_model].add(_value(record, field))
        self.objects = {related: related.objects.in_bulk(ids) for related, ids in wanted.items()}
        self.ministries = Ministry.objects.in_bulk()

    def show(self, model, name, value):
        if name == "co_ministries":
            return " ".join(sorted(self.ministries[pk].code for pk in value if pk in self.ministries))
        field = RECORDED[model]._meta.get_field(name)
        if value is None or value == "":
            return ""
        if field.is_relation:
            related = self.objects[field.related_model].get(value)
            return _name(related) if related is not None else f"#{value}"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, datetime.date):
            return date_format(value)
        return str(value)


def _name(obj):
    if isinstance(obj, Bill):
        return obj.key
    if hasattr(obj, "get_username"):
        return obj.get_full_name() or obj.get_username()
    return getattr(obj, "code", None) or str(obj)
