"""A provider's journey: diagnostics, audits, workshops, appointments, current advice."""

import pytest
from django.urls import reverse

from balise.audits.models import SiteAudit
from balise.workshops.journey import build_journey
from balise.workshops.models import Feedback, RegistrationStatus

from ..diagnostics.factories import CampaignFactory, completed_response
from ..factories import ProviderFactory
from .factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


def url(office, provider):
    return reverse("workshops:journey", args=[office.slug, provider.pk])


def history(office, provider, n=1):
    """n rounds of diagnostic, audit, workshop, appointment (10 days apart, rounds 100)."""
    for i in range(n):
        completed_response(
            campaign=CampaignFactory(office=office, name=f"Diagnostic {2024 + i}"),
            provider=provider,
            completed_at=days_ago(400 - 100 * i),
            scores={"equipement": 40 + 10 * i, "web": 30 + 10 * i},
            fired=[("wifi", ["wifi_client"]), ("creer_site", ["creer_son_site"])],
            overall=35 + 10 * i,
        )
        SiteAudit.objects.create(
            office=office,
            provider=provider,
            url="https://gite.example/",
            fetched_at=days_ago(390 - 100 * i),
            ok_count=5,
            to_improve_count=2,
            missing_count=1,
        )
        session = SessionFactory(
            office=office,
            title=f"Séance {i}",
            starts_at=days_ago(380 - 100 * i),
            ends_at=days_ago(380 - 100 * i, 12),
        )
        registration = RegistrationFactory(session=session, provider=provider, attended=True)
        Feedback.objects.create(registration=registration, rating=5, useful=True)
        AppointmentFactory(
            slot=AppointmentSlotFactory(
                office=office,
                starts_at=days_ago(370 - 100 * i),
                ends_at=days_ago(370 - 100 * i, 11),
            ),
            provider=provider,
            theme=ThemeFactory(office=office),
        )


def test_journey_gathers_everything_in_date_order(office):
    provider = ProviderFactory(office=office)
    history(office, provider, n=2)
    journey = build_journey(provider)
    assert [step.campaign_name for step in journey.diagnostics] == [
        "Diagnostic 2025",
        "Diagnostic 2024",
    ]
    latest = journey.diagnostics[0]
    assert latest.overall == 45
    assert latest.level_name == "Initié"
    assert [(axis.title, axis.score) for axis in latest.axes] == [
        ("Équipement", 50),
        ("Site web", 40),
    ]
    assert latest.report_url == reverse(
        "diagnostics:report", args=[office.slug, latest.response.pk]
    )
    # Current advice: the latest diagnostic's recommendations, by priority, with their titles.
    assert [advice.title for advice in journey.advice] == [
        "Équiper votre accueil",
        "Créer votre site",
    ]
    assert len(journey.audits) == 2
    assert [r.has_feedback for r in journey.registrations] == [True, True]
    assert len(journey.appointments) == 2
    kinds = [event.kind for event in journey.timeline]
    assert kinds == ["appointment", "workshop", "audit", "diagnostic"] * 2
    whens = [event.when for event in journey.timeline]
    assert whens == sorted(whens, reverse=True)


def test_journey_of_a_new_provider_is_empty(office):
    journey = build_journey(ProviderFactory(office=office))
    assert journey.is_empty
    assert journey.advice == [] and journey.timeline == []


def test_journey_ignores_other_providers(office):
    provider = ProviderFactory(office=office)
    history(office, ProviderFactory(office=office))
    assert build_journey(provider).is_empty


def test_journey_page_for_a_reader(client_for, reader, office):
    provider = ProviderFactory(office=office, name="Gîte des Hirondelles")
    history(office, provider)
    response = client_for(reader).get(url(office, provider))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Parcours : Gîte des Hirondelles" in html
    assert "Équiper votre accueil" in html
    assert reverse("audits:provider_audit", args=[office.slug, provider.pk]) in html
    assert "Séance 0" in html


def test_journey_shows_a_waiting_registration(client_for, reader, office):
    provider = ProviderFactory(office=office)
    RegistrationFactory(
        session=SessionFactory(office=office), provider=provider, status=RegistrationStatus.WAITING
    )
    html = client_for(reader).get(url(office, provider)).content.decode()
    assert "Liste d&#x27;attente" in html


@pytest.mark.parametrize("count", [1, 3])
def test_journey_query_count_is_constant(
    client_for, reader, office, count, django_assert_num_queries
):
    provider = ProviderFactory(office=office)
    history(office, provider, n=count)
    client = client_for(reader)
    client.get(url(office, provider))
    with django_assert_num_queries(11):
        response = client.get(url(office, provider))
    assert len(response.context["journey"].diagnostics) == count
