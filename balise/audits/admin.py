from django.contrib import admin

from .models import AuditRun, AuditSchedule, CheckOutcome, DeclaredObservedGap, SiteAudit


class CheckOutcomeInline(admin.TabularInline):
    model = CheckOutcome
    extra = 0
    fields = ["code", "verdict", "evidence"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(AuditRun)
class AuditRunAdmin(admin.ModelAdmin):
    list_display = ["office", "created_at", "status", "done", "total", "is_demo", "created_by"]
    list_filter = ["status", "is_demo", "office"]
    list_select_related = ["office", "created_by"]
    readonly_fields = ["created_at", "started_at", "finished_at"]
    raw_id_fields = ["created_by"]


@admin.register(SiteAudit)
class SiteAuditAdmin(admin.ModelAdmin):
    # Audits are observations: they are read here, never edited.
    list_display = [
        "provider",
        "office",
        "fetched_at",
        "reachable",
        "error",
        "ok_count",
        "to_improve_count",
        "missing_count",
        "is_demo",
    ]
    list_filter = ["reachable", "is_demo", "office"]
    list_select_related = ["provider", "office"]
    search_fields = ["provider__name", "url"]
    raw_id_fields = ["provider", "run"]
    date_hierarchy = "fetched_at"
    inlines = [CheckOutcomeInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeclaredObservedGap)
class DeclaredObservedGapAdmin(admin.ModelAdmin):
    list_display = ["provider", "code", "status", "decided_at"]
    list_filter = ["status", "code", "office"]
    list_select_related = ["provider"]
    raw_id_fields = ["provider", "response", "audit", "decided_by"]


@admin.register(AuditSchedule)
class AuditScheduleAdmin(admin.ModelAdmin):
    list_display = ["office", "monthly", "last_run_at"]
    list_filter = ["monthly"]
    list_select_related = ["office"]
