"""Operators' admin for the diagnostics: look, fix a stuck row; offices use their pages.

Published versions and answers are shown read-only: a published version never changes,
and answers change through the questionnaire pages (which keep the score rows in step).
"""

from django.contrib import admin

from .models import Campaign, Invitation, Questionnaire, QuestionnaireVersion, Response


class VersionInline(admin.TabularInline):
    model = QuestionnaireVersion
    extra = 0
    fields = ["number", "status", "published_at", "created_by"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "office", "created_at"]
    list_filter = ["office"]
    search_fields = ["title", "code"]
    inlines = [VersionInline]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "published_at", "created_by"]
    list_filter = ["status", "questionnaire__office"]
    list_select_related = ["questionnaire", "created_by"]
    raw_id_fields = ["based_on", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return ["questionnaire", "number", "definition", "status", "published_at"]
        return []


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "status", "starts_on", "ends_on"]
    list_filter = ["status", "office"]
    list_select_related = ["office"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["version", "created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["provider", "campaign", "sent_at", "opened_at", "reminder_count", "revoked_at"]
    list_filter = ["campaign__office"]
    list_select_related = ["provider", "campaign"]
    search_fields = ["provider__name", "email"]
    raw_id_fields = ["office", "campaign", "provider"]
    # The key is the secret of the personal link: never displayed.
    exclude = ["key"]
    readonly_fields = ["sent_at", "opened_at", "last_reminded_at", "reminder_count"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["provider", "campaign", "source", "completed_at", "overall_score", "level"]
    list_filter = ["source", "campaign__office"]
    list_select_related = ["provider", "campaign"]
    search_fields = ["provider__name"]
    raw_id_fields = ["office", "campaign", "provider", "version", "filled_by"]
    readonly_fields = ["answers", "overall_score", "level", "completed_at", "last_section"]
