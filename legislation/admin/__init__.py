"""The admin: bulk edits, import/export and history, for the central coordinator and admins.

Every change goes through `legislation.services`. The change form edits only
the fields coordinators may edit (stage and flags change by moves: on the
board or with the bulk action), a coordinator changes only their own
ministry's bills and sees the others read-only, and each bulk action first
shows per bill what the rules will do, then does only that. One module per
concern: `filters` (list filters), `access` (who may change which row),
`imports` (import/export), `bulk` (bulk actions and their preview), `bills`,
`milestones` and `ministries` (the model admins).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from . import bills, milestones, ministries  # noqa: F401  (they register the model admins)

admin.site.site_header = gettext_lazy("Legislation tracker: administration")
admin.site.site_title = gettext_lazy("Legislation tracker")
# A handful of models: the breadcrumbs are enough, and the lists need the width.
admin.site.enable_nav_sidebar = False
