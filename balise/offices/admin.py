from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import Membership, Network, NetworkCoordinator, Office, TOTPDevice, User


def admin_login(request, extra_context=None):
    """The admin site has no login form of its own: people log in through Balise's login
    (password, then the second factor when they have one, with django-axes and the rate
    limit), so the admin form cannot be used to skip the second factor."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    return redirect(next_url)


admin.site.login = admin_login


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["full_name"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []
    list_filter = ["is_active", "is_staff"]
    actions = ["reset_two_factor"]

    @admin.action(description=_("Désactiver la double authentification (téléphone perdu)"))
    def reset_two_factor(self, request, queryset):
        TOTPDevice.objects.filter(user__in=queryset).delete()


class NetworkCoordinatorInline(admin.TabularInline):
    model = NetworkCoordinator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    inlines = [NetworkCoordinatorInline]
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "network", "require_admin_2fa", "created_at"]
    list_filter = ["network", "require_admin_2fa"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
