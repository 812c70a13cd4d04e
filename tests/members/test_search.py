"""The directory search: accents and case aside, commune-aware, the same on every database."""

import pytest
from django.urls import reverse

from balise.members import imports
from balise.members.importers.base import ProviderRecord
from balise.members.models import Provider, ProviderSourceId, search_text
from balise.privacy.erasure import erase_provider
from tests.factories import CommuneFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def found(office, text):
    return sorted(
        Provider.objects.filter(office=office).search(text).values_list("name", flat=True)
    )


@pytest.fixture
def malbosc(office):
    commune = CommuneFactory(insee_code="30609", name="Malbosc-des-Cévennes", postal_code="30570")
    ProviderFactory(office=office, name="Gîte des Aires", commune=commune, city="Malbosc")
    ProviderFactory(office=office, name="Ferme Roux", commune=commune, city="")
    ProviderFactory(office=office, name="Le Relais", commune=CommuneFactory(name="Valcrose"))
    return commune


def test_a_word_of_a_commune_finds_its_providers_whatever_the_accents(office, malbosc):
    assert found(office, "Cevennes") == ["Ferme Roux", "Gîte des Aires"]
    assert found(office, "CÉVENNES") == ["Ferme Roux", "Gîte des Aires"]


def test_a_full_commune_name_finds_all_its_providers(office, malbosc):
    assert found(office, "Malbosc-des-Cévennes") == ["Ferme Roux", "Gîte des Aires"]
    assert found(office, "malbosc des cevennes") == ["Ferme Roux", "Gîte des Aires"]
    assert found(office, "30609") == ["Ferme Roux", "Gîte des Aires"]


def test_legal_name_locality_and_email_ignore_accents_and_case(office):
    ProviderFactory(
        office=office,
        name="Le Mas",
        legal_name="Société Hôtelière Dupré",
        city="Sumène",
        email="Accueil@Le-Mas.fr",
        commune=None,
    )
    ProviderFactory(office=office, name="Autre", commune=None, city="")

    assert found(office, "societe hoteliere") == ["Le Mas"]
    assert found(office, "SUMENE") == ["Le Mas"]
    assert found(office, "accueil@le-mas") == ["Le Mas"]
    assert found(office, "Œuvre") == []


def test_st_and_saint_find_each_other(office):
    ProviderFactory(office=office, name="Hôtel Saint-Jean", commune=None, city="")
    ProviderFactory(office=office, name="Gîte St Pierre", commune=None, city="")
    ProviderFactory(office=office, name="Station verte", commune=None, city="")

    assert found(office, "St-Jean") == ["Hôtel Saint-Jean"]
    assert found(office, "saint pierre") == ["Gîte St Pierre"]
    assert found(office, "st") == ["Gîte St Pierre", "Hôtel Saint-Jean", "Station verte"]


def test_a_sit_id_finds_its_provider(office):
    provider = ProviderFactory(office=office, name="Chez Jeanne")
    ProviderSourceId.objects.create(
        office=office, provider=provider, source="apidae", external_id="898922"
    )

    assert found(office, " 898922 ") == ["Chez Jeanne"]


def test_punctuation_alone_searches_nothing(office, malbosc):
    assert found(office, " - ") == ["Ferme Roux", "Gîte des Aires", "Le Relais"]


def test_the_search_text_follows_every_change(office, malbosc):
    provider = Provider.objects.get(name="Le Relais")
    provider.legal_name = "SARL Vallée Verte"
    provider.save(update_fields=["legal_name"])
    assert found(office, "vallee verte") == ["Le Relais"]

    malbosc.name = "Malbosc"
    malbosc.save()
    assert found(office, "cevennes") == []
    assert found(office, "malbosc") == ["Ferme Roux", "Gîte des Aires"]


def test_imported_providers_are_searchable(office, malbosc):
    def record(**fields):
        return ProviderRecord(
            source="tableur", external_id="", locator="ligne 2", fields=fields, errors=[]
        )

    plan = imports.plan_import(
        office=office,
        records=[
            record(name="Auberge Neuve", city="Malbosc des Cevennes"),
            record(name="Ferme Roux", legal_name="GAEC des Châtaigniers", insee_code="30609"),
        ],
    )
    imports.apply_import(office=office, plan=plan)

    assert found(office, "cevennes") == ["Auberge Neuve", "Ferme Roux", "Gîte des Aires"]
    assert found(office, "chataigniers") == ["Ferme Roux"]
    for provider in Provider.objects.select_related("commune"):
        assert provider.search_text == search_text(provider)


def test_an_erased_provider_cannot_be_found_by_what_was_erased(office):
    provider = ProviderFactory(office=office, name="Gîte Dupont", email="jean.dupont@example.org")

    erase_provider(provider=provider)

    assert found(office, "dupont") == []


def test_the_list_page_searches_and_counts_its_filters(client_for, reader, office, malbosc):
    page = client_for(reader).get(
        reverse("members:provider_list", args=[office.slug]),
        {"q": "cevennes", "has_website": "false"},
    )

    assert [p.name for p in page.context["providers"]] == ["Ferme Roux", "Gîte des Aires"]
    assert "2 filtres actifs" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"has_website": "false"}, 1),
        ({"has_website": "true", "archived": "on"}, 2),
        ({"q": " - "}, 0),
        ({"q": "", "category": "", "has_website": ""}, 0),
        ({"q": "gite", "category": "meuble", "commune": "30609"}, 3),
    ],
)
def test_active_filters_are_counted_as_applied(client_for, reader, office, malbosc, query, count):
    page = client_for(reader).get(reverse("members:provider_list", args=[office.slug]), query)

    assert page.context["filters"].active_count == count
