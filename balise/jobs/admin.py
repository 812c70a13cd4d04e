"""Operators' admin of the background work: live workers, and e-mails whose sending was
interrupted (delete one once its fate is settled: see :mod:`.outbox`)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import outbox
from .models import OutboxMessage, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "queues", "started_at", "seen_at", "task_id"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "object_id", "office", "claimed_at", "is_uncertain"]
    list_filter = ["kind", "office"]
    readonly_fields = ["kind", "object_id", "office", "claimed_at"]

    @admin.display(boolean=True, description=_("incertain"))
    def is_uncertain(self, obj: OutboxMessage) -> bool:
        return obj.claimed_at < timezone.now() - outbox.UNCERTAIN_AFTER

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
