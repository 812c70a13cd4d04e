"""Office pages: home, staff management, settings, the user's account and API tokens."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.api.models import ApiToken
from balise.lib.access import get_for_office, office_access
from balise.lib.ratelimit import ratelimit
from balise.members.models import ImportBatch, Provider

from . import services, twofactor
from .forms import (
    OfficeSettingsForm,
    OneTimeCodeForm,
    ProfileForm,
    StaffAddForm,
    StaffRoleForm,
    TokenCreateForm,
)
from .models import Membership, Network, Role, User
from .next_steps import next_steps

# The password step leaves this in the session for the code step; it is valid for a few
# minutes and only for the code step (the user is not logged in before the code).
PENDING_LOGIN_KEY = "balise_2fa_pending"
PENDING_LOGIN_MAX_AGE = 5 * 60
# The secret being enrolled lives in the session until a code from the app confirms it.
ENROLMENT_SECRET_KEY = "balise_totp_secret"


class LoginView(auth_views.LoginView):
    """Password step. A user with an authenticator app goes on to the code step, still
    logged out; the others are logged in at once."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.has_device(user):
            return super().form_valid(form)
        self.request.session[PENDING_LOGIN_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(twofactor.clock()),
            "next": self.get_redirect_url(),
        }
        return redirect("login_code")


def _pending_login(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_LOGIN_KEY) or {}
    if not pending or twofactor.clock() - pending.get("at", 0) > PENDING_LOGIN_MAX_AGE:
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


@ratelimit(key="ip", rate="10/m")
def login_code(request: HttpRequest) -> HttpResponse:
    """Code step of the login: a code from the app, or a recovery code.

    Wrong codes count as failed logins for django-axes (same lockout as wrong passwords);
    the pending login expires after five minutes."""
    user, pending = _pending_login(request)
    if user is None:
        request.session.pop(PENDING_LOGIN_KEY, None)
        messages.info(request, _("Saisissez à nouveau votre adresse e-mail et votre mot de passe."))
        return redirect("login")
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING_LOGIN_KEY, None)
        return get_lockout_response(request, None, credentials)
    form = OneTimeCodeForm(
        request.POST or None,
        check=lambda code: twofactor.verify(user=user, code=code),
        allow_recovery=True,
    )
    if request.method == "POST":
        if form.is_valid():
            request.session.pop(PENDING_LOGIN_KEY, None)
            auth_login(request, user, backend=pending["backend"])
            if form.result == "recovery":
                messages.warning(
                    request,
                    _(
                        "Vous avez utilisé un code de secours ; il vous en reste %(count)s. "
                        "Pensez à en générer de nouveaux dans « Mon compte »."
                    )
                    % {"count": twofactor.remaining_recovery_codes(user)},
                )
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
            return redirect(next_url)
        # django-axes counts this failure; past the limit its middleware answers with the
        # lockout page.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING_LOGIN_KEY, None)
    return _no_store(render(request, "registration/login_code.html", {"form": form}))


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
    networks = list(Network.objects.filter(coordinators__user=request.user).order_by("name"))
    if len(memberships) == 1 and not networks:
        return redirect("offices:home", memberships[0].office.slug)
    if len(networks) == 1 and not memberships:
        return redirect("network:home", networks[0].slug)
    return render(
        request, "offices/choose_office.html", {"memberships": memberships, "networks": networks}
    )


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
        "next": next_steps(access.office),
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
    form = OfficeSettingsForm(request.POST or None, instance=access.office, user=request.user)
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
    must_enrol = twofactor.must_enrol(request.user)
    if request.method == "POST":
        if "create_token" in request.POST:
            token_form = TokenCreateForm(request.POST)
            if must_enrol:
                # A token would open the whole API without the second factor the rule
                # requires: the form is not shown, and a forged POST gets this answer.
                messages.error(request, twofactor.tokens_need_second_factor())
                return redirect("account")
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
        "has_totp": twofactor.has_device(request.user),
        "recovery_left": twofactor.remaining_recovery_codes(request.user),
        "second_factor_required": twofactor.requirement_text(request.user),
        "tokens_blocked": twofactor.tokens_need_second_factor() if must_enrol else "",
    }
    return render(request, "offices/account.html", context)


def _recovery_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return _no_store(render(request, "offices/account_2fa_codes.html", {"codes": codes}))


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code.

    The recovery codes are shown once, on the page that confirms the enrolment."""
    if twofactor.has_device(request.user):
        messages.info(request, _("La double authentification est déjà activée."))
        return redirect("account")
    secret = request.session.get(ENROLMENT_SECRET_KEY)
    if not secret:
        secret = request.session[ENROLMENT_SECRET_KEY] = twofactor.new_secret()
    form = OneTimeCodeForm(
        request.POST or None,
        check=lambda code: twofactor.enrol(user=request.user, secret=secret, code=code),
    )
    if request.method == "POST" and form.is_valid():
        del request.session[ENROLMENT_SECRET_KEY]
        request.session.cycle_key()
        return _recovery_codes_page(request, form.result)
    uri = twofactor.provisioning_uri(secret=secret, email=request.user.email)
    context = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr": twofactor.qr_svg(uri, title=_("QR code à scanner avec votre application")),
        "required": twofactor.requirement_text(request.user),
    }
    return _no_store(render(request, "offices/account_2fa.html", context))


@login_required
@require_POST
@ratelimit(key=lambda request: str(request.user.pk), rate="10/m")
def totp_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off, with a current code (or a recovery code)."""
    required = twofactor.requirement_text(request.user)
    if required:
        messages.error(request, required)
        return redirect("account")
    form = OneTimeCodeForm(
        request.POST, check=lambda code: twofactor.verify(user=request.user, code=code)
    )
    if form.is_valid():
        twofactor.disable(user=request.user)
        messages.success(request, _("La double authentification est désactivée."))
    else:
        messages.error(request, _("Code incorrect ou déjà utilisé : rien n'a changé."))
    return redirect("account")


@login_required
@require_POST
@ratelimit(key=lambda request: str(request.user.pk), rate="10/m")
def totp_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes (the old ones stop working), with a current code."""
    device = getattr(request.user, "totp_device", None)
    form = OneTimeCodeForm(
        request.POST, check=lambda code: twofactor.verify(user=request.user, code=code)
    )
    if device is None or not form.is_valid():
        messages.error(request, _("Code incorrect ou déjà utilisé : rien n'a changé."))
        return redirect("account")
    return _recovery_codes_page(request, twofactor.new_recovery_codes(device))


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    token.revoke()
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("account")
