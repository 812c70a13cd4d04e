"""The processing register (read by every staff role) and the privacy settings (admins)."""

import pytest

from balise.privacy.models import ErasureRecord, PrivacySettings

from .rich_provider import url

pytestmark = pytest.mark.django_db


def test_register_lists_processings_with_the_office_as_controller_and_its_durations(
    client_for, reader, office
):
    office.address = "1 place du Marché, 30140 Anduze"
    office.email = "contact@haut-vallon.example"
    office.save()
    PrivacySettings.objects.create(
        office=office,
        dpo_name="Service juridique",
        dpo_email="dpo@haut-vallon.example",
        registration_years=4,
    )
    response = client_for(reader).get(url(office, "privacy:register"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in (
        "Annuaire des prestataires",
        "Diagnostic numérique",
        "Audit des sites web",
        "Étude du territoire",
        "Ateliers et rendez-vous",
        "Comptes du personnel",
        "Journal des actions",
    ):
        assert name in page
    assert "1 place du Marché, 30140 Anduze" in page
    assert "Service juridique" in page and "dpo@haut-vallon.example" in page
    assert "4 ans après la séance" in page  # the office's own duration
    assert "Base légale" in page and "Mesures de sécurité" in page
    # Readers see the register, not the admin actions.
    assert url(office, "privacy:settings") not in page


def test_register_defaults_when_the_office_never_saved_settings(client_for, animator, office):
    response = client_for(animator).get(url(office, "privacy:register"))
    page = response.content.decode()
    assert "3 ans après la séance" in page
    assert "90 jours" in page
    assert "non désigné" in page
    assert not PrivacySettings.objects.exists()  # reading writes nothing


@pytest.mark.parametrize("count", [1, 3])
def test_register_query_count_does_not_grow_with_erasures(
    client_for, admin_user, office, django_assert_num_queries, count
):
    for index in range(count):
        ErasureRecord.objects.create(
            office=office, provider_id=index + 1, by_user=admin_user, scope="provider"
        )
    client = client_for(admin_user)
    # session, user, membership, privacy settings, erasures (with their user)
    with django_assert_num_queries(5):
        response = client.get(url(office, "privacy:register"))
    assert response.content.decode().count("<tr>") == count + 1


def test_admin_saves_the_dpo_and_durations(client_for, admin_user, office):
    response = client_for(admin_user).post(
        url(office, "privacy:settings"),
        {
            "dpo_name": "Mme Dupont",
            "dpo_email": "dpo@example.org",
            "import_file_days": 30,
            "invitation_days": 200,
            "registration_years": 2,
            "archived_provider_years": 5,
            "staff_inactive_years": 1,
            "journal_days": 365,
        },
    )
    assert response.status_code == 302
    rules = PrivacySettings.objects.get(office=office)
    assert (rules.dpo_email, rules.import_file_days, rules.archived_provider_years) == (
        "dpo@example.org",
        30,
        5,
    )


def test_settings_refuse_zero_and_bad_email(client_for, admin_user, office):
    response = client_for(admin_user).post(
        url(office, "privacy:settings"),
        {
            "dpo_email": "pas-un-email",
            "import_file_days": 0,
            "invitation_days": 10,
            "registration_years": 3,
            "archived_provider_years": 3,
            "staff_inactive_years": 2,
            "journal_days": 730,
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"dpo_email", "import_file_days"}
    assert not PrivacySettings.objects.exists()


@pytest.mark.parametrize("role", ["animator", "reader"])
def test_settings_are_admin_only(client_for, request, office, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url(office, "privacy:settings")).status_code == 403
    assert client.post(url(office, "privacy:settings"), {"dpo_name": "x"}).status_code == 403
    assert not PrivacySettings.objects.exists()


def test_public_notice_names_the_office_rights_and_contact(client, office):
    office.email = "contact@haut-vallon.example"
    office.save()
    response = client.get(f"/confidentialite/{office.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert office.name in page
    assert "Vos droits" in page and "CNIL" in page
    assert "mailto:contact@haut-vallon.example" in page
    assert "Comptes du personnel" not in page  # staff processings are for the register


def test_public_notice_prefers_the_dpo_address(client, office):
    PrivacySettings.objects.create(office=office, dpo_email="dpo@haut-vallon.example")
    page = client.get(f"/confidentialite/{office.slug}/").content.decode()
    assert "mailto:dpo@haut-vallon.example" in page


def test_public_notice_of_an_unknown_office_is_404(client, db):
    assert client.get("/confidentialite/nulle-part/").status_code == 404


def test_public_workshop_pages_link_to_the_notice(client, office):
    page = client.get(f"/ateliers/{office.slug}/").content.decode()
    assert f"/confidentialite/{office.slug}/" in page
