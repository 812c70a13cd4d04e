"""Audit pages for the owner, a read-only member and an outsider; progress polling; queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balise.audits.models import AuditRun, AuditSchedule, CheckOutcome, RunStatus, SiteAudit
from tests.factories import ProviderFactory

from .test_services import UNREACHABLE, fast_fetch  # noqa: F401 - fixture

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, office, *args):
    return reverse(f"audits:{name}", args=[office.slug, *args])


@pytest.fixture
def site(office, http_server):
    return ProviderFactory(office=office, name="Gîte du Moulin", website=f"{http_server}/ok")


@pytest.fixture
def audited(site):
    audit = SiteAudit.objects.create(
        office=site.office,
        provider=site,
        url=site.website,
        reachable=True,
        fetched_at=timezone.now(),
        ok_count=1,
        missing_count=1,
        is_demo=True,
    )
    CheckOutcome.objects.create(
        audit=audit, code="mobile.viewport", verdict="missing", evidence="Pas de viewport."
    )
    CheckOutcome.objects.create(audit=audit, code="site.https", verdict="ok", evidence="HTTPS.")
    return audit


def test_owner_sees_the_audits(client_for, animator, office, audited):
    response = client_for(animator).get(url("home", office))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Présence en ligne observée" in html and "Gîte du Moulin" in html
    assert "Auditer tous les prestataires" in html
    assert "Démonstration : résultats enregistrés" in html


@pytest.mark.usefixtures("fast_fetch")
def test_owner_starts_an_audit_of_all(
    client_for, animator, office, site, django_capture_on_commit_callbacks
):
    ProviderFactory(office=office, website=UNREACHABLE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(animator).post(url("start", office))
    assert response.status_code == 302 and response["Location"] == url("home", office)
    run = AuditRun.objects.get(office=office)
    assert run.created_by == animator
    assert (run.status, run.done, run.total) == (RunStatus.DONE, 2, 2)
    page = client_for(animator).get(url("home", office)).content.decode()
    assert 'hx-trigger="every 2s"' not in page and "2 sites audités sur 2" in page


def test_start_without_sites(client_for, animator, office):
    response = client_for(animator).post(url("start", office), follow=True)
    assert "Aucun prestataire actif" in response.content.decode()
    assert not AuditRun.objects.exists()


@pytest.mark.usefixtures("fast_fetch")
def test_owner_audits_one_provider_now(client_for, animator, office, site):
    response = client_for(animator).post(url("provider_audit_now", office, site.pk))
    assert response.status_code == 302
    assert response["Location"] == url("provider_audit", office, site.pk)
    audit = SiteAudit.objects.get(provider=site)
    assert audit.reachable and audit.outcomes.exists()


def test_provider_audit_detail(client_for, animator, office, site, audited):
    older = SiteAudit.objects.create(
        office=office, provider=site, url=site.website, fetched_at=timezone.now().replace(year=2024)
    )
    html = client_for(animator).get(url("provider_audit", office, site.pk)).content.decode()
    assert "Affichage adapté au mobile" in html  # the check's label, from the registry
    assert "Pas de viewport." in html
    assert ">absent<" in html and ">ok<" in html  # the verdict is written, not only coloured
    assert "Démonstration : résultats enregistrés" in html
    assert "Audits précédents" in html and older.fetched_at.strftime("%Y") in html
    assert "Auditer maintenant" in html


def test_schedule(client_for, animator, reader, office):
    client = client_for(animator)
    assert client.post(url("schedule", office), {"monthly": "on"}).status_code == 302
    assert AuditSchedule.objects.get(office=office).monthly is True
    client.post(url("schedule", office), {})
    assert AuditSchedule.objects.get(office=office).monthly is False


def test_reader_reads_but_cannot_act(client_for, reader, office, site, audited):
    client = client_for(reader)
    home = client.get(url("home", office))
    assert home.status_code == 200
    assert "Auditer tous les prestataires" not in home.content.decode()
    detail = client.get(url("provider_audit", office, site.pk))
    assert detail.status_code == 200 and "Auditer maintenant" not in detail.content.decode()
    assert client.post(url("start", office)).status_code == 403
    assert client.post(url("schedule", office), {"monthly": "on"}).status_code == 403
    assert client.post(url("provider_audit_now", office, site.pk)).status_code == 403
    assert not AuditRun.objects.exists() and not AuditSchedule.objects.exists()


def test_progress_polls_while_running_and_stops_when_done(client_for, reader, office):
    run = AuditRun.objects.create(office=office, total=4, done=1, status=RunStatus.RUNNING)
    client = client_for(reader)
    progress = url("run_progress", office, run.pk)
    html = client.get(progress, **HX).content.decode()
    assert 'hx-trigger="every 2s"' in html and f'hx-get="{progress}"' in html
    assert '<progress max="4" value="1"' in html and "Rafraîchir" in html
    assert "<html" not in html  # a partial
    AuditRun.objects.filter(pk=run.pk).update(done=4, status=RunStatus.DONE)
    html = client.get(progress, **HX).content.decode()
    assert "hx-trigger" not in html and "hx-get" not in html
    assert '<progress max="4" value="4"' in html and "Rafraîchir" not in html


def test_progress_without_javascript_is_the_page(client_for, reader, office):
    run = AuditRun.objects.create(office=office, total=2, status=RunStatus.QUEUED)
    client = client_for(reader)
    response = client.get(url("run_progress", office, run.pk))
    assert response.status_code == 302 and response["Location"] == url("home", office)
    page = client.get(url("home", office)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Rafraîchir" in page


def test_provider_page_shows_latest_audit(client_for, reader, office, site, audited):
    html = client_for(reader).get(reverse("members:provider_detail", args=[office.slug, site.pk]))
    html = html.content.decode()
    assert "Présence en ligne observée" in html
    assert url("provider_audit", office, site.pk) in html


def _home_queries(client, office) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("home", office)).status_code == 200
    return len(queries)


def test_audits_list_query_count_is_constant(client_for, animator, office):
    client = client_for(animator)
    AuditRun.objects.create(office=office, total=3, done=3, status=RunStatus.DONE)

    def add_audited_provider():
        provider = ProviderFactory(office=office, website="https://x.example")
        SiteAudit.objects.create(
            office=office, provider=provider, url=provider.website, fetched_at=timezone.now()
        )

    add_audited_provider()
    one = _home_queries(client, office)
    add_audited_provider()
    add_audited_provider()
    assert _home_queries(client, office) == one


@pytest.mark.django_db
class TestGaps:
    """Declared vs observed on the provider's audit page: the animator decides."""

    def _gap(self, office):
        from balise.audits.checks.base import Verdict
        from balise.audits.models import DeclaredObservedGap
        from tests.diagnostics.factories import CampaignFactory, completed_response

        provider = ProviderFactory(office=office, website="https://gite.example/")
        campaign = CampaignFactory(office=office)
        answers = {"web.site_dedie": "oui", "web.mobile": "oui"}
        completed_response(campaign, provider, answers, scores={})
        audit = SiteAudit.objects.create(
            office=office,
            provider=provider,
            url=provider.website,
            fetched_at=timezone.now(),
            reachable=True,
        )
        CheckOutcome.objects.create(audit=audit, code="mobile.viewport", verdict=Verdict.MISSING)
        CheckOutcome.objects.create(audit=audit, code="site.reachable", verdict=Verdict.OK)
        return provider, DeclaredObservedGap

    def test_gap_is_shown_and_can_be_dismissed_then_reopened(self, client_for, animator, office):
        provider, DeclaredObservedGap = self._gap(office)
        client = client_for(animator)
        page_url = reverse("audits:provider_audit", args=[office.slug, provider.pk])
        page = client.get(page_url).content.decode()
        assert "Déclaré et observé" in page
        gap = DeclaredObservedGap.objects.get(provider=provider)
        assert gap.code == "mobile.viewport"
        decide = reverse("audits:gap_decide", args=[office.slug, gap.pk])
        assert client.post(decide, {"status": "dismissed"}).status_code == 302
        gap.refresh_from_db()
        assert (gap.status, gap.decided_by) == ("dismissed", animator)
        client.post(decide, {"status": "open"})
        gap.refresh_from_db()
        assert (gap.status, gap.decided_by) == ("open", None)
        client.post(decide, {"status": "nimportequoi"})
        gap.refresh_from_db()
        assert gap.status == "open"

    def test_reader_cannot_decide(self, client_for, reader, office):
        provider, DeclaredObservedGap = self._gap(office)
        client_for(reader).get(reverse("audits:provider_audit", args=[office.slug, provider.pk]))
        gap = DeclaredObservedGap.objects.get(provider=provider)
        decide = reverse("audits:gap_decide", args=[office.slug, gap.pk])
        assert client_for(reader).post(decide, {"status": "confirmed"}).status_code == 403
        gap.refresh_from_db()
        assert gap.status == "open"


@pytest.mark.django_db
class TestGapsInTheList:
    """The audits list counts the gaps left to review, filters and sorts by them."""

    def _provider(self, office, name, *, gaps: int, to_improve: int = 0):
        """A provider whose latest audit and diagnostic leave ``gaps`` open gaps; an older
        audit keeps open rows of its own, a decided gap does not count."""
        from balise.audits.models import DeclaredObservedGap, GapStatus
        from tests.diagnostics.factories import CampaignFactory, ResponseFactory

        provider = ProviderFactory(office=office, name=name, website="https://site.example/")
        response = ResponseFactory(
            campaign=CampaignFactory(office=office),
            provider=provider,
            completed_at=timezone.now(),
        )
        older, latest = (
            SiteAudit.objects.create(
                office=office,
                provider=provider,
                url=provider.website,
                fetched_at=timezone.now() - timezone.timedelta(days=days),
                to_improve_count=to_improve,
            )
            for days in (40, 1)
        )
        for index in range(gaps):
            for audit in (older, latest):
                DeclaredObservedGap.objects.create(
                    office=office, provider=provider, response=response, audit=audit, code=index
                )
        DeclaredObservedGap.objects.create(
            office=office,
            provider=provider,
            response=response,
            audit=latest,
            code="decided",
            status=GapStatus.DISMISSED,
        )
        return provider

    @staticmethod
    def _rows(client, office, query=""):
        from selectolax.lexbor import LexborHTMLParser

        page = LexborHTMLParser(client.get(url("home", office) + query).content.decode())
        return [
            (row.css_first("th").text(strip=True), row.css("td")[0].text(strip=True))
            for row in page.css(".audit-table tbody tr")
        ]

    def test_gaps_are_counted_filtered_and_sorted(self, client_for, reader, office):
        self._provider(office, "Abbaye", gaps=1, to_improve=5)
        self._provider(office, "Bergerie", gaps=0, to_improve=9)
        self._provider(office, "Camping", gaps=3)
        self._provider(office, "Domaine", gaps=1, to_improve=7)
        client = client_for(reader)

        by_name = self._rows(client, office)
        assert [name for name, _ in by_name] == ["Abbaye", "Bergerie", "Camping", "Domaine"]
        assert by_name[2] == ("Camping", "3 écarts— Camping")  # text(strip=True) of each node
        assert by_name[1] == ("Bergerie", "—aucun")
        assert (
            "5 écarts entre ce que les prestataires ont déclaré"
            in client.get(url("home", office)).content.decode()
        )

        to_fix = self._rows(client, office, "?tri=a-corriger")
        assert [name for name, _ in to_fix] == ["Camping", "Domaine", "Abbaye", "Bergerie"]
        only = self._rows(client, office, "?ecarts=on&tri=a-corriger")
        assert [name for name, _ in only] == ["Camping", "Domaine", "Abbaye"]
        # A value out of the list is ignored, not an error.
        assert len(self._rows(client, office, "?tri=nimporte")) == 4

    def test_gaps_do_not_add_queries(self, client_for, animator, office):
        client = client_for(animator)
        self._provider(office, "Abbaye", gaps=2)
        one = _home_queries(client, office)
        self._provider(office, "Bergerie", gaps=3)
        self._provider(office, "Camping", gaps=1)
        assert _home_queries(client, office) == one

    def test_the_gaps_come_first_on_the_providers_audit_page(self, client_for, reader, office):
        provider, _model = TestGaps()._gap(office)
        page = client_for(reader).get(url("provider_audit", office, provider.pk)).content.decode()
        assert page.index('id="h-gaps"') < page.index('id="h-latest"')
