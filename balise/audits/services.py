"""Audit workflows: turn a fetched page into stored check outcomes, run batches.

Side effects are listed in each docstring. Fetching lives in :mod:`.fetcher`, judging in
:mod:`.checks`; this module only connects them to the database.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.members.models import Provider
from balise.offices.models import Office

from . import gaps
from .checks import ProviderFacts, run_checks
from .checks.base import Verdict
from .fetcher import FetchResult, FetchSettings, fetch_all
from .models import AuditRun, AuditSchedule, CheckOutcome, RunStatus, SiteAudit


def provider_facts(provider: Provider) -> ProviderFacts:
    """What the directory says about the provider, for the consistency checks."""
    return ProviderFacts(
        category=provider.category,
        phone=provider.phone,
        email=provider.email,
        website=provider.website,
        social_links=dict(provider.social_links or {}),
    )


@transaction.atomic
def store_audit(
    *, provider: Provider, result: FetchResult, run: AuditRun | None = None, is_demo: bool = False
) -> SiteAudit:
    """Run every check on ``result`` and store the audit with one row per check.

    Side effects: one SiteAudit and its CheckOutcome rows. Never raises on a bad page:
    the checks turn every problem into a verdict.
    """
    outcomes = run_checks(result, provider_facts(provider))
    counts = {verdict: sum(1 for o in outcomes if o.verdict == verdict) for verdict in Verdict}
    audit = SiteAudit.objects.create(
        office_id=provider.office_id,
        provider=provider,
        run=run,
        url=result.url_requested[:500],
        url_final=result.url_final[:500],
        reachable=result.ok,
        status_code=result.status,
        error=result.error[:40],
        error_detail=result.error_detail[:300],
        elapsed_ms=result.elapsed_ms if result.ok else None,
        size_bytes=result.size_bytes if result.ok else None,
        fetched_at=result.fetched_at,
        ok_count=counts[Verdict.OK],
        to_improve_count=counts[Verdict.TO_IMPROVE],
        missing_count=counts[Verdict.MISSING],
        is_demo=is_demo,
    )
    CheckOutcome.objects.bulk_create(
        CheckOutcome(
            audit=audit,
            code=outcome.code,
            verdict=outcome.verdict,
            evidence=outcome.evidence[:300],
            # Stored in the language of the run (French for scheduled runs): advice is
            # text shown as it was given, like the evidence.
            advice=str(outcome.advice),
            data=outcome.data,
        )
        for outcome in outcomes
    )
    return audit


# --------------------------------------------------------------------------- batches

logger = logging.getLogger(__name__)

# A run still "queued" or "running" after this long lost its worker: a new one may start.
STALE_RUN = timedelta(hours=2)
SCHEDULE_PERIOD = timedelta(days=30)
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)

OnResult = Callable[[AuditRun, Provider, "SiteAudit | None"], None]


def audited_providers(office: Office) -> QuerySet[Provider]:
    """The office's active providers that have a website: what "audit all" covers."""
    return Provider.objects.filter(office=office).active().exclude(website="").order_by("pk")


def fetch_settings() -> FetchSettings:
    """The fetcher's settings (``settings.BALISE_AUDIT_FETCH`` overrides the defaults)."""
    return FetchSettings.from_django()


def start_run(
    *,
    office: Office,
    user=None,
    providers: Iterable[Provider] | None = None,
    enqueue: bool = True,
) -> AuditRun:
    """Create an audit run over ``providers`` (default: every audited provider) and queue it.

    Side effects: one AuditRun row (status queued, total set); unless ``enqueue`` is False
    (the caller then runs :func:`run_audit` itself), the task ``tasks.run_audit`` is queued
    once the transaction commits. If a run of the office is already queued or running, that
    run is returned instead: a double click never audits every site twice.
    """
    from . import tasks  # tasks import this module

    active = (
        AuditRun.objects.filter(
            office=office, status__in=ACTIVE, created_at__gte=timezone.now() - STALE_RUN
        )
        .order_by("-created_at")
        .first()
    )
    if active is not None and enqueue:
        return active
    if providers is None:
        provider_ids = None
        total = audited_providers(office).count()
    else:
        provider_ids = sorted({p.pk for p in providers if p.office_id == office.pk and p.website})
        total = len(provider_ids)
    run = AuditRun.objects.create(office=office, created_by=user, total=total)
    if enqueue:
        transaction.on_commit(lambda: tasks.run_audit.enqueue(run.pk, provider_ids))
    return run


def _fetch_in_thread(urls: list[str], **kwargs) -> Iterator[tuple[str, FetchResult]]:
    """Yield fetch results as they arrive, fetching on a separate thread's event loop.

    The database work stays on the calling thread: Django refuses ORM calls from inside an
    event loop, and the caller's connection (and transaction) is the one that must write.
    """
    results: queue.Queue = queue.Queue()
    finished = object()

    def fetch() -> None:
        try:
            fetch_all(urls, on_result=lambda url, result: results.put((url, result)), **kwargs)
        except BaseException as exc:  # handed over to the caller's thread
            results.put(exc)
        finally:
            results.put(finished)

    thread = threading.Thread(target=fetch, name="balise-audit-fetch", daemon=True)
    thread.start()
    try:
        while (item := results.get()) is not finished:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        thread.join()


def run_audit(
    run_id: int, provider_ids: list[int] | None = None, *, on_result: OnResult | None = None
) -> AuditRun | None:
    """Fetch and check every site of the run, storing one SiteAudit per provider.

    Side effects: the run goes running → done (or failed, with ``error``); ``done`` grows
    by one per provider as results arrive (an F() update, so a progress poll sees it); one
    SiteAudit with its outcomes per provider. A site that cannot be stored is logged and
    counted as done: one bad site never stops the batch. Only a queued run starts, so a
    task delivered twice audits nothing twice. ``on_result(run, provider, audit)`` is
    called after each provider (audit None if it could not be stored).
    """
    # Claim the run: only a queued run starts, so a task delivered twice runs once.
    claimed = AuditRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), done=0
    )
    run = AuditRun.objects.select_related("office").filter(pk=run_id).first()
    if run is None or not claimed:
        return run
    providers = audited_providers(run.office)
    if provider_ids is not None:
        providers = providers.filter(pk__in=provider_ids)
    providers = list(providers)
    by_url: dict[str, list[Provider]] = defaultdict(list)
    for provider in providers:
        by_url[provider.website.strip()].append(provider)
    if run.total != len(providers):  # archived or edited since the run was queued
        run.total = len(providers)
        run.save(update_fields=["total"])
    try:
        results = _fetch_in_thread(
            list(by_url),
            concurrency=getattr(settings, "BALISE_AUDIT_CONCURRENCY", 50),
            settings=fetch_settings(),
        )
        for url, result in results:
            for provider in by_url[url]:
                audit = None
                try:
                    audit = store_audit(provider=provider, result=result, run=run)
                except Exception:
                    logger.exception("audit: could not store %s (provider %s)", url, provider.pk)
                AuditRun.objects.filter(pk=run.pk).update(done=F("done") + 1)
                if on_result is not None:
                    on_result(run, provider, audit)
    except Exception as exc:
        logger.exception("audit: run %s failed", run.pk)
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:1000]
    else:
        run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    run.refresh_from_db(fields=["done", "total"])
    return run


def audit_provider(*, provider: Provider, user=None) -> SiteAudit:
    """Audit one provider's site now, synchronously (the "Auditer maintenant" button).

    Side effects: a finished AuditRun of one site (who asked, when) and its SiteAudit with
    outcomes. A provider without a website gets an "invalid URL" audit, not an error.
    """
    run = AuditRun.objects.create(
        office_id=provider.office_id,
        created_by=user,
        total=1,
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
    )
    # Through the fetch thread too: this works even when the caller's thread runs an event loop.
    [(_url, result)] = _fetch_in_thread([provider.website], settings=fetch_settings())
    audit = store_audit(provider=provider, result=result, run=run)
    run.status, run.done, run.finished_at = RunStatus.DONE, 1, timezone.now()
    run.save(update_fields=["status", "done", "finished_at"])
    return audit


# --------------------------------------------------------------------------- reading


class AuditOrder(models.TextChoices):
    NAME = "nom", _("par nom")
    TO_FIX = "a-corriger", _("le plus à corriger d'abord")


def latest_audits(
    office: Office, *, gaps_only: bool = False, order: str = AuditOrder.NAME
) -> QuerySet[SiteAudit]:
    """The newest audit of each active provider of the office, one SQL query.

    Each row carries ``open_gaps``: the declared-vs-observed gaps left to review for that
    provider (:func:`balise.audits.gaps.open_gaps`). ``gaps_only`` keeps the providers
    that have some; :attr:`AuditOrder.TO_FIX` puts first those with the most gaps, then
    the most checks to improve or missing; otherwise by name.
    """
    newest = (
        SiteAudit.objects.filter(provider=OuterRef("provider"))
        .order_by("-fetched_at", "-pk")
        .values("pk")[:1]
    )
    gap_count = (
        gaps.open_gaps(office)
        .filter(provider=OuterRef("provider"))
        .values("provider")
        .annotate(n=Count("pk"))
        .values("n")
    )
    audits = (
        SiteAudit.objects.filter(
            office=office, provider__archived_at__isnull=True, pk=Subquery(newest)
        )
        .select_related("provider")
        .annotate(open_gaps=Coalesce(Subquery(gap_count), 0))
    )
    if gaps_only:
        audits = audits.filter(open_gaps__gt=0)
    if order == AuditOrder.TO_FIX:
        return audits.order_by(
            "-open_gaps",
            (F("to_improve_count") + F("missing_count")).desc(),
            "provider__name",
            "provider__pk",
        )
    return audits.order_by("provider__name", "provider__pk")


def current_run(office: Office) -> AuditRun | None:
    """The run to show: one still in progress if any, else the latest."""
    runs = AuditRun.objects.filter(office=office).order_by("-created_at", "-pk")
    return runs.filter(status__in=ACTIVE).first() or runs.first()


def run_totals(runs: QuerySet[AuditRun] | Iterable[AuditRun]) -> dict[str, int]:
    """Verdict totals and unreachable sites over the audits of ``runs`` (one aggregate)."""
    totals = SiteAudit.objects.filter(run__in=runs).aggregate(
        audits=Count("pk"),
        ok=Coalesce(Sum("ok_count"), 0),
        to_improve=Coalesce(Sum("to_improve_count"), 0),
        missing=Coalesce(Sum("missing_count"), 0),
        unreachable=Count("pk", filter=Q(reachable=False)),
    )
    return totals


# --------------------------------------------------------------------------- schedule


def set_schedule(*, office: Office, monthly: bool) -> AuditSchedule:
    """Turn the monthly re-audit on or off. Side effects: creates or updates the schedule."""
    schedule, _ = AuditSchedule.objects.update_or_create(
        office=office, defaults={"monthly": monthly}
    )
    return schedule


def due_schedules() -> QuerySet[AuditSchedule]:
    """Monthly schedules never run or last run more than 30 days ago."""
    limit = timezone.now() - SCHEDULE_PERIOD
    return (
        AuditSchedule.objects.filter(monthly=True)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=limit))
        .select_related("office")
        .order_by("office__slug")
    )


def run_due_schedules(*, enqueue: bool = True, on_result: OnResult | None = None) -> list[AuditRun]:
    """Start a run for every office whose monthly audit is due.

    Side effects: one AuditRun per due office, queued (or, with ``enqueue=False``, run
    here, one office after the other); each schedule's ``last_run_at`` is stamped first, so
    a cron job that fires twice starts nothing twice.
    """
    runs = []
    for schedule in due_schedules():
        with transaction.atomic():
            stamped = AuditSchedule.objects.filter(pk=schedule.pk, last_run_at=schedule.last_run_at)
            if not stamped.update(last_run_at=timezone.now()):
                continue  # another process took it
            run = start_run(office=schedule.office, enqueue=enqueue)
        if not enqueue:
            run = run_audit(run.pk, on_result=on_result)
        runs.append(run)
    return runs
