from django.contrib import admin
from django.db import models

from .models import Commune, ImportBatch, Label, Provider, ProviderSourceId, Tag


class SourceIdInline(admin.TabularInline):
    model = ProviderSourceId
    extra = 0
    fields = ["source", "external_id"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "office", "category", "commune", "membership_status", "archived_at"]
    list_filter = ["office", "category", "membership_status"]
    search_fields = ["name", "normalized_name", "email"]
    list_select_related = ["office", "commune"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["labels", "tags"]
    inlines = [SourceIdInline]

    def save_formset(self, request, form, formset, change):
        # Source ids carry the office key for their uniqueness rule: copy it from the provider.
        for source_id in formset.save(commit=False):
            source_id.office_id = form.instance.office_id
            source_id.save()
        formset.save_m2m()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "postal_code"]
    search_fields = ["name", "insee_code", "postal_code"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "office"]
    list_filter = ["office"]
    search_fields = ["name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "office", "format", "status", "created_at", "created_by"]
    list_filter = ["status", "format", "office"]
    readonly_fields = ["summary", "options", "applied_at"]
