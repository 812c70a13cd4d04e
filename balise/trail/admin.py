from auditlog.admin import LogEntryAdmin
from django.contrib import admin

from .models import Entry

# django-auditlog registers its admin for the configured entry model; ours searches on the
# e-mail (our users have no first or last name) and filters by office.
if admin.site.is_registered(Entry):
    admin.site.unregister(Entry)


@admin.register(Entry)
class EntryAdmin(LogEntryAdmin):
    search_fields = ["object_repr", "actor__email", "actor_email"]
    list_filter = ["office", "action", "via", *LogEntryAdmin.list_filter[1:]]
    list_select_related = ["content_type", "actor", "office"]
