"""Import and export on the change lists (django-import-export), each row through `services`."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm


class ExportForm(SelectableFieldsExportForm):
    """The columns to export, each named in the user's language with its name in the file."""

    def _get_field_label(self, resource, field_name):
        column = resource.fields[field_name].column_name
        return f"{capfirst(resource.column_label(column))} ({column})"


class RuledImportExportMixin(ImportExportMixin):
    """Import and export as CSV or Excel; importing is for those who may change, row by row through the rules."""

    import_formats = export_formats = (CSV, XLSX)
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

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The confirmed import no longer fitted what is stored: it was rolled back as a whole.
            self.message_user(request, _("Nothing was imported: the data changed since the preview. Import the "
                                         "file again to see why."), messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(request, _("Imported: %(changed)s changed, %(added)s added, %(deleted)s deleted, "
                                     "%(unchanged)s unchanged.") % {
            "changed": result.totals["update"], "added": result.totals["new"], "deleted": result.totals["delete"],
            "unchanged": result.totals["skip"]})
