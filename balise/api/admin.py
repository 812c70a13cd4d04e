from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]

    # Tokens are issued from "Mon compte" (the raw value is shown once there).
    def has_add_permission(self, request):
        return False
