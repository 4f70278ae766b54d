from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicRecordConfig(AppConfig):
    name = "publicrecord"
    verbose_name = _("Public record")
