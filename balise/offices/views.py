"""Office pages: home, staff management, settings, the user's account and API tokens."""

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.api.models import ApiToken
from balise.lib.access import get_for_office, office_access
from balise.members.models import ImportBatch, Provider

from . import services
from .forms import OfficeSettingsForm, ProfileForm, StaffAddForm, StaffRoleForm, TokenCreateForm
from .models import Membership, Role


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the emailed link also lifts a login lockout:
    the lockout page sends locked-out people here."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.email)
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their office, or let them choose when they have several."""
    memberships = list(request.user.memberships.select_related("office").order_by("office__name"))
    if len(memberships) == 1:
        return redirect("offices:home", memberships[0].office.slug)
    return render(request, "offices/choose_office.html", {"memberships": memberships})


def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for monitoring; no data, no authentication."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def office_home(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    providers = Provider.objects.filter(office=access.office).active()
    by_category = providers.values("category").annotate(n=Count("id")).order_by("-n")
    context = {
        "provider_count": providers.count(),
        "with_website": providers.exclude(website="").count(),
        "with_consent": providers.filter(marketing_consent=True).count(),
        "by_category": [
            (Provider(category=row["category"]).get_category_display(), row["n"])
            for row in by_category
        ],
        "recent_imports": ImportBatch.objects.filter(office=access.office)[:5],
    }
    return render(request, "offices/home.html", context)


@login_required
def staff_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    memberships = access.office.memberships.select_related("user").order_by("user__email")
    return render(request, "offices/staff_list.html", {"memberships": memberships})


@login_required
def staff_add(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.add_staff(
                office=access.office,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                full_name=form.cleaned_data["full_name"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "offices/staff_add.html", {"form": form})
        messages.success(
            request,
            _("%(email)s fait maintenant partie de l'équipe (%(role)s).")
            % {"email": membership.user.email, "role": membership.get_role_display()},
        )
        return redirect("offices:staff_list", access.office.slug)
    return render(request, "offices/staff_add.html", {"form": form})


def _is_last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and not membership.office.memberships.filter(role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@login_required
def staff_edit(request: HttpRequest, office_slug: str, membership_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    membership = get_for_office(access, Membership.objects.select_related("user"), pk=membership_id)
    form = StaffRoleForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Lock the office's admin rows so two admins demoting each other at once
            # cannot leave the office without any admin.
            list(access.office.memberships.select_for_update().filter(role=Role.ADMIN))
            if form.cleaned_data["role"] != Role.ADMIN and _is_last_admin(
                Membership.objects.get(pk=membership.pk)
            ):
                form.add_error("role", _("L'office doit garder au moins un administrateur."))
            else:
                form.save()
                messages.success(request, _("Rôle mis à jour."))
                return redirect("offices:staff_list", access.office.slug)
    return render(request, "offices/staff_edit.html", {"form": form, "membership": membership})


@login_required
@require_POST
def staff_remove(request: HttpRequest, office_slug: str, membership_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    with transaction.atomic():
        list(access.office.memberships.select_for_update().filter(role=Role.ADMIN))
        membership = get_for_office(
            access, Membership.objects.select_related("user"), pk=membership_id
        )
        if _is_last_admin(membership):
            messages.error(request, _("L'office doit garder au moins un administrateur."))
        else:
            membership.delete()
            messages.success(
                request,
                _("%(email)s ne fait plus partie de l'équipe.") % {"email": membership.user.email},
            )
    return redirect("offices:staff_list", access.office.slug)


@login_required
def office_settings(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    form = OfficeSettingsForm(request.POST or None, instance=access.office)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Paramètres enregistrés."))
        return redirect("offices:settings", access.office.slug)
    return render(request, "offices/settings.html", {"form": form})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's profile and API tokens. A new token's value is shown once, never again."""
    profile_form = ProfileForm(instance=request.user)
    token_form = TokenCreateForm()
    new_token = None
    if request.method == "POST":
        if "create_token" in request.POST:
            token_form = TokenCreateForm(request.POST)
            if token_form.is_valid():
                _token, new_token = ApiToken.issue(
                    user=request.user, name=token_form.cleaned_data["name"]
                )
                token_form = TokenCreateForm()
        else:
            profile_form = ProfileForm(request.POST, instance=request.user)
            if profile_form.is_valid():
                profile_form.save()
                messages.success(request, _("Profil enregistré."))
                return redirect("account")
    context = {
        "profile_form": profile_form,
        "token_form": token_form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        "memberships": request.user.memberships.select_related("office"),
    }
    return render(request, "offices/account.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    token.revoke()
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("account")
