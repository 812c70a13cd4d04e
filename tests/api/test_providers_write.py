"""Creating and changing providers over the API: roles, stored values, refused input."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from balise.members.models import Label, Provider, Tag

from ..factories import CommuneFactory, ProviderFactory
from .conftest import providers_url

pytestmark = pytest.mark.django_db


def send(client, method: str, url: str, body) -> object:
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(url, payload, content_type="application/json")


@pytest.fixture
def nimes(db):
    return CommuneFactory(insee_code="30189", name="Nîmes", postal_code="30000")


# --- roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put"])
def test_reader_cannot_change_a_provider(api_client, reader, office, method):
    provider = ProviderFactory(office=office, name="Avant", email="avant@example.org")
    before = Provider.objects.values().get(pk=provider.pk)

    response = send(api_client(reader), method, providers_url(office, provider), {"name": "Après"})

    assert response.status_code == 403
    assert response.json() == {"detail": "Votre rôle dans cet office ne permet pas cette action."}
    assert Provider.objects.values().get(pk=provider.pk) == before


def test_reader_cannot_create_a_provider(api_client, reader, office):
    response = send(api_client(reader), "post", providers_url(office), {"name": "Nouveau"})
    assert response.status_code == 403
    assert not Provider.objects.exists()


def test_admin_can_write(api_client, admin_user, office):
    response = send(api_client(admin_user), "post", providers_url(office), {"name": "Gîte"})
    assert response.status_code == 201


# --- create ------------------------------------------------------------------------------


def test_create_stores_every_field(api_client, animator, office, other_office, nimes):
    Label.objects.create(name="Qualité Tourisme")
    Tag.objects.create(office=other_office, name="centre-bourg")
    body = {
        "name": "  Hôtel du Pont  ",
        "legal_name": "SAS Pont",
        "category": "hotel",
        "description": "Vue sur le Gardon.",
        "address": "1 quai du Pont",
        "postal_code": "30000",
        "city": "Nîmes",
        "commune": "30189",
        "latitude": 43.8366991,
        "longitude": 4.36,
        "contact_name": "Léa Roux",
        "email": "accueil@pont.example",
        "phone": "04 66 11 22 33",
        "website": "https://pont.example/",
        "social_links": {"instagram": "https://instagram.com/pont"},
        "labels": ["Qualité Tourisme", "Accueil Vélo", "Accueil Vélo"],
        "classification": "3 étoiles",
        "membership_status": "adherent",
        "membership_year": 2025,
        "marketing_consent": True,
        "tags": ["centre-bourg"],
        "notes": "Client fidèle.",
    }
    before = timezone.now()

    response = send(api_client(animator), "post", providers_url(office), body)

    assert response.status_code == 201, response.content
    provider = Provider.objects.get()
    assert response.json()["id"] == provider.pk
    assert provider.office == office
    assert provider.name == "Hôtel du Pont"
    assert provider.normalized_name == "hotel du pont"
    assert (provider.category, provider.commune, provider.city) == ("hotel", nimes, "Nîmes")
    assert (provider.latitude, provider.longitude) == (Decimal("43.836699"), Decimal("4.360000"))
    assert provider.email == "accueil@pont.example"
    assert provider.website == "https://pont.example/"
    assert provider.social_links == {"instagram": "https://instagram.com/pont"}
    assert provider.membership_year == 2025
    assert provider.notes == "Client fidèle."
    # Labels are shared: the existing one is reused, the new one created once.
    assert sorted(provider.labels.values_list("name", flat=True)) == [
        "Accueil Vélo",
        "Qualité Tourisme",
    ]
    assert Label.objects.count() == 2
    # Tags belong to the office: the other office's "centre-bourg" is not reused.
    [tag] = provider.tags.all()
    assert (tag.name, tag.office) == ("centre-bourg", office)
    # RGPD: consent given through the API is dated and sourced.
    assert provider.marketing_consent is True
    assert before <= provider.marketing_consent_at <= timezone.now()
    assert provider.marketing_consent_source == "API"
    assert response.json()["labels"] == ["Accueil Vélo", "Qualité Tourisme"]
    assert response.json()["commune"] == {"insee_code": "30189", "name": "Nîmes"}


def test_create_with_a_name_only_takes_the_defaults(api_client, animator, office):
    response = send(api_client(animator), "post", providers_url(office), {"name": "Gîte"})
    assert response.status_code == 201
    data = response.json()
    assert (data["category"], data["membership_status"]) == ("autre", "adherent")
    assert (data["commune"], data["labels"], data["tags"], data["social_links"]) == (
        None,
        [],
        [],
        {},
    )
    assert data["marketing_consent"] is False
    assert data["marketing_consent_at"] is None
    assert data["archived"] is False


def test_create_keeps_the_consent_date_and_source_given(api_client, animator, office):
    body = {
        "name": "Gîte",
        "marketing_consent": True,
        "marketing_consent_at": "2024-05-02T08:00:00+02:00",
        "marketing_consent_source": "Bulletin d'adhésion 2024",
    }
    send(api_client(animator), "post", providers_url(office), body)
    provider = Provider.objects.get()
    assert provider.marketing_consent_at == datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
    assert provider.marketing_consent_source == "Bulletin d'adhésion 2024"


# --- patch and put -----------------------------------------------------------------------


@pytest.fixture
def provider(office, nimes):
    provider = ProviderFactory(
        office=office,
        name="Le Bistrot",
        category="restaurant",
        commune=nimes,
        email="bistrot@example.org",
        phone="04 00 00 00 00",
        website="https://bistrot.example",
        marketing_consent=True,
        marketing_consent_at=datetime(2023, 1, 1, tzinfo=UTC),
        marketing_consent_source="Formulaire",
    )
    provider.labels.add(Label.objects.create(name="Maître Restaurateur"))
    provider.tags.add(Tag.objects.create(office=office, name="terrasse"))
    return provider


def test_patch_changes_only_the_fields_sent(api_client, animator, office, provider, nimes):
    response = send(
        api_client(animator), "patch", providers_url(office, provider), {"phone": "04 99 99 99 99"}
    )
    assert response.status_code == 200, response.content
    provider.refresh_from_db()
    assert provider.phone == "+33 4 99 99 99 99"  # one way of writing phones everywhere
    assert (provider.name, provider.category, provider.commune) == (
        "Le Bistrot",
        "restaurant",
        nimes,
    )
    assert provider.email == "bistrot@example.org"
    assert list(provider.labels.values_list("name", flat=True)) == ["Maître Restaurateur"]
    assert list(provider.tags.values_list("name", flat=True)) == ["terrasse"]
    assert provider.marketing_consent_at == datetime(2023, 1, 1, tzinfo=UTC)
    assert response.json()["phone"] == "+33 4 99 99 99 99"


def test_patch_replaces_labels_and_tags_and_clears_with_null(
    api_client, animator, office, provider
):
    body = {
        "labels": ["Accueil Vélo"],
        "tags": [],
        "commune": None,
        "website": None,
        "latitude": None,
    }
    response = send(api_client(animator), "patch", providers_url(office, provider), body)
    assert response.status_code == 200, response.content
    provider.refresh_from_db()
    assert list(provider.labels.values_list("name", flat=True)) == ["Accueil Vélo"]
    assert not provider.tags.exists()
    assert provider.commune is None
    assert provider.website == ""
    assert provider.latitude is None


def test_patch_archives_and_restores(api_client, animator, office, provider):
    client = api_client(animator)
    assert send(client, "patch", providers_url(office, provider), {"archived": True}).json()[
        "archived"
    ]
    provider.refresh_from_db()
    assert provider.archived_at is not None
    send(client, "patch", providers_url(office, provider), {"archived": False})
    provider.refresh_from_db()
    assert provider.archived_at is None


def test_withdrawn_consent_clears_its_date_and_source(api_client, animator, office, provider):
    send(
        api_client(animator), "patch", providers_url(office, provider), {"marketing_consent": False}
    )
    provider.refresh_from_db()
    assert provider.marketing_consent is False
    assert provider.marketing_consent_at is None
    assert provider.marketing_consent_source == ""


def test_consent_kept_on_unrelated_patch_keeps_its_date(api_client, animator, office, provider):
    body = {"marketing_consent": True, "notes": "RAS"}
    send(api_client(animator), "patch", providers_url(office, provider), body)
    provider.refresh_from_db()
    assert provider.marketing_consent_at == datetime(2023, 1, 1, tzinfo=UTC)
    assert provider.marketing_consent_source == "Formulaire"


def test_put_replaces_the_whole_provider(api_client, animator, office, provider):
    response = send(
        api_client(animator), "put", providers_url(office, provider), {"name": "Nouveau Bistrot"}
    )
    assert response.status_code == 200, response.content
    provider.refresh_from_db()
    assert provider.name == "Nouveau Bistrot"
    assert provider.category == "autre"
    assert (provider.email, provider.phone, provider.website) == ("", "", "")
    assert provider.commune is None
    assert not provider.labels.exists()
    assert not provider.tags.exists()
    assert provider.marketing_consent is False
    assert provider.marketing_consent_at is None


# --- refused input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"name": "X", "email": "pas-une-adresse"},
            "email",
            "Saisissez une adresse de courriel valide.",
        ),
        ({"name": "X", "category": "palace"}, "category", None),
        (
            {"name": "X", "commune": "99999"},
            "commune",
            "Commune inconnue : aucun code INSEE « 99999 ».",
        ),
        (
            {"name": "X", "commune": "Nîmes"},
            "commune",
            "Un code INSEE compte 5 caractères, ex. : 30189 ou 2A004.",
        ),
        ({"name": "X", "website": "pont.example"}, "website", "Saisissez une URL valide."),
        ({"name": "X", "website": "ftp://pont.example"}, "website", "Saisissez une URL valide."),
        ({"name": "X", "website": "javascript:alert(1)"}, "website", "Saisissez une URL valide."),
        (
            {"name": "X", "social_links": {"myspace": "https://myspace.com/x"}},
            "social_links.myspace",
            None,
        ),
        ({"name": "X", "social_links": {"facebook": "facebook"}}, "social_links.facebook", None),
        ({}, "name", "Ce champ est obligatoire."),
        ({"name": "   "}, "name", "Ce champ ne peut pas être vide."),
        ({"name": None}, "name", "Texte attendu."),
        ({"name": 42}, "name", "Texte attendu."),
        ({"name": "X" * 201}, "name", "Au plus 200 caractères."),
        ({"name": "X", "notes": "n" * 20001}, "notes", "Au plus 20000 caractères."),
        ({"name": "X\x00"}, "name", "Les caractères nuls ne sont pas autorisés."),
        (
            {"name": "X", "membership_year": "l'an dernier"},
            "membership_year",
            "Nombre entier attendu.",
        ),
        ({"name": "X", "membership_year": 10**30}, "membership_year", None),
        ({"name": "X", "latitude": 123}, "latitude", "Valeur trop grande (maximum : 90)."),
        ({"name": "X", "latitude": "nord"}, "latitude", "Nombre attendu."),
        ({"name": "X", "marketing_consent": "oui oui"}, "marketing_consent", None),
        ({"name": "X", "labels": "Qualité Tourisme"}, "labels", "Liste attendue."),
        ({"name": "X", "labels": [""]}, "labels.0", None),
        ({"name": "X", "labels": ["L"] * 51}, "labels", "Au plus 50 éléments."),
        ({"name": "X", "tags": ["t" * 61]}, "tags.0", "Au plus 60 caractères."),
        ({"name": "X", "id": 12}, "id", "Champ inconnu."),
        ({"name": "X", "emial": "a@b.fr"}, "emial", "Champ inconnu."),
        (
            {
                "name": "X",
                "marketing_consent": True,
                "marketing_consent_at": "2999-01-01T00:00:00Z",
            },
            "marketing_consent_at",
            "La date du consentement ne peut pas être future.",
        ),
        ({"name": "X", "marketing_consent_at": "hier"}, "marketing_consent_at", None),
        ([1, 2], "__all__", "Objet JSON attendu."),
    ],
)
def test_bad_input_gives_422_with_field_messages_and_writes_nothing(
    api_client, animator, office, nimes, body, field, message
):
    response = send(api_client(animator), "post", providers_url(office), body)

    assert response.status_code == 422, response.content
    data = response.json()
    assert data["detail"] == "Les données envoyées ne sont pas valides."
    assert field in data["errors"], data
    if message:
        assert data["errors"][field] == [message]
    assert not Provider.objects.exists()
    assert not Label.objects.exists()


def test_several_errors_are_reported_together(api_client, animator, office):
    body = {"name": "", "email": "non", "category": "palace"}
    response = send(api_client(animator), "post", providers_url(office), body)
    assert set(response.json()["errors"]) == {"name", "email", "category"}


@pytest.mark.parametrize("body", [{"name": None}, {"category": None}, {"archived": None}])
def test_patch_refuses_null_for_fields_that_cannot_be_empty(
    api_client, animator, office, provider, body
):
    response = send(api_client(animator), "patch", providers_url(office, provider), body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == list(body)
    provider.refresh_from_db()
    assert (provider.name, provider.category) == ("Le Bistrot", "restaurant")


def test_patch_with_bad_email_changes_nothing(api_client, animator, office, provider):
    body = {"phone": "01 02 03 04 05", "email": "pas-une-adresse"}
    response = send(api_client(animator), "patch", providers_url(office, provider), body)
    assert response.status_code == 422
    provider.refresh_from_db()
    assert (provider.phone, provider.email) == ("04 00 00 00 00", "bistrot@example.org")


@pytest.mark.parametrize("body", ["{pas du json", b"\xff\xfe", '{"name": "X"'])
def test_unreadable_body_gives_400(api_client, animator, office, body):
    response = send(api_client(animator), "post", providers_url(office), body)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Corps de requête illisible : envoyez un objet JSON valide."
    }


def test_huge_body_is_refused_without_a_500(api_client, animator, office, settings):
    body = {"name": "X", "notes": "n" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = send(api_client(animator), "post", providers_url(office), body)
    assert response.status_code == 400
    assert not Provider.objects.exists()


def test_empty_post_body_gives_422(api_client, animator, office):
    response = api_client(animator).post(providers_url(office), content_type="application/json")
    assert response.status_code == 422


def test_naive_consent_date_is_read_in_the_office_time_zone(api_client, animator, office):
    body = {"name": "X", "marketing_consent": True, "marketing_consent_at": "2024-07-01T12:00:00"}
    send(api_client(animator), "post", providers_url(office), body)
    # Europe/Paris is UTC+2 in July.
    assert Provider.objects.get().marketing_consent_at == datetime(2024, 7, 1, 10, tzinfo=UTC)


def test_updated_at_moves_on_patch(api_client, animator, office, provider):
    Provider.objects.filter(pk=provider.pk).update(updated_at=timezone.now() - timedelta(days=1))
    send(api_client(animator), "patch", providers_url(office, provider), {"notes": "vu"})
    provider.refresh_from_db()
    assert timezone.now() - provider.updated_at < timedelta(minutes=1)


def test_rule_errors_are_reported_together(api_client, animator, office):
    body = {
        "name": "X",
        "commune": "99999",
        "marketing_consent": True,
        "marketing_consent_at": "2999-01-01T00:00:00Z",
    }
    response = send(api_client(animator), "post", providers_url(office), body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"commune", "marketing_consent_at"}


def test_an_old_invalid_value_does_not_block_an_unrelated_patch(api_client, animator, office):
    # Imports may have stored what the model now refuses; only the fields sent are checked.
    provider = ProviderFactory(office=office, website="www.sans-schema.example")
    body = {"phone": "04 66 00 00 01"}
    response = send(api_client(animator), "patch", providers_url(office, provider), body)
    assert response.status_code == 200, response.content
    provider.refresh_from_db()
    assert (provider.phone, provider.website) == ("+33 4 66 00 00 01", "www.sans-schema.example")


def test_an_invalid_phone_is_refused_in_french(api_client, animator, office, provider):
    response = send(api_client(animator), "patch", providers_url(office, provider), {"phone": "01"})
    assert response.status_code == 422
    assert "téléphone invalide" in response.json()["errors"]["phone"][0]
    provider.refresh_from_db()
    assert provider.phone == "04 00 00 00 00"


def test_a_commune_of_the_national_reference_needs_no_prior_row(api_client, animator, office):
    body = {"name": "Gîte", "commune": "30010", "postal_code": "30140"}

    response = send(api_client(animator), "post", providers_url(office), body)

    assert response.status_code == 201, response.json()
    assert response.json()["commune"] == {"insee_code": "30010", "name": "Anduze"}
