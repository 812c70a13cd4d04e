"""The operators' admin for the workshop programme. Signed-link keys are never shown."""

from django.contrib import admin

from .models import (
    Appointment,
    AppointmentSlot,
    CandidateSlot,
    Feedback,
    Programme,
    Registration,
    Session,
    SessionInvitation,
    Theme,
    Venue,
    WorkshopSettings,
)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "office", "level", "format", "active"]
    list_filter = ["active", "level", "format", "office"]
    list_select_related = ["office"]
    search_fields = ["title", "code"]
    raw_id_fields = ["prerequisite"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "capacity"]
    list_filter = ["office"]
    list_select_related = ["office"]
    search_fields = ["name", "address"]


@admin.register(CandidateSlot)
class CandidateSlotAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "venue", "office"]
    list_filter = ["office"]
    list_select_related = ["venue", "office"]
    date_hierarchy = "starts_at"


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "starts_on", "ends_on", "status", "solver"]
    list_filter = ["status", "office"]
    list_select_related = ["office"]
    raw_id_fields = ["campaign", "created_by"]
    readonly_fields = ["created_at", "published_at"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "office", "starts_at", "status", "capacity"]
    list_filter = ["status", "office"]
    list_select_related = ["office", "theme"]
    raw_id_fields = ["programme", "theme", "venue"]
    date_hierarchy = "starts_at"


class KeyHiddenAdmin(admin.ModelAdmin):
    # The key is the credential of a provider's personal link: operators never see it.
    exclude = ["key"]


@admin.register(SessionInvitation)
class SessionInvitationAdmin(KeyHiddenAdmin):
    list_display = ["session", "provider", "sent_at"]
    list_select_related = ["session__theme", "provider"]
    raw_id_fields = ["session", "provider"]


@admin.register(Registration)
class RegistrationAdmin(KeyHiddenAdmin):
    list_display = ["name", "session", "status", "source", "attended"]
    list_filter = ["status", "source"]
    list_select_related = ["session__theme"]
    search_fields = ["name", "email", "business"]
    raw_id_fields = ["session", "provider"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["registration", "rating", "useful", "created_at"]
    list_select_related = ["registration__session__theme"]
    raw_id_fields = ["registration"]


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "office", "animator"]
    list_filter = ["office"]
    list_select_related = ["office", "animator"]
    raw_id_fields = ["animator"]


@admin.register(Appointment)
class AppointmentAdmin(KeyHiddenAdmin):
    list_display = ["name", "slot", "status", "attended"]
    list_filter = ["status"]
    list_select_related = ["slot"]
    raw_id_fields = ["slot", "provider", "theme"]


@admin.register(WorkshopSettings)
class WorkshopSettingsAdmin(admin.ModelAdmin):
    list_display = ["office"]
    list_select_related = ["office"]
