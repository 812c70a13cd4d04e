"""Staff pages of the online-presence audit: the office's latest audits with the progress of
the current run, and one provider's audit in detail.

Thin views: access → form → service → response. Reading needs the "read" role; starting
audits or changing the schedule needs "edit". Every id goes through ``get_for_office``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access
from balise.members.models import Provider

from . import gaps, services
from .checks import CHECKS
from .models import AuditRun, AuditSchedule, DeclaredObservedGap, GapStatus, SiteAudit

CHECK_LABELS = {entry.code: entry.label for entry in CHECKS}
HISTORY_SIZE = 24


class AuditFilterForm(forms.Form):
    """The list's filter and order, read from the query string (works without JavaScript)."""

    ecarts = forms.BooleanField(
        label=gettext_lazy("Seulement les écarts déclaré / observé à vérifier"), required=False
    )
    tri = forms.ChoiceField(
        label=gettext_lazy("Trier"),
        choices=services.AuditOrder.choices,
        required=False,
    )


class ScheduleForm(forms.Form):
    monthly = forms.BooleanField(
        label=gettext_lazy("Auditer à nouveau tous les sites chaque mois"), required=False
    )


def _progress_context(run: AuditRun | None) -> dict:
    # Polling stops once the run is over: the partial then renders without hx-trigger.
    return {"run": run, "polling": run is not None and run.status in services.ACTIVE}


@login_required
def audit_home(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    schedule = AuditSchedule.objects.filter(office=access.office).first()
    filters = AuditFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    context = {
        **_progress_context(services.current_run(access.office)),
        "filters": filters,
        "audits": services.latest_audits(
            access.office,
            gaps_only=chosen.get("ecarts", False),
            order=chosen.get("tri") or services.AuditOrder.NAME,
        ),
        "open_gap_count": gaps.open_gaps(access.office).count(),
        "provider_count": services.audited_providers(access.office).count(),
        "schedule": schedule,
        "schedule_form": ScheduleForm(initial={"monthly": bool(schedule and schedule.monthly)}),
    }
    return render(request, "audits/audit_home.html", context)


@login_required
def run_progress(request: HttpRequest, office_slug: str, run_id: int) -> HttpResponse:
    """The progress partial, polled by HTMX; without JavaScript, the full page instead."""
    access = office_access(request, office_slug)
    run = get_for_office(access, AuditRun, pk=run_id)
    if not request.headers.get("HX-Request"):
        return redirect("audits:home", access.office.slug)
    return render(request, "audits/_run_progress.html", _progress_context(run))


@login_required
@require_POST
def audit_start(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    if not services.audited_providers(access.office).exists():
        messages.error(request, _("Aucun prestataire actif n'a de site web à auditer."))
        return redirect("audits:home", access.office.slug)
    run = services.start_run(office=access.office, user=request.user)
    messages.success(
        request,
        _("Audit lancé pour %(count)s sites : la progression s'affiche ci-dessous.")
        % {"count": run.total},
    )
    return redirect("audits:home", access.office.slug)


@login_required
@require_POST
def schedule_update(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    form = ScheduleForm(request.POST)
    form.is_valid()  # a lone optional checkbox is always valid
    schedule = services.set_schedule(office=access.office, monthly=form.cleaned_data["monthly"])
    messages.success(
        request,
        _("Audit mensuel activé.") if schedule.monthly else _("Audit mensuel désactivé."),
    )
    return redirect("audits:home", access.office.slug)


@login_required
def provider_audit(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    provider = get_for_office(access, Provider, pk=provider_id)
    audits = list(
        SiteAudit.objects.filter(provider=provider).order_by("-fetched_at", "-pk")[
            : HISTORY_SIZE + 1
        ]
    )
    latest = audits[0] if audits else None
    outcomes = []
    if latest is not None:
        outcomes = [
            (CHECK_LABELS.get(outcome.code, outcome.code), outcome)
            for outcome in latest.outcomes.all()
        ]
    context = {
        "provider": provider,
        "latest": latest,
        "outcomes": outcomes,
        "history": audits[1:],
        # Synced on view (idempotent): a diagnostic completed after the last audit shows
        # its gaps without waiting for the next audit.
        "gaps": gaps.gaps_for_provider(provider) if latest is not None else [],
    }
    return render(request, "audits/provider_audit.html", context)


@login_required
@require_POST
def gap_decide(request: HttpRequest, office_slug: str, gap_id: int) -> HttpResponse:
    """The animator confirms, dismisses or reopens a declared-vs-observed gap."""
    access = office_access(request, office_slug, need="edit")
    gap = get_for_office(access, DeclaredObservedGap, pk=gap_id)
    status = request.POST.get("status", "")
    if status in GapStatus.values:
        gaps.decide(gap=gap, status=status, user=request.user)
        messages.success(request, _("Écart mis à jour."))
    return redirect("audits:provider_audit", access.office.slug, gap.provider_id)


@login_required
@require_POST
def provider_audit_now(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    provider = get_for_office(access, Provider, pk=provider_id)
    if not provider.website:
        messages.error(request, _("Ce prestataire n'a pas de site web à auditer."))
    else:
        audit = services.audit_provider(provider=provider, user=request.user)
        if audit.reachable:
            messages.success(request, _("Audit terminé."))
        else:
            messages.warning(
                request,
                _("Audit terminé : le site n'a pas pu être lu. %(detail)s")
                % {"detail": audit.error_detail},
            )
    return redirect("audits:provider_audit", access.office.slug, provider.pk)
