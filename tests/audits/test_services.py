"""Audit workflows against the local test servers: batches, single audits, latest, schedule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from balise.audits import services
from balise.audits.models import AuditRun, AuditSchedule, CheckOutcome, RunStatus, SiteAudit
from balise.audits.services import (
    audit_provider,
    audited_providers,
    due_schedules,
    latest_audits,
    run_audit,
    run_due_schedules,
    start_run,
)
from tests.factories import OfficeFactory, ProviderFactory

UNREACHABLE = "http://127.0.0.1:1/"  # nothing listens on port 1: connection refused


@pytest.fixture
def fast_fetch(settings, allow_private):
    settings.BALISE_AUDIT_FETCH = {
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "total_timeout": 1.5,
        "max_bytes": 200_000,
        "probe_http": False,
    }


@pytest.fixture
def three_sites(office, http_server):
    return [
        ProviderFactory(office=office, name="Bon site", website=f"{http_server}/ok"),
        ProviderFactory(office=office, name="Site cassé", website=f"{http_server}/500"),
        ProviderFactory(office=office, name="Site éteint", website=UNREACHABLE),
    ]


def test_audited_providers_are_active_with_a_website(office, other_office):
    kept = ProviderFactory(office=office, website="https://gite.example")
    ProviderFactory(office=office, website="")
    ProviderFactory(office=office, website="https://archive.example", archived_at=timezone.now())
    ProviderFactory(office=other_office, website="https://ailleurs.example")
    assert list(audited_providers(office)) == [kept]


def test_run_over_three_sites(fast_fetch, office, three_sites, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(office=office)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.error == ""
    assert run.total == run.done == 3
    assert run.started_at is not None and run.finished_at is not None
    audits = {a.provider.name: a for a in SiteAudit.objects.filter(run=run)}
    assert len(audits) == 3
    assert audits["Bon site"].reachable and audits["Bon site"].error == ""
    assert audits["Site cassé"].status_code == 500 and audits["Site cassé"].error == "http_error"
    assert not audits["Site éteint"].reachable and audits["Site éteint"].error == "connect"
    assert all(a.office_id == office.pk for a in audits.values())
    assert CheckOutcome.objects.filter(audit=audits["Bon site"]).count() > 10


def test_one_bad_site_does_not_stop_the_batch(fast_fetch, office, three_sites, monkeypatch):
    real_store = services.store_audit

    def store(*, provider, result, run=None):
        if provider.name == "Site cassé":
            raise RuntimeError("disque plein")
        return real_store(provider=provider, result=result, run=run)

    monkeypatch.setattr(services, "store_audit", store)
    run = start_run(office=office, enqueue=False)
    seen = []
    run = run_audit(run.pk, on_result=lambda run, provider, audit: seen.append(audit))
    assert run.status == RunStatus.DONE
    assert run.done == run.total == 3
    assert SiteAudit.objects.filter(run=run).count() == 2
    assert sorted(audit is None for audit in seen) == [False, False, True]


def test_run_fails_cleanly_when_fetching_breaks(fast_fetch, office, three_sites, monkeypatch):
    def explode(*args, **kwargs):
        raise OSError("plus de descripteurs")

    monkeypatch.setattr(services, "fetch_all", explode)
    run = run_audit(start_run(office=office, enqueue=False).pk)
    assert run.status == RunStatus.FAILED and "plus de descripteurs" in run.error
    assert run.finished_at is not None


def test_a_run_runs_once(fast_fetch, office, three_sites):
    run = run_audit(start_run(office=office, enqueue=False).pk)
    assert run_audit(run.pk).status == RunStatus.DONE
    assert SiteAudit.objects.filter(run=run).count() == 3


def test_start_run_returns_the_run_in_progress(office, three_sites):
    first = AuditRun.objects.create(office=office, status=RunStatus.RUNNING, total=3)
    assert start_run(office=office) == first
    # Its worker died long ago: a new run may start.
    AuditRun.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert start_run(office=office) != first


def test_start_run_on_chosen_providers(fast_fetch, office, three_sites, other_office):
    foreign = ProviderFactory(office=other_office, website=UNREACHABLE)
    run = start_run(office=office, providers=[three_sites[0], foreign], enqueue=False)
    assert run.total == 1
    run = run_audit(run.pk, [three_sites[0].pk])
    assert [a.provider for a in SiteAudit.objects.filter(run=run)] == [three_sites[0]]


def test_audit_provider_stores_outcomes(fast_fetch, office, http_server, animator):
    provider = ProviderFactory(office=office, website=f"{http_server}/ok")
    audit = audit_provider(provider=provider, user=animator)
    assert audit.reachable and audit.provider == provider
    assert audit.outcomes.filter(code="site.reachable", verdict="ok").exists()
    assert audit.ok_count == audit.outcomes.filter(verdict="ok").count()
    assert audit.run.status == RunStatus.DONE and audit.run.created_by == animator
    assert (audit.run.total, audit.run.done) == (1, 1)


def _audit(provider, days_ago, **kwargs):
    return SiteAudit.objects.create(
        office=provider.office,
        provider=provider,
        url=provider.website or "https://x.example",
        fetched_at=timezone.now() - timedelta(days=days_ago),
        **kwargs,
    )


def test_latest_audits_newest_per_provider(office, other_office, django_assert_num_queries):
    a, b = ProviderFactory(office=office, name="A"), ProviderFactory(office=office, name="B")
    _audit(a, 30, ok_count=1)
    newest_a = _audit(a, 1, ok_count=2)
    newest_b = _audit(b, 5)
    _audit(b, 9)
    _audit(ProviderFactory(office=other_office), 0)
    archived = ProviderFactory(office=office, archived_at=timezone.now())
    _audit(archived, 0)
    with django_assert_num_queries(1):
        rows = [(audit, audit.provider.name) for audit in latest_audits(office)]
    assert rows == [(newest_a, "A"), (newest_b, "B")]


@pytest.mark.parametrize("count", [1, 3])
def test_latest_audits_constant_queries(office, count, django_assert_num_queries):
    for provider in ProviderFactory.create_batch(count, office=office):
        _audit(provider, 3)
        _audit(provider, 1)
    with django_assert_num_queries(1):
        assert len([a.provider.name for a in latest_audits(office)]) == count


def test_due_schedules(office, other_office):
    third = OfficeFactory(slug="troisieme")
    never = AuditSchedule.objects.create(office=office, monthly=True)
    old = AuditSchedule.objects.create(
        office=other_office, monthly=True, last_run_at=timezone.now() - timedelta(days=31)
    )
    AuditSchedule.objects.create(
        office=third, monthly=True, last_run_at=timezone.now() - timedelta(days=3)
    )
    AuditSchedule.objects.create(office=OfficeFactory(slug="manuel"), monthly=False)
    assert set(due_schedules()) == {never, old}


def test_run_due_schedules_runs_each_due_office_once(fast_fetch, office, three_sites):
    AuditSchedule.objects.create(office=office, monthly=True)
    [run] = run_due_schedules(enqueue=False)
    assert run.status == RunStatus.DONE and run.done == 3
    assert AuditSchedule.objects.get(office=office).last_run_at is not None
    assert run_due_schedules(enqueue=False) == []
