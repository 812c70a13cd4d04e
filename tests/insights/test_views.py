"""The study dashboard: who may see it, what it shows, bad input, constant query count."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from balise.insights.tables import MIN_GROUP
from balise.members.models import Category
from tests.factories import CommuneFactory

from .respondents import make_campaign, respondents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(office):
    campaign = make_campaign(office, name="Diagnostic 2026")
    respondents(campaign, 6, answers={"avis.reponse": "jamais", "web.site_dedie": "oui"})
    return campaign


def url(campaign, **query):
    base = reverse("insights:dashboard", args=[campaign.office.slug, campaign.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("who", ["admin_user", "animator", "reader"])
def test_staff_and_readers_see_the_study(request, client_for, campaign, who):
    response = client_for(request.getfixturevalue(who)).get(url(campaign))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Étude du numérique sur le territoire" in page
    assert "Points faibles" in page
    assert "100\u00a0% des prestataires ne répondent jamais aux avis" in page
    assert "Scores par axe et par commune" in page
    assert "<caption" in page and 'scope="row"' in page


def test_home_shows_the_latest_campaign_with_answers(client_for, office, animator, campaign):
    later = make_campaign(office, year=2027, name="Diagnostic 2027")  # no answer yet
    response = client_for(animator).get(reverse("insights:home", args=[office.slug]))
    assert response.status_code == 200
    assert response.context["campaign"] == campaign
    assert later.name in response.content.decode()  # in the campaign menu


def test_home_without_answers_is_an_empty_state(client_for, office, animator):
    make_campaign(office)
    response = client_for(animator).get(reverse("insights:home", args=[office.slug]))
    assert response.status_code == 200
    assert "Aucune campagne de diagnostic n'a encore de réponse complète" in (
        response.content.decode()
    )


def test_filters_apply_and_bad_values_are_ignored(client_for, office, animator, campaign):
    commune = CommuneFactory(name="Vallonnet")
    respondents(campaign, 5, commune=commune, category=Category.RESTAURANT)
    client = client_for(animator)
    everything = client.get(url(campaign))
    assert everything.context["study"].completed == 11
    food = client.get(url(campaign, category_group="restauration"))
    assert food.context["study"].completed == 5
    assert "Famille : Restauration" in food.content.decode()
    # Export links carry the filters.
    assert "etude.pdf?category_group=restauration" in food.content.decode()
    broken = client.get(url(campaign, category_group="nope", commune="abc", size="x", compare="z"))
    assert broken.status_code == 200
    assert broken.context["study"].completed == 11


def test_a_small_selection_shows_nothing(client_for, office, animator, campaign):
    commune = CommuneFactory(name="Hameau")
    respondents(campaign, 2, commune=commune)
    response = client_for(animator).get(url(campaign, commune=commune.pk))
    page = response.content.decode()
    assert response.context["study"].completed == 2
    assert "Moins de 5 diagnostics complets pour cette sélection" in page
    assert "Scores par axe" not in page


def test_compare_only_with_a_campaign_of_the_same_office(
    client_for, office, other_office, animator, campaign
):
    before = make_campaign(office, year=2025, name="Diagnostic 2025")
    theirs = make_campaign(other_office, year=2025, name="Leur diagnostic")
    client = client_for(animator)
    response = client.get(url(campaign, compare=before.pk))
    assert response.context["study"].compare_name == "Diagnostic 2025"
    assert 'id="t-evolution_all"' in response.content.decode()
    forged = client.get(url(campaign, compare=theirs.pk))
    assert forged.status_code == 200
    assert forged.context["study"].compare_name == ""
    assert "Leur diagnostic" not in forged.content.decode()


def test_masked_cells_are_explained(client_for, office, animator, campaign):
    respondents(campaign, 2, commune=CommuneFactory(name="Minuscule"))
    page = client_for(animator).get(url(campaign)).content.decode()
    assert f"masqué : moins de {MIN_GROUP} réponses" in page
    assert "groupe masqué" in page


# On PostgreSQL the study is read in a savepoint with "SET LOCAL jit = off"
# (aggregates.analytic_reads): three more statements, whatever the number of providers.
ANALYTIC_READS = 3 if connection.vendor == "postgresql" else 0


@pytest.mark.parametrize("count", [MIN_GROUP, MIN_GROUP + 3])
def test_query_count_does_not_grow_with_providers(
    client_for, office, animator, django_assert_num_queries, count
):
    # Every commune and category has its own row: more rows, not more queries.
    campaign = make_campaign(office)
    before = make_campaign(office, year=2025)
    for index in range(count):
        respondents(campaign, 1, commune=CommuneFactory(), category=list(Category)[index % 13])
    respondents(before, count)
    client = client_for(animator)
    # Session, user, membership, campaign, campaigns (the compared one among them), data
    # version (5), the study's aggregates (10), the workshops held (1), the filter form's
    # communes and labels.
    with django_assert_num_queries(23 + ANALYTIC_READS):
        client.get(url(campaign, compare=before.pk))
    # Warm: the study comes from the cache, only the data version is read.
    with django_assert_num_queries(12):
        client.get(url(campaign, compare=before.pk))


@pytest.mark.parametrize("count", [1, 3])
def test_query_count_of_a_small_sample(
    client_for, office, animator, django_assert_num_queries, count
):
    campaign = make_campaign(office)
    respondents(campaign, count)
    client = client_for(animator)
    with django_assert_num_queries(13 + ANALYTIC_READS):
        client.get(url(campaign))
