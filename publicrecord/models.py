"""What the sync keeps: where each source was left, what it has seen, and what waits for a person."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from legislation.models import Bill, Ministry, Stage


class Source(models.TextChoices):
    TWEEDE_KAMER = "tweedekamer", _("Tweede Kamer open data")
    WETGEVINGSKALENDER = "wetgevingskalender", _("Wetgevingskalender")
    STAATSBLAD = "staatsblad", _("Staatsblad and Staatscourant (KOOP)")


class SourceState(models.Model):
    """How the last runs of one source went, and where the next incremental read starts."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices, unique=True)
    # The source's own bookmark: the SyncFeed's next address, or the date of the last record read.
    cursor = models.TextField(_("resume from"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        verbose_name = _("source state")
        verbose_name_plural = _("source states")

    def __str__(self):
        return self.get_source_display()


class Outcome(models.TextChoices):
    APPLIED = "applied", _("applied")
    PROPOSED = "proposed", _("proposed for review")
    RECORDED = "recorded", _("recorded as a milestone")
    ALREADY_KNOWN = "known", _("already known")
    NOT_UNDERSTOOD = "ignored", _("not understood")


class Document(models.Model):
    """A public document the sync has read for an item: read once, whatever the source re-sends."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    document_id = models.CharField(_("document"), max_length=200)
    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="public_documents")
    title = models.TextField(_("title"))
    date = models.DateField(_("date"))
    url = models.URLField(_("address"), max_length=500)
    document_type = models.CharField(_("document type"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    seen_at = models.DateTimeField(_("seen"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("public document")
        verbose_name_plural = _("public documents")
        constraints = [
            models.UniqueConstraint(fields=["source", "document_id", "bill"], name="unique_public_document")
        ]

    def __str__(self):
        return self.title


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("waiting for review")
    ACCEPTED = "accepted", _("accepted")
    DISMISSED = "dismissed", _("dismissed")


class Proposal(models.Model):
    """A move the public record suggests but the rules leave to a person: backward, an end state, or
    against a person's recent move."""

    bill = models.ForeignKey(Bill, models.CASCADE, verbose_name=_("bill"), related_name="proposals")
    document = models.ForeignKey(Document, models.CASCADE, verbose_name=_("document"), related_name="proposals")
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    # Why it was not applied by itself.
    reason = models.TextField(_("why it waits"))
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name=_("decided by"), null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposed move")
        verbose_name_plural = _("proposed moves")

    def __str__(self):
        return f"{self.bill.key} → {self.get_to_stage_display()}"


class Dossier(models.Model):
    """A bill's dossier as the Tweede Kamer's open data lists it: what candidates are chosen from."""

    number = models.PositiveIntegerField(_("number"))
    addition = models.CharField(_("toevoeging"), max_length=20, blank=True)
    title = models.TextField(_("title"))
    # The first signing ministry, where the record names one we know.
    ministry = models.ForeignKey(
        Ministry, models.SET_NULL, verbose_name=_("first signing ministry"), null=True, blank=True
    )
    # The ministry as the record writes it, kept when it matches none of ours.
    ministry_name = models.CharField(_("ministry in the record"), max_length=200, blank=True)
    url = models.URLField(_("address"), max_length=500)
    # The Gegevensmagazijn's id of the dossier, once the sync has read it whole (not only seen it in the feed).
    tk_id = models.CharField(_("id in the open data"), max_length=36, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("Tweede Kamer dossier")
        verbose_name_plural = _("Tweede Kamer dossiers")
        constraints = [models.UniqueConstraint(fields=["number", "addition"], name="unique_dossier")]

    def __str__(self):
        return f"{self.value} {self.title}"

    @property
    def value(self):
        """The dossier as an identifier writes it (legislation.identifiers.parse): 36546, 36123-R2190."""
        return f"{self.number}-{self.addition}" if self.addition else str(self.number)
