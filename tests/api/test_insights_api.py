"""The territory study over the API: the aggregates behind each view, masked cells null."""

import pytest
from django.urls import Resolver404, path, resolve
from ninja import NinjaAPI

from balise.api import errors
from balise.api import insights as insights_api
from balise.api.auth import TokenAuth
from balise.insights.filters import StudyFilters
from balise.insights.tables import MIN_GROUP
from balise.members.models import Category

from ..diagnostics.report_questionnaire import make_campaign, make_version
from ..insights.test_exports import completed, sample_study

pytestmark = pytest.mark.django_db


def _registered() -> bool:
    try:
        resolve("/api/v1/offices/x/campaigns/1/study")
    except Resolver404:
        return False
    return True


# Until balise/api/urls.py mounts the router, these tests mount it on an API of their own
# with the same authentication and error handlers; once it is mounted, they use the real one.
if not _registered():
    _api = NinjaAPI(urls_namespace="api_insights_test", auth=TokenAuth())
    errors.install(_api)
    _api.add_router("", insights_api.router)
    urlpatterns = [path("api/v1/", _api.urls)]


@pytest.fixture(autouse=True)
def _urls(settings):
    if "urlpatterns" in globals():
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def campaign(office):
    return make_campaign(office, make_version())


def study_url(campaign, query: str = "") -> str:
    url = f"/api/v1/offices/{campaign.office.slug}/campaigns/{campaign.pk}/study"
    return f"{url}?{query}" if query else url


@pytest.fixture
def hand_made(monkeypatch):
    calls = []

    def fake_build_study(campaign, *, filters=None, compare=None):
        calls.append({"filters": filters, "compare": compare})
        return sample_study()

    monkeypatch.setattr(insights_api, "build_study", fake_build_study)
    return calls


def test_reader_gets_every_table_with_masked_values_null(api_client, reader, campaign, hand_made):
    response = api_client(reader).get(study_url(campaign))
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Étude du numérique sur le territoire"
    assert data["campaign"] == {"id": campaign.pk, "name": campaign.name, "slug": campaign.slug}
    assert data["compare"] is None
    assert data["sample"] == {"invited": 62, "completed": 36, "rate": 58.1, "min_group": MIN_GROUP}
    assert [table["key"] for table in data["tables"]] == ["participation_by_category", "axes"]
    participation = data["tables"][0]
    assert participation["section"] == "participation"
    assert participation["masked_groups"] == 1
    assert participation["columns"][3] == {
        "key": "rate",
        "label": "Taux de réponse",
        "kind": "percent",
    }
    assert participation["rows"][0] == {
        "label": "Hébergement",
        "invited": 40,
        "completed": 25,
        "rate": 62.5,
    }
    assert participation["rows"][2] == {
        "label": "Commerces et producteurs",
        "invited": None,
        "completed": None,
        "rate": None,
    }
    assert data["findings"][1] == {
        "kind": "weakness",
        "text": "62 % des hébergements ne répondent jamais aux avis.",
        "value": 62,
        "base": 25,
    }
    assert data["method"] == sample_study().method


def test_filters_and_compare_are_passed_to_the_study(
    api_client, animator, campaign, hand_made, office
):
    earlier = make_campaign(office, campaign.version, slug="diagnostic-2025", year=2025)
    response = api_client(animator).get(
        study_url(campaign, f"category_group=hebergement&size=seul&compare={earlier.pk}")
    )
    assert response.status_code == 200
    assert hand_made[-1]["filters"] == StudyFilters(category_group="hebergement", size="seul")
    assert hand_made[-1]["compare"] == earlier
    assert response.json()["compare"]["slug"] == "diagnostic-2025"


def test_real_study_counts_follow_the_filters(api_client, reader, campaign):
    completed(campaign, MIN_GROUP)
    completed(campaign, 2, category=Category.RESTAURANT)
    client = api_client(reader)
    assert client.get(study_url(campaign)).json()["sample"]["completed"] == MIN_GROUP + 2
    filtered = client.get(study_url(campaign, "category_group=restauration")).json()
    assert filtered["sample"]["completed"] == 2
    assert filtered["filters"] == "Famille : Restauration"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category_group=spa", "category_group"),
        ("size=enorme", "size"),
        ("commune=999999", "commune"),
        ("compare=abc", "compare"),
        ("categorie=hotel", "categorie"),
    ],
)
def test_bad_filters_are_refused(api_client, reader, campaign, query, field):
    response = api_client(reader).get(study_url(campaign, query))
    assert response.status_code == 422
    assert field in str(response.json())


def test_compare_with_another_office_campaign_is_refused(
    api_client, reader, campaign, other_office
):
    theirs = make_campaign(other_office, campaign.version, slug="leur-diagnostic")
    client = api_client(reader)
    for value in (theirs.pk, campaign.pk, 987654):
        response = client.get(study_url(campaign, f"compare={value}"))
        assert response.status_code == 422
        assert response.json()["errors"]["compare"] == ["Campagne inconnue dans cet office."]


def test_token_required(client, campaign):
    response = client.get(study_url(campaign))
    assert response.status_code == 401
