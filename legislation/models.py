"""The register: ministries, chapters, bills and what happens to them.

The vocabulary (stages, instruments, flags, milestone kinds) is defined here;
which moves are allowed, and who may make them, is decided in `policy.py`;
every write goes through `services.py`.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .identifiers import IdentifierKind, public_url


class Stage(models.TextChoices):
    """The main line in order, then the end states."""

    AANGEKONDIGD = "aangekondigd", _("Announced")
    VOORBEREIDING = "voorbereiding", _("Drafting")
    CONSULTATIE = "consultatie", _("Consultation")
    RAAD_VAN_STATE = "raad_van_state", _("Council of State advice")
    TWEEDE_KAMER = "tweede_kamer", _("House of Representatives")
    EERSTE_KAMER = "eerste_kamer", _("Senate")
    GEPUBLICEERD = "gepubliceerd", _("Enacted and published")
    IN_WERKING = "in_werking", _("In force")
    INGETROKKEN = "ingetrokken", _("Withdrawn")
    VERWORPEN = "verworpen", _("Rejected")
    VERVALLEN = "vervallen", _("Dropped")


class Instrument(models.TextChoices):
    WET = "wet", _("act")
    RIJKSWET = "rijkswet", _("kingdom act")
    GRONDWET = "grondwet", _("constitutional amendment")
    AMVB = "amvb", _("order in council (AMvB)")
    AMVRB = "amvrb", _("kingdom order in council (AMvRB)")
    KB = "kb", _("royal decree")
    MINISTERIELE_REGELING = "ministeriele_regeling", _("ministerial regulation")
    EU_IMPLEMENTATIE = "eu_implementatie", _("EU implementation")
    # Not regulation, yet how some items of Bijlage 2 are carried out.
    CIRCULAIRE = "circulaire", _("circular or policy rule")
    BESLUIT = "besluit", _("administrative decision (e.g. traffic decision)")
    ONBEKEND = "onbekend", _("unknown")


class Flag(models.TextChoices):
    AANGEHOUDEN = "aangehouden", _("On hold")
    CONTROVERSIEEL = "controversieel", _("Controversial")


class Category(models.TextChoices):
    AANGEKONDIGD = "aangekondigd", _("Announced legislation")
    VERWACHT = "verwacht", _("Expected to lead to legislation")


class Precision(models.TextChoices):
    """How exactly a date is known; the stored date is the last day of the period."""

    DAY = "day", _("day")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class MilestoneKind(models.TextChoices):
    CONSULTATIE_START = "consultatie_start", _("Start of internet consultation")
    CONSULTATIE_EINDE = "consultatie_einde", _("End of internet consultation")
    MINISTERRAAD = "ministerraad", _("Council of ministers agrees")
    ADVIESAANVRAAG_RVS = "adviesaanvraag_rvs", _("Request for advice to the Council of State")
    ADVIES_RVS = "advies_rvs", _("Council of State advice issued")
    INDIENING_TK = "indiening_tk", _("Submission to the House of Representatives")
    VOORHANG = "voorhang", _("Preliminary scrutiny by parliament (voorhang)")
    STEMMING_TK = "stemming_tk", _("Vote in the House of Representatives")
    STEMMING_EK = "stemming_ek", _("Vote in the Senate")
    PUBLICATIE = "publicatie", _("Publication")
    INWERKINGTREDING = "inwerkingtreding", _("Entry into force")
    EU_DEADLINE = "eu_deadline", _("EU transposition deadline")
    OVERIG = "overig", _("Other")


def in_language(dutch, english):
    """The data files' texts are Dutch with an English version: the one for the active language."""
    return english if english and (get_language() or "").startswith("en") else dutch


class Ministry(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="ministries",
        blank=True,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self):
        return self.code


class Chapter(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), unique=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def __str__(self):
        return f"{self.code}. {self.title}"


class BillRecord(models.Model):
    """What a historical record of a bill holds besides the bill's fields (simple-history's `bases`)."""

    # Copying the co-ministries with every record would cost a move a query: a record that leaves them as
    # they were says so, and they are those of the record before it (history.py).
    co_ministries_recorded = models.BooleanField(default=True)

    class Meta:
        abstract = True


# What a bill's key looks like (H08-A-01, SYN-00001): the model checks it, and item addresses hold it.
KEY_PATTERN = r"[\w.-]+"


class Bill(models.Model):
    """An item of Bijlage 2: a law, or work expected to lead to one."""

    key = models.CharField(
        _("key"),
        max_length=20,
        unique=True,
        # The key is in the item's address (urls.KeyConverter).
        validators=[RegexValidator(rf"^{KEY_PATTERN}\Z", _("A key consists of letters, digits, dots and hyphens."))],
    )
    chapter = models.ForeignKey(Chapter, models.PROTECT, verbose_name=_("chapter"), related_name="bills")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, verbose_name=_("part of"), related_name="children", null=True, blank=True
    )
    source_line = models.PositiveIntegerField(_("line in the Regeerprogramma"), null=True, blank=True)
    title = models.TextField(_("text in Bijlage 2"))
    short_title = models.CharField(_("short title"), max_length=150)
    official_title = models.CharField(_("official title"), max_length=500, blank=True)
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument.choices)
    lead_ministry = models.ForeignKey(
        Ministry, models.PROTECT, verbose_name=_("lead ministry"), related_name="led_bills"
    )
    co_ministries = models.ManyToManyField(
        Ministry, verbose_name=_("co-responsible ministries"), related_name="co_bills", blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        verbose_name=_("owner"),
        related_name="owned_bills",
        null=True,
        blank=True,
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.AANGEKONDIGD)
    stage_entered_on = models.DateField(_("in this stage since"), null=True, blank=True)
    reading = models.PositiveSmallIntegerField(
        _("reading"), default=1, help_text=_("First or second reading of a constitutional amendment.")
    )
    on_hold = models.BooleanField(_("on hold"), default=False)
    controversial = models.BooleanField(_("declared controversial"), default=False)
    voorhang_required = models.BooleanField(_("voorhang required"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The English version of notes that came from the data files, shown until someone edits the notes.
    notes_en = models.TextField(_("notes (English)"), blank=True)
    # Bumped by every change, so that a change made on a stale view is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Fields people changed by hand: reloading the data file leaves these alone.
    edited_fields = models.JSONField(_("edited by hand"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Who changed what and why. Every field is kept, bookkeeping too (the history page leaves it out):
    # for a model with m2m history, simple-history reads excluded fields back on every save.
    history = HistoricalRecords(m2m_fields=[co_ministries], bases=[BillRecord],
                                history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["key"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        permissions = [("move_all_bills", _("Can move and edit the bills of all ministries"))]
        indexes = [
            # The board's first cards per column, read from the index alone (board.columns_of).
            models.Index(fields=["stage", "key", "id"], name="bill_board_order"),
            # The board's poll asks for the latest change (board.board_stamp).
            models.Index(fields=["updated_at"], name="bill_updated_at"),
        ]

    def __str__(self):
        return f"{self.key} {self.short_title}"

    @property
    def notes_shown(self):
        return self.notes if "notes" in self.edited_fields else in_language(self.notes, self.notes_en)

    @property
    def flags(self):
        return [flag for flag, on in ((Flag.AANGEHOUDEN, self.on_hold), (Flag.CONTROVERSIEEL, self.controversial)) if on]


class Milestone(models.Model):
    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="milestones")
    kind = models.CharField(_("kind"), max_length=30, choices=MilestoneKind.choices)
    label = models.CharField(_("description"), max_length=200, blank=True)
    # The English version of a label that came from the data files, shown until someone edits the label.
    label_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    precision = models.CharField(_("precision"), max_length=10, choices=Precision.choices, default=Precision.DAY)
    # The sources do not state this date; it was worked out (a year in a law's name, an assumed day).
    date_inferred = models.BooleanField(_("date inferred"), default=False)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        verbose_name=_("owner"),
        related_name="milestones",
        null=True,
        blank=True,
    )
    source = models.TextField(_("source"), blank=True)
    # Identifies a milestone that came from a data file, so that a reload finds it again.
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    edited_fields = models.JSONField(_("edited by hand"), default=list, blank=True)
    history = HistoricalRecords(
        excluded_fields=["edited_fields"], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["planned_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "origin"], condition=~models.Q(origin=""), name="unique_milestone_origin"
            )
        ]
        indexes = [
            # A card's next open milestone (board.with_card_details).
            models.Index(
                fields=["bill", "planned_date", "id"],
                condition=models.Q(actual_date__isnull=True, planned_date__isnull=False),
                name="milestone_next_open",
            )
        ]

    def __str__(self):
        return self.shown_label(self.kind, self.label, self.label_en, self.edited_fields)

    @staticmethod
    def shown_label(kind, label, label_en, edited_fields):
        """What a milestone is called in the active language (the board has only these values)."""
        label = label if "label" in edited_fields else in_language(label, label_en)
        return label or str(MilestoneKind(kind).label)


class Move(models.Model):
    """One step in a bill's history: a change of stage, or a flag set or cleared.

    Append-only: a mistaken move is undone by another move, never edited away.
    """

    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="moves")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    flag = models.CharField(_("flag"), max_length=20, choices=Flag.choices, blank=True)
    flag_set = models.BooleanField(_("flag set"), null=True, blank=True)
    reading = models.PositiveSmallIntegerField(_("reading"), default=1)
    occurred_on = models.DateField(_("date"))
    # The sources do not state this date; it was worked out (see the reason).
    date_inferred = models.BooleanField(_("date inferred"), default=False)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        verbose_name=_("by"),
        related_name="moves",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    # The English version of a reason from the data files; moves are never edited.
    reason_en = models.TextField(_("reason (English)"), blank=True)
    source = models.TextField(_("source"), blank=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True)

    class Meta:
        ordering = ["occurred_on", "recorded_at", "id"]
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        constraints = [
            models.UniqueConstraint(fields=["bill", "origin"], condition=~models.Q(origin=""), name="unique_move_origin")
        ]

    @property
    def reason_shown(self):
        return in_language(self.reason, self.reason_en)

    def __str__(self):
        if self.flag:
            return f"{self.get_flag_display()}: {'+' if self.flag_set else '-'}"
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class Identifier(models.Model):
    """An item's identifier in a public record: only a person or a seed links one (never a guess)."""

    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="identifiers")
    kind = models.CharField(_("kind"), max_length=20, choices=IdentifierKind.choices)
    value = models.CharField(_("identifier"), max_length=100)
    # Who said so: the seed and its passage, or the person who linked it.
    source = models.TextField(_("source"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name=_("added by"), null=True, blank=True
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("public identifier")
        verbose_name_plural = _("public identifiers")
        constraints = [models.UniqueConstraint(fields=["bill", "kind", "value"], name="unique_identifier")]
        # The sync looks an identifier up to find its items.
        indexes = [models.Index(fields=["kind", "value"], name="identifier_lookup")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"

    @property
    def url(self):
        return public_url(self.kind, self.value)


class Follow(models.Model):
    """A user who chose to follow a bill, apart from those they follow by ministry or ownership."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, verbose_name=_("user"), related_name="follows")
    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="follows")
    created = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("followed bill")
        verbose_name_plural = _("followed bills")
        constraints = [models.UniqueConstraint(fields=["user", "bill"], name="unique_follow")]

    def __str__(self):
        return f"{self.user} → {self.bill.key}"
