"""Reading the directory over the API: scoping, representation, filters, pagination."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from balise.members.models import Label, MembershipStatus, ProviderSourceId, Source, Tag

from ..factories import CommuneFactory, ProviderFactory
from .conftest import providers_url

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


# --- scoping ---------------------------------------------------------------------------


def test_list_shows_only_the_offices_own_providers(api_client, animator, office, other_office):
    ProviderFactory(office=office, name="Hôtel du Pont")
    ProviderFactory(office=other_office, name="Hôtel d'en face")
    assert names(api_client(animator).get(providers_url(office))) == ["Hôtel du Pont"]


def test_another_offices_slug_gives_404_like_a_missing_one(api_client, animator, other_office):
    client = api_client(animator)
    foreign = client.get(providers_url(other_office))
    missing = client.get("/api/v1/offices/nulle-part/providers")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"detail": "Ressource introuvable."}


@pytest.mark.parametrize("slug", ["a" * 500, "pas%00un-slug", "%C3%A9t%C3%A9", "x.y"])
def test_odd_office_slugs_give_404(api_client, animator, slug):
    response = api_client(animator).get(f"/api/v1/offices/{slug}/providers")
    assert response.status_code == 404
    assert response.json() == {"detail": "Ressource introuvable."}


@pytest.mark.parametrize("provider_id", ["0", "abc", str(2**70)])
def test_impossible_provider_ids_are_refused_without_a_500(
    api_client, animator, office, provider_id
):
    response = api_client(animator).get(f"{providers_url(office)}/{provider_id}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["provider_id"]


def test_unknown_provider_id_gives_404(api_client, animator, office):
    response = api_client(animator).get(providers_url(office, 2**62))
    assert response.status_code == 404


def test_reader_and_admin_can_read(api_client, reader, admin_user, office):
    provider = ProviderFactory(office=office)
    for user in (reader, admin_user):
        client = api_client(user)
        assert client.get(providers_url(office)).status_code == 200
        assert client.get(providers_url(office, provider)).status_code == 200


# --- representation --------------------------------------------------------------------


def test_detail_shows_every_field(api_client, animator, office):
    commune = CommuneFactory(insee_code="30189", name="Nîmes")
    provider = ProviderFactory(
        office=office,
        name="Camping des Pins",
        legal_name="SARL Les Pins",
        category="camping",
        description="Au bord de la rivière.",
        address="2 chemin des Pins",
        postal_code="30000",
        commune=commune,
        city="Nîmes",
        latitude=Decimal("43.836699"),
        longitude=Decimal("4.360054"),
        contact_name="Claire Martin",
        email="contact@pins.example",
        phone="04 66 00 00 00",
        website="https://pins.example",
        social_links={"facebook": "https://facebook.com/pins"},
        classification="3 étoiles",
        membership_status=MembershipStatus.PROSPECT,
        membership_year=2024,
        marketing_consent=True,
        marketing_consent_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        marketing_consent_source="Formulaire papier",
        notes="Rappeler en mars.",
    )
    provider.labels.set(
        [Label.objects.create(name="Qualité Tourisme"), Label.objects.create(name="Accueil Vélo")]
    )
    provider.tags.set([Tag.objects.create(office=office, name="bord de rivière")])
    ProviderSourceId.objects.create(
        office=office, provider=provider, source=Source.APIDAE, external_id="123456"
    )
    provider.refresh_from_db()

    data = api_client(animator).get(providers_url(office, provider)).json()

    # JSON datetimes are ISO 8601 in UTC, to the millisecond.
    for field in ("created_at", "updated_at"):
        sent = datetime.fromisoformat(data.pop(field))
        assert abs(sent - getattr(provider, field)) < timedelta(milliseconds=1)
    assert data == {
        "id": provider.pk,
        "name": "Camping des Pins",
        "legal_name": "SARL Les Pins",
        "category": "camping",
        "category_label": "Camping",
        "description": "Au bord de la rivière.",
        "address": "2 chemin des Pins",
        "postal_code": "30000",
        "city": "Nîmes",
        "commune": {"insee_code": "30189", "name": "Nîmes"},
        "latitude": 43.836699,
        "longitude": 4.360054,
        "contact_name": "Claire Martin",
        "email": "contact@pins.example",
        "phone": "04 66 00 00 00",
        "website": "https://pins.example",
        "social_links": {"facebook": "https://facebook.com/pins"},
        "labels": ["Accueil Vélo", "Qualité Tourisme"],
        "classification": "3 étoiles",
        "membership_status": "prospect",
        "membership_year": 2024,
        "marketing_consent": True,
        "marketing_consent_at": "2024-03-01T09:30:00Z",
        "marketing_consent_source": "Formulaire papier",
        "tags": ["bord de rivière"],
        "notes": "Rappeler en mars.",
        "source_ids": [{"source": "apidae", "external_id": "123456"}],
        "archived": False,
    }


def test_provider_without_commune_shows_null(api_client, animator, office):
    provider = ProviderFactory(office=office, commune=None, city="Lieu-dit")
    data = api_client(animator).get(providers_url(office, provider)).json()
    assert data["commune"] is None
    assert data["city"] == "Lieu-dit"
    assert data["latitude"] is None


# --- filters ---------------------------------------------------------------------------


@pytest.fixture
def directory(office, other_office):
    """Four providers of the office, and one of another office that must never show."""
    nimes = CommuneFactory(insee_code="30189", name="Nîmes")
    uzes = CommuneFactory(insee_code="30334", name="Uzès")
    label = Label.objects.create(name="Qualité Tourisme")
    tag = Tag.objects.create(office=office, name="centre-bourg")
    hotel = ProviderFactory(
        office=office,
        name="Hôtel Central",
        category="hotel",
        commune=nimes,
        website="https://central.example",
    )
    hotel.labels.add(label)
    hotel.tags.add(tag)
    restaurant = ProviderFactory(
        office=office,
        name="Le Bistrot",
        category="restaurant",
        commune=uzes,
        membership_status=MembershipStatus.PROSPECT,
    )
    ProviderFactory(
        office=office,
        name="Gîte fermé",
        category="meuble",
        commune=uzes,
        archived_at=timezone.now(),
    )
    ProviderFactory(office=office, name="Zoo du Vallon", category="activite", commune=nimes)
    other = ProviderFactory(office=other_office, name="Hôtel Lointain", commune=nimes)
    other.labels.add(label)
    return {"label": label, "tag": tag, "hotel": hotel, "restaurant": restaurant}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Hôtel Central", "Le Bistrot", "Zoo du Vallon"]),
        ("q=hotel", ["Hôtel Central"]),
        ("q=bistrot", ["Le Bistrot"]),
        ("category=restaurant", ["Le Bistrot"]),
        ("commune=30189", ["Hôtel Central", "Zoo du Vallon"]),
        ("membership_status=prospect", ["Le Bistrot"]),
        ("has_website=true", ["Hôtel Central"]),
        ("has_website=false", ["Le Bistrot", "Zoo du Vallon"]),
        ("archived=true", ["Gîte fermé"]),
        ("archived=false", ["Hôtel Central", "Le Bistrot", "Zoo du Vallon"]),
        ("category=hotel&commune=30334", []),
        ("category=&q=", ["Hôtel Central", "Le Bistrot", "Zoo du Vallon"]),
    ],
)
def test_filters(api_client, animator, office, directory, query, expected):
    assert names(api_client(animator).get(f"{providers_url(office)}?{query}")) == expected


def test_label_and_tag_filters_take_ids(api_client, animator, office, directory):
    client = api_client(animator)
    url = providers_url(office)
    assert names(client.get(f"{url}?label={directory['label'].pk}")) == ["Hôtel Central"]
    assert names(client.get(f"{url}?tag={directory['tag'].pk}")) == ["Hôtel Central"]


def test_filter_on_a_row_the_office_does_not_use_gives_an_empty_list(
    api_client, animator, office, other_office, directory
):
    CommuneFactory(insee_code="75056", name="Paris")
    unused_label = Label.objects.create(name="Clef Verte")
    foreign_tag = Tag.objects.create(office=other_office, name="centre-bourg")
    client = api_client(animator)
    url = providers_url(office)
    for query in (
        "commune=75056",
        "commune=99999",
        f"label={unused_label.pk}",
        f"tag={foreign_tag.pk}",
    ):
        response = client.get(f"{url}?{query}")
        assert response.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=palace", "category"),
        ("membership_status=vip", "membership_status"),
        ("commune=Nimes", "commune"),
        ("label=abc", "label"),
        ("tag=-1", "tag"),
        (f"label={2**80}", "label"),
        ("has_website=peut-etre", "has_website"),
        ("q=" + "a" * 101, "q"),
        ("q=%00", "q"),
    ],
)
def test_bad_filter_values_give_422(api_client, animator, office, directory, query, field):
    # The web page ignores a bad filter; an API client must not get an unfiltered list.
    response = api_client(animator).get(f"{providers_url(office)}?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les données envoyées ne sont pas valides."
    assert list(body["errors"]) == [field]


def test_unknown_category_message_lists_the_choices(api_client, animator, office):
    response = api_client(animator).get(f"{providers_url(office)}?category=palace")
    [message] = response.json()["errors"]["category"]
    assert message.startswith("Valeur inconnue ; valeurs possibles : 'hotel', 'camping'")


# --- pagination ------------------------------------------------------------------------


def test_pagination_with_limit_offset_and_count(api_client, animator, office):
    for name in ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]:
        ProviderFactory(office=office, name=name)
    client = api_client(animator)

    first = client.get(f"{providers_url(office)}?limit=2").json()
    assert (first["count"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [p["name"] for p in first["items"]] == ["Alpha", "Bravo"]

    last = client.get(f"{providers_url(office)}?limit=2&offset=4").json()
    assert [p["name"] for p in last["items"]] == ["Echo"]
    assert last["count"] == 5

    beyond = client.get(f"{providers_url(office)}?offset=100").json()
    assert beyond["items"] == []
    assert beyond["count"] == 5


def test_default_page_size_is_50(api_client, animator, office):
    ProviderFactory.create_batch(51, office=office)
    page = api_client(animator).get(providers_url(office)).json()
    assert (page["count"], page["limit"], len(page["items"])) == (51, 50, 50)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
        (f"offset={2**64}", "offset"),
        ("limit=beaucoup", "limit"),
    ],
)
def test_bad_pagination_gives_422(api_client, animator, office, query, field):
    response = api_client(animator).get(f"{providers_url(office)}?{query}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


# --- query count -----------------------------------------------------------------------


def _provider_with_relations(office, n):
    provider = ProviderFactory(office=office, name=f"Prestataire {n}")
    provider.labels.add(Label.objects.get_or_create(name=f"Label {n}")[0])
    provider.tags.add(Tag.objects.create(office=office, name=f"tag {n}"))
    ProviderSourceId.objects.create(
        office=office, provider=provider, source=Source.DATATOURISME, external_id=str(n)
    )
    return provider


def test_list_query_count_does_not_grow_with_rows(api_client, animator, office):
    client = api_client(animator)
    url = providers_url(office)
    client.get(url)  # first use of the token records last_used_at: keep it out of the count

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.json()["items"]) == expected_rows
        return len(queries)

    _provider_with_relations(office, 1)
    with_one = count_queries(1)
    _provider_with_relations(office, 2)
    _provider_with_relations(office, 3)
    with_three = count_queries(3)

    assert with_one == with_three
    # token, rate counter, membership, count, page, then labels, tags and source ids.
    assert with_three == 8
