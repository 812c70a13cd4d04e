"""The office's home says what to do next, and its figures equal direct counts.

Every join has several rows on each side (campaigns × invitations × responses, sessions ×
registrations, providers × audits × gaps), where a wrong aggregate multiplies.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balise.audits.models import DeclaredObservedGap, GapStatus, SiteAudit
from balise.diagnostics.models import CampaignStatus
from balise.members.models import ImportBatch
from balise.offices.next_steps import next_steps
from balise.workshops.models import RegistrationStatus, SessionStatus
from tests.diagnostics.factories import CampaignFactory, InvitationFactory, ResponseFactory
from tests.factories import ProviderFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=3)


def _campaign(office, *, rows: int):
    """An open campaign and last year's closed one over the same providers. In the open
    one, per row: two providers to remind, one who completed, one in progress (to remind
    too), one revoked, one without e-mail (to phone)."""
    last_year = CampaignFactory(office=office, status=CampaignStatus.CLOSED)
    campaign = CampaignFactory(office=office)
    for _ in range(rows):
        waiting = [ProviderFactory(office=office) for _ in range(2)]
        done, started, revoked = (ProviderFactory(office=office) for _ in range(3))
        silent = ProviderFactory(office=office, email="")
        for provider in [*waiting, done, started, revoked, silent]:
            for c in (last_year, campaign):
                InvitationFactory(
                    campaign=c,
                    provider=provider,
                    sent_at=LONG_AGO if provider.email else None,
                    revoked_at=LONG_AGO if provider is revoked and c is campaign else None,
                )
            ResponseFactory(campaign=last_year, provider=provider, completed_at=LONG_AGO)
        ResponseFactory(campaign=campaign, provider=done, completed_at=LONG_AGO)
        ResponseFactory(campaign=campaign, provider=started)
    return campaign


def _sessions(office, *, rows: int):
    """Per row: a session of 3 places with one confirmed (the waiting and the cancelled
    take no place), a full one, an empty one of 4 places; past, draft and cancelled
    sessions never count."""
    soon = timezone.now() + datetime.timedelta(days=10)
    for index in range(rows):
        starts = soon + datetime.timedelta(days=index)
        some = SessionFactory(office=office, capacity=3, starts_at=starts)
        RegistrationFactory(session=some)
        RegistrationFactory.create_batch(2, session=some, status=RegistrationStatus.WAITING)
        RegistrationFactory(session=some, status=RegistrationStatus.CANCELLED)
        full = SessionFactory(office=office, capacity=2, starts_at=starts)
        RegistrationFactory.create_batch(2, session=full)
        SessionFactory(office=office, capacity=4, starts_at=starts + datetime.timedelta(hours=3))
        SessionFactory(office=office, starts_at=timezone.now() - datetime.timedelta(days=2))
        SessionFactory(office=office, starts_at=starts, status=SessionStatus.DRAFT)
        SessionFactory(office=office, starts_at=starts, status=SessionStatus.CANCELLED)


def _gaps(office, *, rows: int):
    """Per row: a provider with three open gaps on its latest audit and diagnostic, one
    confirmed, and open ones left on an older audit and an older diagnostic."""
    older = CampaignFactory(office=office, status=CampaignStatus.CLOSED)
    newer = CampaignFactory(office=office, status=CampaignStatus.CLOSED)
    for _ in range(rows):
        provider = ProviderFactory(office=office, website="https://gite.example/")
        old_response = ResponseFactory(
            campaign=older, provider=provider, completed_at=LONG_AGO - datetime.timedelta(365)
        )
        response = ResponseFactory(campaign=newer, provider=provider, completed_at=LONG_AGO)
        audits = [
            SiteAudit.objects.create(
                office=office, provider=provider, url=provider.website, fetched_at=when
            )
            for when in (LONG_AGO - datetime.timedelta(days=30), LONG_AGO)
        ]
        for code in ("a", "b", "c"):
            DeclaredObservedGap.objects.create(
                office=office, provider=provider, response=response, audit=audits[1], code=code
            )
            DeclaredObservedGap.objects.create(
                office=office, provider=provider, response=response, audit=audits[0], code=code
            )
            DeclaredObservedGap.objects.create(
                office=office, provider=provider, response=old_response, audit=audits[1], code=code
            )
        DeclaredObservedGap.objects.create(
            office=office,
            provider=provider,
            response=response,
            audit=audits[1],
            code="d",
            status=GapStatus.CONFIRMED,
        )


def _imports(office, *, rows: int):
    """Failed imports before the last successful one are fixed; those after are not."""
    now = timezone.now()

    def batch(status, minutes_ago):
        created = ImportBatch.objects.create(
            office=office, format="csv", filename="adherents.csv", status=status
        )
        created.created_at = now - datetime.timedelta(minutes=minutes_ago)
        created.save(update_fields=["created_at"])
        return created

    for index in range(rows):
        batch(ImportBatch.Status.FAILED, 600 + index)
    batch(ImportBatch.Status.APPLIED, 300)
    return [batch(ImportBatch.Status.FAILED, 100 - index) for index in range(rows)]


def fill(office, rows: int):
    return {
        "campaign": _campaign(office, rows=rows),
        "sessions": _sessions(office, rows=rows),
        "gaps": _gaps(office, rows=rows),
        "failed": _imports(office, rows=rows),
    }


def test_every_figure_equals_a_direct_count(office, other_office):
    data = fill(office, rows=3)
    fill(other_office, rows=1)  # another office's work never shows

    steps = next_steps(office)

    assert steps.campaign.campaign == data["campaign"]
    # 3 × (done, started, waiting × 2, silent) in the panel; the revoked link is left out.
    assert (steps.campaign.completed, steps.campaign.total) == (3, 15)
    assert steps.campaign.rate == 20.0
    assert steps.campaign.to_remind == 3 * 3  # two waiting and the one in progress
    assert steps.campaign.to_phone == 3
    assert steps.sessions_with_places_count == 3 * 2
    assert [session.places_left for session in steps.sessions_with_places] == [2, 4, 2]
    assert steps.sessions_with_places == sorted(
        steps.sessions_with_places, key=lambda session: session.starts_at
    )
    assert (steps.open_gaps, steps.providers_with_gaps) == (3 * 3, 3)
    assert steps.failed_imports == sorted(data["failed"], key=lambda b: b.created_at)[::-1]
    assert steps


def test_an_office_with_nothing_waiting_is_told_so(client_for, animator, office):
    assert not next_steps(office)
    page = client_for(animator).get(reverse("offices:home", args=[office.slug])).content
    assert "Rien n'attend pour l'instant" in page.decode()


def test_each_step_leads_to_where_the_work_is_done(client_for, reader, office):
    data = fill(office, rows=1)
    page = client_for(reader).get(reverse("offices:home", args=[office.slug])).content.decode()
    campaign = data["campaign"]
    assert reverse("diagnostics:campaign_detail", args=[office.slug, campaign.pk]) in page
    assert "20&nbsp;%</span> ont terminé (1 sur 5)" in page
    assert "3 prestataires à relancer" in page and "1 sans e-mail, à appeler" in page
    assert "2 séances à venir ont des places libres" in page
    assert "2 places libres sur 3" in page
    assert reverse("audits:home", args=[office.slug]) + "?ecarts=on&amp;tri=a-corriger" in page
    assert "3 écarts déclaré / observé à vérifier" in page
    batch = data["failed"][0]
    assert reverse("members:import_result", args=[office.slug, batch.pk]) in page
    # A reader follows the figures but is not offered to import.
    assert f'href="{reverse("members:import_start", args=[office.slug])}"' not in page


def _home_queries(client, office) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("offices:home", args=[office.slug])).status_code == 200
    return len(queries)


def test_home_query_count_does_not_grow_with_the_work(client_for, animator, office):
    client = client_for(animator)
    fill(office, rows=1)
    one = _home_queries(client, office)
    fill(office, rows=2)  # a second open campaign, more sessions, gaps and imports
    assert _home_queries(client, office) == one
