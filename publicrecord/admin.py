"""The sync's records in the admin, to read only (written by the sync and the review list alone): what each source
did, what it read, what waits for review."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reminders.admin import ReadOnlyAdmin

from .models import Document, Proposal, SourceState


@admin.register(SourceState)
class SourceStateAdmin(ReadOnlyAdmin):
    list_display = ["source", "healthy", "last_attempt_at", "last_success_at", "failures", "last_error"]

    @admin.display(boolean=True, description=_("last run read it"))
    def healthy(self, state):
        return state.last_attempt_at is not None and state.failures == 0


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "bill", "source", "document_type", "date", "outcome", "seen_at"]
    list_filter = ["source", "outcome"]
    list_select_related = ["bill"]
    search_fields = ["title", "document_id", "bill__key"]
    date_hierarchy = "date"


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["bill", "to_stage", "status", "document", "created_at", "decided_by"]
    list_filter = ["status", "to_stage"]
    list_select_related = ["bill", "document", "decided_by"]
    search_fields = ["bill__key", "document__title"]
