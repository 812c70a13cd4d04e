"""The demo's recorded site audits: labelled as demo, consistent with the answers mostly."""

from collections import Counter
from random import Random

import pytest

from balise.audits.checks import run_checks
from balise.audits.gaps import sync_gaps
from balise.audits.models import AuditRun, DeclaredObservedGap, RunStatus, SiteAudit
from balise.audits.services import provider_facts
from balise.demo.audits import RUN_STARTED, demo_fetch
from balise.demo.builder import build_demo, reset_demo
from balise.diagnostics.models import Response
from balise.members.models import Provider


@pytest.fixture
def demo(db):
    return build_demo()


def test_recorded_audits_for_every_site_labelled_as_demo(demo):
    for office in demo.offices.values():
        # Active providers with a website, as "Auditer tous les prestataires" covers.
        with_site = Provider.objects.filter(office=office).active().exclude(website="").count()
        run = AuditRun.objects.get(office=office)
        assert run.is_demo and run.status == RunStatus.DONE
        assert run.total == run.done == with_site
        assert run.finished_at > run.started_at
        audits = SiteAudit.objects.filter(office=office)
        assert audits.count() == with_site and not audits.filter(is_demo=False).exists()
        assert audits.filter(run=run).count() == with_site
    audits = SiteAudit.objects.all()
    unreachable = audits.filter(reachable=False)
    assert 3 <= unreachable.count() <= audits.count() * 0.1
    assert set(unreachable.values_list("error", flat=True)) <= {"dns", "timeout"}
    assert all(a.fetched_at.year == 2026 and a.fetched_at.month == 11 for a in audits)
    reachable = audits.filter(reachable=True)
    assert 0.7 <= reachable.filter(url_final__startswith="https://").count() / reachable.count() < 1
    assert all(150 <= a.elapsed_ms <= 2500 for a in reachable)


def test_gaps_exist_for_some_but_most_answers_hold(demo):
    gaps = DeclaredObservedGap.objects.all()
    assert gaps.count() >= 20
    assert len(Counter(gaps.values_list("code", flat=True))) >= 6
    assert not gaps.exclude(response__completed_at__isnull=False).exists()
    assert set(gaps.values_list("status", flat=True)) == {"open"}
    # Both cases: providers who claimed a practice and whose site shows it, and others not.
    completed = Response.objects.filter(
        campaign__starts_on__year=2026,
        completed_at__isnull=False,
        provider__site_audits__isnull=False,
    ).distinct()
    with_gaps = completed.filter(audit_gaps__isnull=False).distinct().count()
    assert 0 < with_gaps < completed.count()
    claims_mobile = sum(1 for r in completed if r.answers.get("web.mobile") == "oui")
    assert claims_mobile > 3 * gaps.filter(code="mobile.viewport").count()


def test_bulk_gaps_are_what_sync_gaps_writes(demo):
    before = set(DeclaredObservedGap.objects.values_list("response_id", "audit_id", "code"))
    for gap in DeclaredObservedGap.objects.select_related("response", "audit")[:30]:
        sync_gaps(response=gap.response, audit=gap.audit)
    for response in Response.objects.filter(
        campaign__starts_on__year=2026, completed_at__isnull=False, audit_gaps__isnull=True
    )[:30]:
        audit = SiteAudit.objects.filter(provider_id=response.provider_id).first()
        if audit is not None:
            assert sync_gaps(response=response, audit=audit) == []
    assert set(DeclaredObservedGap.objects.values_list("response_id", "audit_id", "code")) == before


def test_reset_removes_everything_and_rebuild_is_identical(demo):
    first = sorted(SiteAudit.objects.values_list("url", "ok_count", "missing_count"))
    reset_demo()
    assert not SiteAudit.objects.exists() and not AuditRun.objects.exists()
    assert not DeclaredObservedGap.objects.exists()
    build_demo()
    assert sorted(SiteAudit.objects.values_list("url", "ok_count", "missing_count")) == first


@pytest.mark.django_db
def test_a_demo_page_goes_through_the_real_checks(office):
    from ..factories import ProviderFactory

    provider = ProviderFactory(
        office=office, category="hotel", website="https://pont.example/", phone="04 66 12 34 56",
        social_links={"facebook": "https://www.facebook.com/Pont"},
    )  # fmt: skip
    answers = {"web.https": "oui", "web.mobile": "oui", "resa.module_en_ligne": "oui"}
    verdicts = Counter()
    for seed in range(40):
        result = demo_fetch(provider, answers, Random(seed), RUN_STARTED)
        if not result.ok:
            continue
        outcomes = {o.code: o.verdict for o in run_checks(result, provider_facts(provider))}
        verdicts[outcomes["booking.engine"], outcomes["mobile.viewport"]] += 1
    assert verdicts["ok", "ok"] > 20  # mostly true to the answers
    assert sum(n for (booking, mobile), n in verdicts.items() if "missing" in (booking, mobile))
