"""The online-presence audit over the API: audit runs and site audits (read-only).

Routes live under ``/offices/{office_slug}/`` and start with the access helper, so another
office's slug, audit or run gives 404 and a lecteur reads like the other roles. Check
labels come from the check registry, in the request's language.
"""

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from balise.audits.checks import CHECKS
from balise.audits.checks.base import Verdict
from balise.audits.models import AuditRun, RunStatus, SiteAudit
from balise.lib.access import get_for_office
from balise.members.models import choice_labels
from balise.offices.models import Office

from .access import api_office_access
from .diagnostics import READ_ERRORS, reject_unknown_parameters
from .schemas import MAX_ID, Id, PageParams, ProviderRefOut, paginate

router = Router(tags=["Audits"])

AuditId = Path(..., ge=1, le=MAX_ID, description="Identifiant de l'audit de site.")


# --- schemas -----------------------------------------------------------------------------


class AuditFilters(Schema):
    provider: Id | None = Field(None, description="Identifiant du prestataire.")
    latest: bool = Field(
        True, description="true : le dernier audit de chaque prestataire ; false : tous."
    )


class SiteAuditOut(Schema):
    id: int
    provider: ProviderRefOut
    run_id: int | None
    url: str = Field(description="Adresse auditée (celle de l'annuaire).")
    url_final: str = Field(description="Adresse atteinte après les redirections.")
    reachable: bool
    status_code: int | None
    error: str = Field(description="Code d'erreur stable (dns, timeout, tls…), vide si aucune.")
    error_detail: str
    elapsed_ms: int | None
    size_bytes: int | None
    fetched_at: datetime
    ok_count: int
    to_improve_count: int
    missing_count: int
    is_demo: bool = Field(description="Résultat enregistré pour la démonstration.")


class SiteAuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SiteAuditOut]


class CheckOutcomeOut(Schema):
    code: str = Field(description="Code stable de la vérification, ex. mobile.viewport.")
    label: str
    verdict: Verdict
    verdict_label: str
    evidence: str
    data: dict[str, Any]


class SiteAuditDetailOut(SiteAuditOut):
    outcomes: list[CheckOutcomeOut]


class AuditRunOut(Schema):
    id: int
    status: RunStatus
    status_label: str
    total: int
    done: int
    percent: int
    is_demo: bool
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AuditRunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditRunOut]


# --- site audits -------------------------------------------------------------------------


def audits_of(office: Office) -> QuerySet[SiteAudit]:
    return (
        SiteAudit.objects.filter(office=office)
        .select_related("provider")
        .only(*(f.name for f in SiteAudit._meta.concrete_fields), "provider__name")
        .order_by("provider__normalized_name", "provider_id", "-fetched_at", "-pk")
    )


def latest_only(audits: QuerySet[SiteAudit]) -> QuerySet[SiteAudit]:
    """Keep each provider's latest audit (latest fetch, then highest id)."""
    newer = SiteAudit.objects.filter(provider_id=OuterRef("provider_id")).filter(
        Q(fetched_at__gt=OuterRef("fetched_at"))
        | Q(fetched_at=OuterRef("fetched_at"), pk__gt=OuterRef("pk"))
    )
    return audits.filter(~Exists(newer))


def _audit_data(audit: SiteAudit) -> dict:
    return {
        "id": audit.pk,
        "provider": {"id": audit.provider_id, "name": audit.provider.name},
        "run_id": audit.run_id,
        "url": audit.url,
        "url_final": audit.url_final,
        "reachable": audit.reachable,
        "status_code": audit.status_code,
        "error": audit.error,
        "error_detail": audit.error_detail,
        "elapsed_ms": audit.elapsed_ms,
        "size_bytes": audit.size_bytes,
        "fetched_at": audit.fetched_at,
        "ok_count": audit.ok_count,
        "to_improve_count": audit.to_improve_count,
        "missing_count": audit.missing_count,
        "is_demo": audit.is_demo,
    }


@router.get(
    "/offices/{office_slug}/audits",
    response={200: SiteAuditPage, **READ_ERRORS},
    operation_id="audits_list",
    summary="Audits des sites des prestataires : le dernier de chacun (paginée)",
)
def list_audits(
    request: HttpRequest,
    office_slug: str,
    filters: Query[AuditFilters],
    page: Query[PageParams],
):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, AuditFilters, PageParams)
    audits = audits_of(access.office)
    if filters.provider:
        audits = audits.filter(provider_id=filters.provider)
    if filters.latest:
        audits = latest_only(audits)
    result = paginate(audits, page)
    result["items"] = [_audit_data(audit) for audit in result["items"]]
    return result


@router.get(
    "/offices/{office_slug}/audits/{audit_id}",
    response={200: SiteAuditDetailOut, **READ_ERRORS},
    operation_id="audits_get",
    summary="Un audit de site, avec le verdict de chaque vérification",
)
def get_audit(request: HttpRequest, office_slug: str, audit_id: int = AuditId):
    access = api_office_access(request, office_slug)
    audit = get_for_office(
        access, audits_of(access.office).prefetch_related("outcomes"), pk=audit_id
    )
    labels = {entry.code: str(entry.label) for entry in CHECKS}
    verdicts = choice_labels(Verdict)
    return {
        **_audit_data(audit),
        "outcomes": [
            {
                "code": outcome.code,
                "label": labels.get(outcome.code, outcome.code),
                "verdict": outcome.verdict,
                "verdict_label": verdicts.get(outcome.verdict, outcome.verdict),
                "evidence": outcome.evidence,
                "data": outcome.data if isinstance(outcome.data, dict) else {},
            }
            for outcome in audit.outcomes.all()
        ],
    }


# --- runs ----------------------------------------------------------------------------------


def _run_data(run: AuditRun, statuses: dict[str, str]) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": statuses.get(run.status, run.status),
        "total": run.total,
        "done": run.done,
        "percent": run.percent,
        "is_demo": run.is_demo,
        "error": run.error,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


@router.get(
    "/offices/{office_slug}/audit-runs",
    response={200: AuditRunPage, **READ_ERRORS},
    operation_id="audit_runs_list",
    summary="Campagnes d'audit de l'office, la plus récente d'abord, avec leur avancement",
)
def list_runs(request: HttpRequest, office_slug: str, page: Query[PageParams]):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, PageParams)
    result = paginate(
        AuditRun.objects.filter(office=access.office).order_by("-created_at", "-pk"), page
    )
    statuses = choice_labels(RunStatus)
    result["items"] = [_run_data(run, statuses) for run in result["items"]]
    return result


@router.get(
    "/offices/{office_slug}/audit-runs/{run_id}",
    response={200: AuditRunOut, **READ_ERRORS},
    operation_id="audit_runs_get",
    summary="Une campagne d'audit et son avancement",
)
def get_run(
    request: HttpRequest,
    office_slug: str,
    run_id: int = Path(..., ge=1, le=MAX_ID, description="Identifiant de la campagne d'audit."),
):
    access = api_office_access(request, office_slug)
    run = get_for_office(access, AuditRun, pk=run_id)
    return _run_data(run, choice_labels(RunStatus))
