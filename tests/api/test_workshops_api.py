"""The workshop API: themes, sessions and registrations, with the web pages' rules."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone

from balise.workshops.models import Registration, RegistrationStatus, Session, SessionStatus

from ..factories import ProviderFactory
from ..workshops.factories import RegistrationFactory, SessionFactory, ThemeFactory, VenueFactory

pytestmark = pytest.mark.django_db


def base(office) -> str:
    return f"/api/v1/offices/{office.slug}"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_reader_lists_themes_and_sessions_with_places_left(api_client, office, reader):
    session = SessionFactory(office=office, capacity=3)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    client = api_client(reader)

    themes = client.get(f"{base(office)}/workshop-themes").json()
    assert [theme["code"] for theme in themes] == ["google_business"]
    assert themes[0]["level_label"] == "Débutant"

    page = client.get(f"{base(office)}/workshop-sessions?upcoming=true").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert (item["confirmed"], item["waiting"], item["places_left"]) == (1, 1, 2)
    assert item["title"] == "Ma fiche Google"
    assert client.get(f"{base(office)}/workshop-sessions?upcoming=false").json()["count"] == 0


def test_an_unknown_status_filter_is_refused(api_client, office, reader):
    client = api_client(reader)
    assert client.get(f"{base(office)}/workshop-sessions?statut=draft").status_code == 422


def test_reader_cannot_write(api_client, office, reader):
    theme = ThemeFactory(office=office)
    client = api_client(reader)
    url = f"{base(office)}/workshop-themes/{theme.pk}"
    response = client.patch(url, json.dumps({"active": False}), content_type="application/json")
    assert response.status_code == 403
    theme.refresh_from_db()
    assert theme.active is True


def test_animator_creates_a_session_capped_by_the_venue(api_client, office, other_office, animator):
    theme = ThemeFactory(office=office, default_capacity=15)
    venue = VenueFactory(office=office, capacity=8)
    foreign_venue = VenueFactory(office=other_office)
    starts = timezone.now() + datetime.timedelta(days=20)
    payload = {
        "theme_id": theme.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
        "venue_id": venue.pk,
        "status": "published",
    }
    client = api_client(animator)
    response = post(client, f"{base(office)}/workshop-sessions", payload)
    assert response.status_code == 201, response.content
    assert response.json()["capacity"] == 8
    assert Session.objects.get().status == SessionStatus.PUBLISHED

    bad = post(
        client,
        f"{base(office)}/workshop-sessions",
        payload | {"venue_id": foreign_venue.pk, "ends_at": starts.isoformat()},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"venue_id", "ends_at"}
    assert Session.objects.count() == 1


def test_registration_is_idempotent_and_fills_the_waiting_list(api_client, office, animator):
    session = SessionFactory(office=office, capacity=1)
    provider = ProviderFactory(office=office)
    client = api_client(animator)
    url = f"{base(office)}/workshop-sessions/{session.pk}/registrations"
    first = post(client, url, {"name": "Anne", "email": "anne@example.org"})
    again = post(client, url, {"name": "Anne", "email": "ANNE@example.org"})
    second = post(
        client, url, {"name": "Bruno", "email": "bruno@example.org", "provider_id": provider.pk}
    )
    assert (first.status_code, again.status_code, second.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"]
    assert [first.json()["status"], second.json()["status"]] == ["confirmed", "waiting"]
    assert Registration.objects.count() == 2
    assert mail.outbox, "a confirmation email is sent"

    cancelled = client.delete(f"{base(office)}/workshop-registrations/{first.json()['id']}")
    assert cancelled.json()["status"] == "cancelled"
    promoted = Registration.objects.get(email="bruno@example.org")
    assert promoted.status == RegistrationStatus.CONFIRMED


def test_registration_refuses_another_office_provider_and_bad_email(
    api_client, office, other_office, animator
):
    session = SessionFactory(office=office)
    foreign = ProviderFactory(office=other_office)
    client = api_client(animator)
    url = f"{base(office)}/workshop-sessions/{session.pk}/registrations"
    response = post(client, url, {"name": "X", "email": "x@example.org", "provider_id": foreign.pk})
    assert response.status_code == 422
    assert post(client, url, {"name": "X", "email": "pas-une-adresse"}).status_code == 422
    assert not Registration.objects.exists()
