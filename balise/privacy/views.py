"""RGPD pages: the processing register, privacy settings, a provider's consent history,
exports (JSON downloads), erasures, and the public privacy notice.

Views stay thin: access → form → service → response. Exports and erasures are admin
only; the register and the consent history are readable by every staff role.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access
from balise.members.models import Provider
from balise.offices.models import Office

from . import erasure, exports, register
from .forms import EraseConfirmForm, PersonEraseForm, PersonForm, PrivacySettingsForm
from .models import ConsentRecord, ErasureRecord, PrivacySettings

RECENT_ERASURES = 20
PUBLIC_PROCESSINGS = ("annuaire", "diagnostic", "audit", "etude", "ateliers")


def _json_download(document: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        exports.to_json(document), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def register_view(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    rules = PrivacySettings.for_office(access.office)
    erasures = ErasureRecord.objects.filter(office=access.office).select_related("by_user")
    return render(
        request,
        "privacy/register.html",
        {
            "rules": rules,
            "processings": register.processings(rules),
            "rights_contact": register.rights_contact(rules),
            "erasures": erasures[:RECENT_ERASURES],
            "today": timezone.localdate(),
        },
    )


@login_required
def settings_view(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    form = PrivacySettingsForm(
        request.POST or None, instance=PrivacySettings.for_office(access.office)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Réglages RGPD enregistrés."))
        return redirect("privacy:register", access.office.slug)
    return render(request, "privacy/settings.html", {"form": form})


@login_required
def consent_history(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    provider = get_for_office(access, Provider, pk=provider_id)
    records = ConsentRecord.objects.filter(provider=provider).select_related("by_user")
    return render(request, "privacy/consent.html", {"provider": provider, "records": records})


@login_required
def provider_export(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    provider = get_for_office(
        access,
        Provider.objects.select_related("office", "commune").prefetch_related("labels", "tags"),
        pk=provider_id,
    )
    filename = f"rgpd-prestataire-{provider.pk}-{timezone.localdate():%Y-%m-%d}.json"
    return _json_download(exports.provider_export(provider), filename)


@login_required
def provider_erase(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    provider = get_for_office(access, Provider, pk=provider_id)
    already = ErasureRecord.objects.filter(office=access.office, provider_id=provider.pk).first()
    form = EraseConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        erasure.erase_provider(provider=provider, by_user=request.user)
        messages.success(
            request,
            _("Les données personnelles du prestataire n° %(id)s sont effacées.")
            % {"id": provider.pk},
        )
        return redirect("members:provider_detail", access.office.slug, provider.pk)
    return render(
        request,
        "privacy/provider_erase.html",
        {"provider": provider, "form": form, "already": already},
        status=400 if form.errors else 200,
    )


@login_required
def person(request: HttpRequest, office_slug: str) -> HttpResponse:
    office_access(request, office_slug, need="admin")
    return render(
        request,
        "privacy/person.html",
        {"export_form": PersonForm(prefix="export"), "erase_form": PersonEraseForm(prefix="erase")},
    )


@login_required
@require_POST
def person_export(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    form = PersonForm(request.POST, prefix="export")
    if not form.is_valid():
        return render(
            request,
            "privacy/person.html",
            {"export_form": form, "erase_form": PersonEraseForm(prefix="erase")},
            status=400,
        )
    document = exports.person_export(access.office, form.cleaned_data["email"])
    if not exports.person_has_data(document):
        messages.info(request, _("Aucune donnée n'est enregistrée pour cette adresse."))
        return redirect("privacy:person", access.office.slug)
    return _json_download(document, f"rgpd-personne-{timezone.localdate():%Y-%m-%d}.json")


@login_required
@require_POST
def person_erase(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="admin")
    form = PersonEraseForm(request.POST, prefix="erase")
    if not form.is_valid():
        return render(
            request,
            "privacy/person.html",
            {"export_form": PersonForm(prefix="export"), "erase_form": form},
            status=400,
        )
    record = erasure.erase_person(
        office=access.office, email=form.cleaned_data["email"], by_user=request.user
    )
    if record is None:
        messages.info(
            request,
            _(
                "Rien à anonymiser : aucune inscription ni rendez-vous sans fiche prestataire "
                "pour cette adresse. Si elle est celle d'un prestataire, effacez sa fiche."
            ),
        )
    else:
        messages.success(
            request,
            _("Anonymisé : %(registrations)s inscription(s), %(appointments)s rendez-vous.")
            % record.counts,
        )
    return redirect("privacy:person", access.office.slug)


def notice(request: HttpRequest, office_slug: str) -> HttpResponse:
    """The public privacy notice of an office (no login)."""
    office = get_object_or_404(Office, slug=office_slug)
    rules = PrivacySettings.for_office(office)
    return render(
        request,
        "privacy/notice.html",
        {
            "office": office,
            "rules": rules,
            "processings": [p for p in register.processings(rules) if p.code in PUBLIC_PROCESSINGS],
            "rights_contact": register.rights_contact(rules),
        },
    )
