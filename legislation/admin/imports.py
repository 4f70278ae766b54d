"""Import and export on the change lists (django-import-export), each row through `services`."""

from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm, SelectableFieldsExportForm

from ..imports import NoPendingImport, PendingImport, checked, owned_by
from ..spreadsheets import CSV, XLSX


class CheckedImportForm(ImportForm):
    """The upload, refused with a sentence before it is parsed when an import would not read it (imports.py)."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats

    def clean(self):
        data = super().clean()
        if data.get("import_file") and data.get("format", "").isdigit():
            try:
                data["import_file"] = checked(data["import_file"], self.import_formats[int(data["format"])]().is_binary())
            except ValidationError as refusal:
                self.add_error("import_file", refusal)
        return data


class ExportForm(SelectableFieldsExportForm):
    """The columns to export, each named in the user's language with its name in the file."""

    def _get_field_label(self, resource, field_name):
        column = resource.fields[field_name].column_name
        return f"{capfirst(resource.column_label(column))} ({column})"


class RuledImportExportMixin(ImportExportMixin):
    """Import and export as CSV or Excel; importing is for those who may change, row by row through the rules."""

    import_formats = export_formats = (CSV, XLSX)
    import_form_class = CheckedImportForm
    tmp_storage_class = PendingImport
    import_error_display = ("message",)
    import_template_name = "admin/legislation/import.html"
    export_form_class = ExportForm
    export_name = ""

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.export_name}-{timezone.localdate().isoformat()}.{file_format.get_extension()}"

    def import_action(self, request, **kwargs):
        with owned_by(request.user):
            response = super().import_action(request, **kwargs)
            context = getattr(response, "context_data", None) or {}
            form = context.get("form")
            upload = form.cleaned_data.get("import_file") if form is not None and form.is_bound else None
            if getattr(upload, "tmp_storage_name", None) and "confirm_form" not in context:
                PendingImport(name=upload.tmp_storage_name).remove()  # nothing to confirm: nothing kept
        return response

    def process_import(self, request, **kwargs):
        """Confirm (or cancel) the pending import the form names; only its uploader's, and only once."""
        pending = PendingImport(name=request.POST.get("import_file_name", ""))
        with owned_by(request.user):
            try:
                if "cancel" in request.POST:
                    pending.remove()
                    self.message_user(request, _("The import is cancelled; nothing was imported."), messages.INFO)
                    return HttpResponseRedirect(self.import_url())
                pending.claim()
                return super().process_import(request, **kwargs)
            except NoPendingImport:
                self.message_user(request, _("This import is no longer waiting to be confirmed: it was confirmed "
                                             "or cancelled already, or it expired. Import the file again."),
                                  messages.ERROR)
                return HttpResponseRedirect(self.import_url())
            finally:
                with suppress(NoPendingImport):
                    pending.remove()  # whatever happened, the file waits no longer

    def import_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The confirmed import no longer fitted what is stored: it was rolled back as a whole.
            self.message_user(request, _("Nothing was imported: the data changed since the preview. Import the "
                                         "file again to see why."), messages.ERROR)
            return HttpResponseRedirect(self.import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(request, _("Imported: %(changed)s changed, %(added)s added, %(deleted)s deleted, "
                                     "%(unchanged)s unchanged.") % {
            "changed": result.totals["update"], "added": result.totals["new"], "deleted": result.totals["delete"],
            "unchanged": result.totals["skip"]})
