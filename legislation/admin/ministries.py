from django.contrib import admin

from ..models import Ministry


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    autocomplete_fields = ("coordinators",)
