from django.contrib import admin

from .models import ConsentRecord, ErasureRecord, PrivacySettings


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(admin.ModelAdmin):
    list_display = ["office", "dpo_name", "dpo_email", "updated_at"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["provider", "office", "given", "at", "source", "by_user"]
    list_filter = ["given"]
    raw_id_fields = ["provider", "by_user"]

    def has_change_permission(self, request, obj=None):
        return False  # a proof of consent is never edited


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = ["office", "scope", "provider_id", "at", "by_user"]
    list_filter = ["scope"]

    def has_change_permission(self, request, obj=None):
        return False
