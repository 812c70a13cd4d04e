"""Declared vs observed: each comparison both ways, syncing, decisions, the report section."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from balise.audits.fetcher import FetchResult
from balise.audits.gaps import (
    COMPARISONS,
    Observed,
    compare,
    decide,
    find_gaps,
    gaps_for_provider,
    observations_for,
    sync_gaps,
)
from balise.audits.models import DeclaredObservedGap, GapStatus
from balise.audits.services import store_audit
from balise.diagnostics.reports import build_report
from balise.members.models import Category

from ..diagnostics.factories import CampaignFactory, ResponseFactory, completed_response
from ..factories import ProviderFactory

GOOD_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Hôtel du Pont – Anduze</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="alternate" hreflang="fr" href="https://pont.example/">
<link rel="alternate" hreflang="en" href="https://pont.example/en/">
<script src="https://widget.elloha.com/v2/booking.js"></script></head>
<body><a href="https://www.facebook.com/HotelDuPont">Facebook</a>
<a href="/mentions-legales/">Mentions légales</a><a href="/confidentialite/">Confidentialité</a>
<p>© 2026</p></body></html>"""
BARE_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><title>Hôtel du Pont</title></head>'
    "<body>Bonjour</body></html>"
)

CLAIMS = {
    "web.site_dedie": "oui",
    "web.https": "oui",
    "web.mobile": "oui",
    "web.mentions_legales": "oui",
    "resa.module_en_ligne": "oui",
    "social.reseaux": ["facebook", "instagram"],
    "web.langues": "deux",
}
NO_CLAIMS = {
    "web.site_dedie": "non",
    "web.https": "nsp",
    "web.mobile": "non",
    "web.mentions_legales": "non",
    "resa.module_en_ligne": "non",
    "social.reseaux": ["aucun"],
    "web.langues": "fr_seul",
}


def fetch(page: str = GOOD_PAGE, *, https=True, ok=True, when=None) -> FetchResult:
    url = "https://pont.example/" if https else "http://pont.example/"
    when = when or timezone.now() - timedelta(days=3)
    if not ok:
        return FetchResult(url, url, ok=False, error="dns", error_detail="DNS.", fetched_at=when)
    body = page.encode()
    return FetchResult(
        url, url, ok=True, status=200, https=https, tls_valid=True if https else None,
        http_to_https=https, content_type="text/html", encoding="utf-8", body=body,
        text=page, elapsed_ms=300, size_bytes=len(body), fetched_at=when,
    )  # fmt: skip


@pytest.fixture
def hotel(office):
    return ProviderFactory(
        office=office, category=Category.HOTEL, website="https://pont.example/",
        social_links={"facebook": "https://www.facebook.com/HotelDuPont"},
    )  # fmt: skip


def respond(provider, answers, *, completed=True):
    campaign = CampaignFactory(office=provider.office)
    if completed:
        return completed_response(campaign, provider, answers, scores={})
    return ResponseFactory(campaign=campaign, provider=provider, answers=answers)


@pytest.mark.django_db
class TestFindGaps:
    def test_a_good_site_contradicts_nothing(self, hotel):
        audit = store_audit(provider=hotel, result=fetch())
        assert find_gaps(respond(hotel, CLAIMS), audit) == []

    def test_a_bare_http_site_contradicts_every_content_claim(self, hotel):
        audit = store_audit(provider=hotel, result=fetch(BARE_PAGE, https=False))
        codes = [gap.code for gap in find_gaps(respond(hotel, CLAIMS), audit)]
        assert codes == [
            "security.https", "mobile.viewport", "legal.notices", "legal.privacy",
            "booking.engine", "social.links", "lang.count",
        ]  # fmt: skip

    def test_nothing_claimed_nothing_contradicted(self, hotel):
        audit = store_audit(provider=hotel, result=fetch(BARE_PAGE, https=False))
        assert find_gaps(respond(hotel, NO_CLAIMS), audit) == []

    def test_unreachable_site_only_contradicts_having_a_site(self, hotel):
        audit = store_audit(provider=hotel, result=fetch(ok=False))
        gaps = find_gaps(respond(hotel, CLAIMS), audit)
        assert [gap.code for gap in gaps] == ["site.reachable"]
        assert find_gaps(respond(ProviderFactory(office=hotel.office), {}), audit) == []


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda c: c.code)
def test_each_comparison_both_ways(comparison):
    claim = sorted(comparison.claims)[0]
    contradicting = sorted(comparison.contradicted_by)[0]
    declared = [claim] if comparison.question == "social.reseaux" else claim
    gaps = compare({comparison.question: declared}, {comparison.check: Observed(contradicting)})
    assert [gap.code for gap in gaps] == [comparison.code]
    assert gaps[0].label.startswith("Déclare")
    assert gaps[0].kindly.startswith("Vous avez indiqué")
    # The same claim with a good verdict, or an unknown one: no gap.
    for verdict in ("ok", "unknown"):
        assert compare({comparison.question: declared}, {comparison.check: Observed(verdict)}) == []
    # The same bad verdict without the claim ("non", "je ne sais pas", unanswered): no gap.
    for value in ("non", "nsp", None, ["aucun"]):
        assert (
            compare({comparison.question: value}, {comparison.check: Observed(contradicting)}) == []
        )


@pytest.mark.django_db
class TestSyncAndDecide:
    def test_sync_creates_once_and_keeps_decisions(self, hotel, animator):
        audit = store_audit(provider=hotel, result=fetch(BARE_PAGE, https=False))
        response = respond(hotel, CLAIMS)
        rows = sync_gaps(response=response, audit=audit)
        assert len(rows) == 7 and all(row.status == GapStatus.OPEN for row in rows)
        assert rows[0].label and rows[0].kindly
        decide(gap=rows[0], status=GapStatus.DISMISSED, user=animator)
        again = sync_gaps(response=response, audit=audit)
        assert DeclaredObservedGap.objects.count() == 7
        assert again[0].status == GapStatus.DISMISSED and again[0].decided_by == animator
        decide(gap=again[0], status=GapStatus.OPEN, user=animator)
        again[0].refresh_from_db()
        assert again[0].decided_by is None and again[0].decided_at is None
        with pytest.raises(ValueError):
            decide(gap=again[0], status="maybe", user=animator)

    def test_answers_changed_open_rows_go_decided_rows_stay(self, hotel, animator):
        audit = store_audit(provider=hotel, result=fetch(BARE_PAGE, https=False))
        response = respond(hotel, CLAIMS)
        rows = {row.code: row for row in sync_gaps(response=response, audit=audit)}
        decide(gap=rows["mobile.viewport"], status=GapStatus.CONFIRMED, user=animator)
        response.answers = NO_CLAIMS
        response.save()
        assert sync_gaps(response=response, audit=audit) == []
        assert list(DeclaredObservedGap.objects.values_list("code", flat=True)) == [
            "mobile.viewport"
        ]

    def test_a_dismissed_gap_stays_dismissed_at_the_next_audit(self, hotel, animator):
        response = respond(hotel, CLAIMS)
        first = store_audit(
            provider=hotel,
            result=fetch(BARE_PAGE, https=False, when=timezone.now() - timedelta(days=30)),
        )
        rows = {row.code: row for row in sync_gaps(response=response, audit=first)}
        decide(gap=rows["mobile.viewport"], status=GapStatus.DISMISSED, user=animator)
        next_month = store_audit(provider=hotel, result=fetch(BARE_PAGE, https=False))
        carried = {row.code: row for row in sync_gaps(response=response, audit=next_month)}
        assert carried["mobile.viewport"].status == GapStatus.DISMISSED
        assert carried["mobile.viewport"].decided_by == animator
        others = [row for code, row in carried.items() if code != "mobile.viewport"]
        assert others and all(row.status == GapStatus.OPEN for row in others)

    def test_gaps_for_provider_uses_the_latest_completed_response_and_audit(self, hotel):
        assert gaps_for_provider(hotel) == []
        respond(hotel, CLAIMS)
        store_audit(
            provider=hotel, result=fetch(BARE_PAGE, when=timezone.now() - timedelta(days=60))
        )
        store_audit(provider=hotel, result=fetch())  # fixed since
        assert gaps_for_provider(hotel) == []
        assert gaps_for_provider(ProviderFactory(office=hotel.office)) == []

    def test_other_providers_audit_is_refused(self, hotel, office):
        audit = store_audit(provider=ProviderFactory(office=office), result=fetch())
        with pytest.raises(ValueError):
            sync_gaps(response=respond(hotel, CLAIMS), audit=audit)


@pytest.mark.django_db
class TestReportObservations:
    def test_no_audit_no_section(self, hotel):
        response = respond(hotel, CLAIMS)
        assert observations_for(response) == []
        store_audit(provider=hotel, result=fetch(when=datetime(2020, 1, 1, tzinfo=UTC)))
        assert observations_for(response) == []  # too old

    def test_facts_and_kind_gaps_dismissed_ones_left_out(self, hotel, animator):
        audit = store_audit(provider=hotel, result=fetch(BARE_PAGE))
        response = respond(hotel, CLAIMS)
        observed = observations_for(response)
        assert [fact.code for fact in observed.facts] == [
            "site.reachable", "security.https", "mobile.viewport", "speed.response_time",
            "booking.engine", "legal.notices", "social.links",
        ]  # fmt: skip
        assert observed.facts[0].label == "Site joignable" and observed.facts[0].ok
        codes = [gap.code for gap in observed.gaps]
        assert "mobile.viewport" in codes and "security.https" not in codes
        row = next(
            r for r in sync_gaps(response=response, audit=audit) if r.code == "mobile.viewport"
        )
        decide(gap=row, status=GapStatus.DISMISSED, user=animator)
        assert "mobile.viewport" not in [gap.code for gap in observations_for(response).gaps]

    def test_report_page_shows_the_section(self, hotel, client_for, animator):
        store_audit(provider=hotel, result=fetch(BARE_PAGE))
        response = respond(hotel, CLAIMS)
        report = build_report(response)
        assert report.observations
        from django.template.loader import render_to_string

        page = render_to_string("diagnostics/_report.html", {"report": report})
        assert "Ce que nous avons observé" in page
        assert "Vérification automatique de la page d'accueil" in page
        assert "Vous avez indiqué que votre site s&#x27;affiche bien sur un téléphone" in page
        assert "/offices/" not in page  # public-safe: no staff URL
