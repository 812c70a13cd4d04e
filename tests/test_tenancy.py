"""Walk every office URL as an outsider and as an anonymous visitor: nothing leaks or changes.

New URL patterns are picked up automatically; a pattern whose parameters this test cannot
fill makes it fail, so whoever adds a URL teaches the test how to reach it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from balise.audits.models import AuditRun, DeclaredObservedGap, SiteAudit
from balise.members.models import ImportBatch, Provider

from .diagnostics.factories import (
    CampaignFactory,
    InvitationFactory,
    QuestionnaireFactory,
    ResponseFactory,
    VersionFactory,
)
from .factories import ProviderFactory
from .workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    CandidateSlotFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
    VenueFactory,
)


def _office_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _office_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("o/<slug:office_slug>/"):
            # Staff pages only: the public workshop pages (/ateliers/<office_slug>/) are
            # public by design and tested in tests/workshops.
            yield route


@pytest.fixture
def victim_objects(office, admin_user):
    provider = ProviderFactory(office=office, name="Gîte Secret")
    batch = ImportBatch.objects.create(
        office=office, format="csv", filename="x.csv", file="imports/x.csv"
    )
    membership = admin_user.memberships.get()
    version = VersionFactory(questionnaire=QuestionnaireFactory(office=office, code="secret"))
    campaign = CampaignFactory(office=office, version=version)
    invitation = InvitationFactory(campaign=campaign, provider=provider)
    response = ResponseFactory(campaign=campaign, provider=provider, completed_at=timezone.now())
    audit = SiteAudit.objects.create(
        office=office, provider=provider, url="https://secret.example/", fetched_at=timezone.now()
    )
    gap = DeclaredObservedGap.objects.create(
        office=office, provider=provider, response=response, audit=audit, code="web.mobile"
    )
    programme = ProgrammeFactory(office=office)
    session = SessionFactory(office=office, programme=programme)
    appointment_slot = AppointmentSlotFactory(office=office)
    workshops = {
        "theme_id": session.theme.pk,
        "venue_id": VenueFactory(office=office).pk,
        "slot_id": CandidateSlotFactory(office=office).pk,
        "programme_id": programme.pk,
        "session_id": session.pk,
        "registration_id": RegistrationFactory(session=session, provider=provider).pk,
        "session_invitation_id": SessionInvitationFactory(session=session, provider=provider).pk,
        "appointment_slot_id": appointment_slot.pk,
        "appointment_id": AppointmentFactory(slot=appointment_slot, provider=provider).pk,
    }
    return workshops | {
        "provider_id": provider.pk,
        "batch_id": batch.pk,
        "membership_id": membership.pk,
        "campaign_id": campaign.pk,
        "invitation_id": invitation.pk,
        "version_id": version.pk,
        "response_id": response.pk,
        "run_id": AuditRun.objects.create(office=office, total=1).pk,
        "gap_id": gap.pk,
    }


def _fill(route: str, office_slug: str, ids: dict) -> str:
    url = "/" + route.replace("<slug:office_slug>", office_slug)
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value))
    assert "<" not in url, f"tenancy test cannot fill {route}: add its parameter to victim_objects"
    return url


def test_every_office_url_is_hidden_from_outsiders(client_for, outsider, office, victim_objects):
    routes = list(_office_patterns())
    assert len(routes) >= 10
    client = client_for(outsider)
    for route in routes:
        url = _fill(route, office.slug, victim_objects)
        # POST-only actions answer 405 to any GET (and downloads 405 to any POST) before
        # looking at the office: no leak.
        assert client.get(url).status_code in (404, 405), url
        posted = client.post(url, {"name": "Piraté", "role": "admin"})
        assert posted.status_code in (404, 405), url
    assert Provider.objects.get(pk=victim_objects["provider_id"]).name == "Gîte Secret"
    assert Provider.objects.filter(office=office).count() == 1
    assert office.memberships.count() == 1


def test_every_office_url_asks_anonymous_visitors_to_log_in(client, office, victim_objects):
    for route in _office_patterns():
        url = _fill(route, office.slug, victim_objects)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/compte/connexion/"), url


def test_unknown_office_is_404_like_a_foreign_one(client_for, animator):
    assert client_for(animator).get("/o/nexiste-pas/prestataires/").status_code == 404
