"""Right of access: everything about one provider, or one e-mail address, as JSON."""

import json

import pytest

from balise.offices.models import Role
from balise.workshops.models import ThemeAlert
from tests.factories import MembershipFactory, ProviderFactory, UserFactory
from tests.workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
)

from .rich_provider import rich_provider, url

pytestmark = pytest.mark.django_db


def download(response) -> dict:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_provider_export_holds_everything(client_for, admin_user, office):
    data = rich_provider(office)
    provider = data["provider"]
    provider.marketing_consent = True
    provider.marketing_consent_source = "Salon"
    provider.save()
    doc = download(
        client_for(admin_user).get(url(office, "privacy:provider_export", provider_id=provider.pk))
    )
    assert doc["controller"]["name"] == office.name
    assert doc["provider"]["email"] == "jeanne@gite.example"
    assert doc["provider"]["contact_name"] == "Jeanne Martin"
    assert doc["provider"]["latitude"] == "44.100000"
    assert doc["source_ids"] == [{"source": "apidae", "external_id": "12345"}]
    assert [(c["given"], c["source"]) for c in doc["consent_history"]] == [(True, "Salon")]
    [diagnostic] = doc["diagnostics"]
    answers = {a["question"]: a["value"] for a in diagnostic["answers"]}
    assert answers["profil.remarque"].startswith("Je m'appelle Jeanne")
    assert answers["equipement.outils"] == ["ordinateur", "smartphone"]
    labels = {a["question"]: a["label"] for a in diagnostic["answers"]}
    assert labels["equipement.wifi"] == "Proposez-vous un accès wifi gratuit à vos clients ?"
    assert diagnostic["overall_score"] == data["response"].overall_score is not None
    assert set(diagnostic["axis_scores"]) == {"equipement", "web", "reservation"}
    assert diagnostic["report_available"] is True
    assert doc["diagnostic_invitations"][0]["email"] == "jeanne@gite.example"
    assert doc["site_audits"][0]["url"] == "https://gite-jeanne.example/"
    assert doc["workshop_invitations"][0]["reason"] == "Votre diagnostic…"
    [registration] = doc["workshop_registrations"]
    assert registration["feedback"]["comment"] == "Merci, Jeanne"
    assert doc["appointments"][0]["note"] == "Parler de mon site"
    # Datetimes in ISO 8601.
    assert "T" in diagnostic["completed_at"]


@pytest.mark.parametrize("role", ["animator", "reader"])
def test_provider_export_is_admin_only(client_for, request, office, role):
    provider = ProviderFactory(office=office)
    response = client_for(request.getfixturevalue(role)).get(
        url(office, "privacy:provider_export", provider_id=provider.pk)
    )
    assert response.status_code == 403


def test_person_export_finds_an_address_across_the_office(
    client_for, admin_user, office, other_office
):
    email = "Paul.Durand@Example.org"
    session = SessionFactory(office=office)
    RegistrationFactory(
        session=session, provider=None, name="Paul Durand", email="paul.durand@example.org"
    )
    AppointmentFactory(
        slot=AppointmentSlotFactory(office=office),
        name="Paul",
        email="paul.durand@example.org",
        note="mon site",
    )
    ProviderFactory(office=office, name="Chez Paul", email="paul.durand@example.org")
    ThemeAlert.objects.create(office=office, theme=session.theme, email="paul.durand@example.org")
    MembershipFactory(
        office=office,
        role=Role.READER,
        user=UserFactory(email="paul.durand@example.org", full_name="Paul D."),
    )
    # Another office's rows with the same address never show.
    RegistrationFactory(
        session=SessionFactory(office=other_office), provider=None, email="paul.durand@example.org"
    )
    ProviderFactory(office=other_office, name="Ailleurs", email="paul.durand@example.org")

    doc = download(
        client_for(admin_user).post(url(office, "privacy:person_export"), {"export-email": email})
    )
    assert doc["email"] == "paul.durand@example.org"
    assert len(doc["workshop_registrations"]) == 1
    assert doc["appointments"][0]["note"] == "mon site"
    assert [alert["theme"] for alert in doc["workshop_alerts"]] == [session.theme.title]
    assert [p["name"] for p in doc["providers"]] == ["Chez Paul"]
    assert doc["staff_account"]["role"] == "lecteur"
    assert doc["staff_account"]["full_name"] == "Paul D."


def test_person_export_with_nothing_found_says_so(client_for, admin_user, office):
    response = client_for(admin_user).post(
        url(office, "privacy:person_export"), {"export-email": "personne@example.org"}, follow=True
    )
    assert response.status_code == 200
    assert "Aucune donnée" in response.content.decode()


def test_person_export_refuses_a_bad_address(client_for, admin_user, office):
    response = client_for(admin_user).post(
        url(office, "privacy:person_export"), {"export-email": "pas-une-adresse"}
    )
    assert response.status_code == 400
    assert response.context["export_form"].errors["email"]


@pytest.mark.parametrize("role", ["animator", "reader"])
def test_person_pages_are_admin_only(client_for, request, office, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url(office, "privacy:person")).status_code == 403
    assert (
        client.post(
            url(office, "privacy:person_export"), {"export-email": "a@example.org"}
        ).status_code
        == 403
    )
