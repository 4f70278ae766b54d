"""The register and its milestones as spreadsheets (CSV or Excel), for django-import-export.

The register's columns are those of `export_register`'s CSV (plus the fields
people edit), so a file from either can be imported. An import writes
nothing by itself: each row's changes go through `services` (`change_bill`,
`move_bill`, `set_flag`, `add_milestone`, `change_milestone`), so a change the
rules refuse makes the row invalid with their reason, and nothing is written
unless every row of the file is valid. Unchanged rows are skipped, so a file
exported and imported again changes nothing.
"""

import datetime
from contextlib import contextmanager, suppress

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Manager
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader, ModelInstanceLoader

from . import services
from .export import COLUMNS, IDENTIFIER_COLUMNS, SEPARATOR, identifier_values
from .identifiers import IdentifierKind, parse
from .imports import MAX_ROWS
from .models import Bill, Category, Chapter, Flag, Instrument, Milestone, MilestoneKind, Ministry, Precision, Stage
from .policy import EDITABLE_BILL_FIELDS, EDITABLE_MILESTONE_FIELDS, NotAllowed, RuleError

# Columns that only the register's data file changes (through the loader).
FROM_DATA_FILE = ("chapter", "category", "parent_key", "title", "source_line")


class Text(widgets.Widget):
    """Text as a spreadsheet gives it back: a number typed into a cell is text too."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).replace("\r\n", "\n").strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class Number(Text):
    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None


class Day(Text):
    """A date as YYYY-MM-DD, or a date cell of a spreadsheet."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = super().clean(value)
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class YesNo(Text):
    """True or False as `export_register` writes them; yes/no, ja/nee and 1/0 are understood too."""

    MEANINGS = {"true": True, "yes": True, "ja": True, "1": True, "false": False, "no": False, "nee": False,
                "0": False, "": False}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = super().clean(value)
        if text.lower() not in self.MEANINGS:
            raise ValueError(_("“%(value)s” is not True or False.") % {"value": text})
        return self.MEANINGS[text.lower()]

    def render(self, value, obj=None, **kwargs):
        return str(bool(value))


class Choice(Text):
    def __init__(self, choices, unknown):
        super().__init__()
        self.values, self.unknown = choices.values, unknown

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        if text not in self.values:
            raise ValueError(self.unknown % {"value": text})
        return text


class Lookup(Text):
    """A related object by its code, key or username; looked up once per import."""

    def __init__(self, model, field, unknown):
        super().__init__()
        self.model, self.field, self.unknown = model, field, unknown
        self.known = None

    def find(self, text):
        if self.known is None:
            # Fields, and so their widgets, are copied for every import: this never goes stale.
            self.known = {getattr(obj, self.field).lower(): obj for obj in self.model.objects.all()}
        if text.lower() not in self.known:
            raise ValueError(self.unknown % {"value": text})
        return self.known[text.lower()]

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        return self.find(text) if text else None

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value else ""


class Codes(Lookup):
    """Several related objects by their codes, separated by spaces (or commas)."""

    def clean(self, value, row=None, **kwargs):
        return frozenset(self.find(code) for code in Text.clean(self, value).replace(",", " ").split())

    def render(self, value, obj=None, **kwargs):
        return " ".join(sorted(getattr(obj, self.field) for obj in value.all()))


class Identifiers(Text):
    """An item's identifiers of one kind, separated by semicolons, each read as a person's input is."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def clean(self, value, row=None, **kwargs):
        values = set()
        for text in super().clean(value).split(SEPARATOR.strip()):
            if text.strip():
                try:
                    values.add(parse(self.kind, text))
                except ValidationError as error:
                    raise ValueError(error.messages[0]) from None
        return frozenset(values)

    def render(self, value, obj=None, **kwargs):
        return SEPARATOR.join(sorted(value))


class IdentifierField(Field):
    """A column of identifiers: read from the item's (prefetched) identifiers, written by `services`."""

    def __init__(self, column_name, kind):
        super().__init__(attribute="identifiers", column_name=column_name, widget=Identifiers(kind))
        self.kind = kind

    def get_value(self, instance):
        return identifier_values(instance, self.kind) if instance.pk else frozenset()


def column(name, widget, attribute=None):
    return Field(attribute=attribute or name, column_name=name, widget=widget)


UNKNOWN_MINISTRY = gettext_lazy("There is no ministry “%(value)s”.")
UNKNOWN_USER = gettext_lazy("There is no user “%(value)s”.")


@contextmanager
def refusals_as_errors(column_name):
    """A refusal of the rules as the error of a row: for the column it concerns, or the row as a whole."""
    try:
        yield
    except NotAllowed as refusal:
        raise ValidationError(refusal.message) from refusal
    except RuleError as refusal:
        raise ValidationError({column_name: refusal.message}) from refusal


def rows_with_null_characters(dataset):
    """The numbers of the rows with a null character, counted as the import's other messages count them."""
    rows = [number for number, row in enumerate(dataset, 1) if any("\x00" in str(value) for value in row)]
    return ", ".join(map(str, rows))


def import_reason(kwargs):
    """The history's reason for what an import writes."""
    return _("Import of %(file)s") % {"file": kwargs.get("file_name") or "-"}


class OneQueryLoader(ModelInstanceLoader):
    """The instances a file's rows name, read in one query; a key that does not read is its row's error."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.key = resource.fields[resource.get_import_id_fields()[0]]
        keys = set()
        if self.key.column_name in dataset.headers:
            for row in dataset.dict:
                with suppress(ValueError):
                    keys.add(self.key.clean(row))
        found = self.get_queryset().filter(**{f"{self.key.attribute}__in": keys - {None}})
        self.instances = {self.key.get_value(instance): instance for instance in found}

    def get_instance(self, row):
        return self.instances.get(self.key.clean(row))


class RuledResource(resources.ModelResource):
    """Imports by comparing each row with what is stored and handing the differences to the rules."""

    # Labels of the columns that hold no model field.
    column_labels = {}

    @classmethod
    def column_label(cls, column):
        """What a file column holds, in the user's language: its model field's name (the file keeps its column names)."""
        field = cls.fields.get(column)
        if field is None or field.attribute is None or column in cls.column_labels:
            return cls.column_labels.get(column, column)
        return cls._meta.model._meta.get_field(field.attribute).verbose_name

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        if len(dataset) > MAX_ROWS:
            return self.refused(_("The file has %(rows)s rows; an import takes at most %(limit)s. Split it into "
                                  "smaller files.") % {"rows": len(dataset), "limit": MAX_ROWS})
        if unstorable := rows_with_null_characters(dataset):
            # No column takes a null character, and PostgreSQL refuses it before a row can be judged.
            message = _("These rows contain a null character, which no field can hold: %(rows)s. Remove it and try again.")
            return self.refused(message % {"rows": unstorable})
        # Nothing is written unless every row is valid, however the import is started.
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
                                   collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True,
                                   **kwargs)

    def refused(self, message):
        """The result of an import refused as a whole, before any row is read."""
        result = self.get_result_class()()
        result.append_base_error(self.get_error_result_class()(ValueError(message)))
        return result

    def before_import(self, dataset, **kwargs):
        # A spreadsheet often ends in empty rows: they are no items (and the numbers of the others stay right).
        while len(dataset) and all(value in (None, "") for value in dataset[-1]):
            dataset.rpop()
        self.row_of_key = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        key_column = self.fields[self.get_import_id_fields()[0]]
        key = Text().clean(row.get(key_column.column_name))
        if not key:
            return
        if key in self.row_of_key:
            raise ValidationError({key_column.column_name: _("%(key)s is in row %(row)s as well.")
                                   % {"key": key, "row": self.row_of_key[key]}})
        self.row_of_key[key] = row_number

    def changes(self, instance, row):
        """The columns of `row` whose values differ from `instance`'s, with the new values."""
        wanted, errors = {}, {}
        for field in self.get_import_fields():
            if field.attribute is None or field.column_name not in row:
                continue
            try:
                value = field.clean(row)
            except ValueError as error:
                errors[field.column_name] = ValidationError(str(error))
                continue
            current = field.get_value(instance)
            if isinstance(current, Manager):
                current = frozenset(current.all())
            if value != current:
                wanted[field.column_name] = value
        if errors:
            raise ValidationError(errors)
        return wanted

    def import_instance(self, instance, row, **kwargs):
        # The row's changes, compared once: skip_row and save_instance, which follow, use them.
        self.wanted = None
        self.wanted = self.changes(instance, row)
        self.check(instance, self.wanted)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and not self.wanted

    def save_instance(self, instance, is_create, row, **kwargs):
        # No savepoint of its own: a row the rules refuse rolls back the whole import (import_data).
        self.apply(instance, self.wanted, row, by=kwargs.get("user"), reason=import_reason(kwargs))

    def check(self, instance, wanted):
        """Refuse what an import may not change at all, before trying the rules."""

    def apply(self, instance, wanted, row, *, by, reason):
        raise NotImplementedError


class RegisterResource(RuledResource):
    key = column("key", Text())
    chapter = column("chapter", Lookup(Chapter, "code", gettext_lazy("There is no chapter “%(value)s”.")))
    category = column("category", Choice(Category, gettext_lazy("“%(value)s” is not a category.")))
    parent_key = column("parent_key", Lookup(Bill, "key", gettext_lazy("There is no item “%(value)s”.")), "parent")
    title = column("title", Text())
    short_title = column("short_title", Text())
    instrument = column("instrument", Choice(Instrument, gettext_lazy("“%(value)s” is not an instrument.")))
    lead_ministry = column("lead_ministry", Lookup(Ministry, "code", UNKNOWN_MINISTRY))
    co_ministries = column("co_ministries", Codes(Ministry, "code", UNKNOWN_MINISTRY))
    stage = column("stage", Choice(Stage, gettext_lazy("“%(value)s” is not a stage.")))
    stage_entered_on = column("stage_entered_on", Day())
    reading = column("reading", Number())
    on_hold = column("on_hold", YesNo())
    controversial = column("controversial", YesNo())
    kamerstukdossier = IdentifierField("kamerstukdossier", IdentifierKind.DOSSIER)
    wetgevingskalender = IdentifierField("wetgevingskalender", IdentifierKind.WETGEVINGSKALENDER)
    internetconsultatie = IdentifierField("internetconsultatie", IdentifierKind.CONSULTATIE)
    publicaties = IdentifierField("publicaties", IdentifierKind.PUBLICATIE)
    source_line = column("source_line", Number())
    official_title = column("official_title", Text())
    owner = column("owner", Lookup(get_user_model(), "username", UNKNOWN_USER))
    voorhang_required = column("voorhang_required", YesNo())
    notes = column("notes", Text())
    # Not stored on the bill: the reason for a move or flag in the same row, where the rules ask for one.
    move_reason = Field(column_name="move_reason", widget=Text())
    column_labels = {"move_reason": gettext_lazy("reason for the move"),
                     **{column: IdentifierKind(kind).label for column, kind in IDENTIFIER_COLUMNS.items()}}

    class Meta:
        model = Bill
        fields = (*COLUMNS, "official_title", "owner", "voorhang_required", "notes", "move_reason")
        import_id_fields = ("key",)
        instance_loader_class = CachedInstanceLoader
        report_skipped = False

    def get_queryset(self):
        return Bill.objects.select_related("chapter", "parent", "lead_ministry", "owner").prefetch_related(
            "co_ministries", "identifiers"
        )

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("chapter", "parent", "lead_ministry", "owner").prefetch_related(
            "co_ministries", "identifiers"
        )

    def init_instance(self, row=None):
        raise ValidationError({"key": _("There is no item with the key “%(key)s”; new items come from the "
                                        "register's data file.") % {"key": Text().clean(row.get("key"))}})

    def check(self, bill, wanted):
        errors = {name: _("This comes from the register's data file; an import does not change it.")
                  for name in FROM_DATA_FILE if name in wanted}
        if "stage_entered_on" in wanted and "stage" not in wanted:
            errors["stage_entered_on"] = _("This date changes only with a move to another stage.")
        if errors:
            raise ValidationError(errors)

    def apply(self, bill, wanted, row, *, by, reason):
        move_reason = self.fields["move_reason"].clean(row) if "move_reason" in row else ""
        edits = {name: value for name, value in wanted.items() if name in EDITABLE_BILL_FIELDS}
        with refusals_as_errors("co_ministries"):
            services.change_bill(bill, by=by, reason=reason, co_ministries=wanted.get("co_ministries"), **edits)
        flags = {Flag.AANGEHOUDEN: "on_hold", Flag.CONTROVERSIEEL: "controversial"}
        # Lift flags before a move and set them after it: a flag may depend on the stage.
        for flag, name in flags.items():
            if wanted.get(name) is False:
                with refusals_as_errors(name):
                    services.set_flag(bill, flag, False, by=by, reason=move_reason)
        if "stage" in wanted:
            with refusals_as_errors("stage"):
                services.move_bill(bill, wanted["stage"], by=by, reason=move_reason,
                                occurred_on=wanted.get("stage_entered_on"))
        for flag, name in flags.items():
            if wanted.get(name) is True:
                with refusals_as_errors(name):
                    services.set_flag(bill, flag, True, by=by, reason=move_reason)
        if "reading" in wanted and wanted["reading"] != bill.reading:
            raise ValidationError({"reading": _("The reading follows from the moves; an import does not set it.")})
        for column_name, kind in IDENTIFIER_COLUMNS.items():
            if column_name in wanted:
                self.set_identifiers(bill, kind, wanted[column_name], column_name, by=by, reason=reason)

    @staticmethod
    def set_identifiers(bill, kind, values, column_name, *, by, reason):
        """Give `bill` just the identifiers `values` of `kind`: those missing added, the others removed."""
        current = {identifier.value: identifier for identifier in bill.identifiers.all() if identifier.kind == kind}
        with refusals_as_errors(column_name):
            try:
                for value in sorted(values - set(current)):
                    services.add_identifier(bill, kind, value, by=by, source=reason)
                for value in sorted(set(current) - values):
                    services.remove_identifier(current[value], by=by)
            except ValidationError as error:
                raise ValidationError({column_name: error.messages}) from error


class MilestoneResource(RuledResource):
    id = column("id", Number())
    bill_key = column("bill_key", Lookup(Bill, "key", gettext_lazy("There is no item “%(value)s”.")), "bill")
    kind = column("kind", Choice(MilestoneKind, gettext_lazy("“%(value)s” is not a kind of milestone.")))
    label = column("label", Text())
    planned_date = column("planned_date", Day())
    precision = column("precision", Choice(Precision, gettext_lazy("“%(value)s” is not a precision.")))
    actual_date = column("actual_date", Day())
    owner = column("owner", Lookup(get_user_model(), "username", UNKNOWN_USER))
    source = column("source", Text())
    origin = column("origin", Text())
    # Not stored: a true value ("True", "ja") deletes the row's milestone.
    delete = Field(column_name="delete", widget=YesNo())

    class Meta:
        model = Milestone
        fields = ("id", "bill_key", "kind", "label", "planned_date", "precision", "actual_date", "owner", "source",
                  "origin", "delete")
        import_id_fields = ("id",)
        report_skipped = False
        instance_loader_class = OneQueryLoader
        # No savepoint per row (the import is one transaction); the changes are written together (after_import).
        use_bulk = True

    def get_queryset(self):
        return Milestone.objects.select_related("bill", "owner")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.changed = services.MilestoneChanges(by=kwargs.get("user"), reason=import_reason(kwargs))

    def after_import(self, dataset, result, **kwargs):
        if not result.has_errors() and not result.has_validation_errors():  # else it is all rolled back
            self.changed.save()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("bill", "owner").order_by("bill__key", "planned_date", "id")

    def init_instance(self, row=None):
        if Text().clean(row.get("id")):
            raise ValidationError({"id": _("There is no milestone %(id)s; leave the id empty for a new milestone.")
                                   % {"id": Text().clean(row.get("id"))}})
        return Milestone()

    def for_delete(self, row, instance):
        return "delete" in row and self.fields["delete"].clean(row)

    def delete_instance(self, instance, row, **kwargs):
        with refusals_as_errors("delete"):
            services.delete_milestone(instance, by=kwargs.get("user"), reason=import_reason(kwargs))

    def check(self, milestone, wanted):
        errors = {}
        if milestone.pk is None and wanted.get("bill_key") is None:
            errors["bill_key"] = _("Name the item this milestone belongs to.")
        if milestone.pk is not None and "bill_key" in wanted:
            errors["bill_key"] = _("This milestone belongs to %(key)s.") % {"key": milestone.bill.key}
        if "origin" in wanted:
            errors["origin"] = _("The origin is kept by the loader; an import does not change it.")
        if errors:
            raise ValidationError(errors)

    def apply(self, milestone, wanted, row, *, by, reason):
        edits = {name: value for name, value in wanted.items() if name in EDITABLE_MILESTONE_FIELDS}
        with refusals_as_errors("bill_key"):
            if milestone.pk is None:
                added = services.add_milestone(wanted["bill_key"], by=by, reason=reason, **edits)
                # The row's preview and result describe the instance the import holds.
                for name in ("pk", "bill", *edits):
                    setattr(milestone, name, getattr(added, name))
            else:
                self.changed.change(milestone, **edits)


def resource_for(model):
    """The resource that imports and exports `model`."""
    return next(resource for resource in RuledResource.__subclasses__() if resource._meta.model is model)


# Texts of django-import-export's own pages that its Dutch catalog leaves open or gets wrong: named here so that
# makemessages keeps them in ours (locale/nl), which Django reads first.
IMPORT_EXPORT_TEXTS = (
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("Select all"),
    gettext_noop("Resource"),
    gettext_noop("No valid data to import. Ensure your file has the correct headers or data for import."),
    gettext_noop("%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct format for "
                 "the file."),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    gettext_noop("Value could not be parsed."),
)

