"""The diagnostic over the API: questionnaire versions, campaigns, responses and scores."""

import copy
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from balise.diagnostics import followup, invitations
from balise.diagnostics.models import (
    AxisScore,
    CampaignStatus,
    Invitation,
    ResponseSource,
    VersionStatus,
)

from ..diagnostics.factories import (
    SMALL_DEFINITION,
    CampaignFactory,
    QuestionnaireFactory,
    ResponseFactory,
    VersionFactory,
    completed_response,
)
from ..factories import CommuneFactory, ProviderFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/offices"
NOT_FOUND = {"detail": "Ressource introuvable."}


def both(fr: str, en: str) -> dict:
    return {"fr": fr, "en": en}


def translated_definition() -> dict:
    """The small test questionnaire with English axis titles and level names, and a
    "wished topics" question that names the workshop themes."""
    data = copy.deepcopy(SMALL_DEFINITION)
    english = {"equipement": "Equipment", "web": "Website", "reservation": "Booking"}
    for axis in data["axes"]:
        axis["title"] = both(axis["title"]["fr"], english[axis["code"]])
    for level, name in zip(data["levels"], ["Beginner", "Initiated", "Advanced"], strict=True):
        level["name"] = both(level["name"]["fr"], name)
    data["recommendations"][0]["title"] = both("Créer votre site", "Build your website")
    data["sections"].append(
        {
            "code": "besoins",
            "title": {"fr": "Vos besoins"},
            "questions": [
                {
                    "code": "besoins.themes",
                    "type": "multiple",
                    "label": {"fr": "Quels sujets vous intéressent ?"},
                    "options": [
                        {"code": "creer_son_site", "label": both("Créer son site", "Web basics")},
                        {"code": "wifi_client", "label": {"fr": "Wifi client"}},
                    ],
                }
            ],
        }
    )
    return data


@pytest.fixture
def version(office):
    return VersionFactory(
        questionnaire=QuestionnaireFactory(office=None, code="diagnostic-api"),
        definition=translated_definition(),
    )


@pytest.fixture
def campaign(office, version):
    return CampaignFactory(
        office=office,
        version=version,
        name="Diagnostic 2026",
        slug="diagnostic-2026",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 4, 30),
    )


@pytest.fixture
def nimes():
    return CommuneFactory(insee_code="30189", name="Nîmes")


# No website, no wifi, no tools; online booking: equipment 0, website 0, booking 100.
WEAK_HOTEL = {
    "equipement.wifi": "non",
    "equipement.outils": ["aucun"],
    "web.site": "non",
    "reservation.en_ligne": "oui",
}
# Everything at best: 100 on every axis that applies (a restaurant books nothing).
STRONG_RESTAURANT = {
    "equipement.wifi": "oui",
    "equipement.outils": ["ordinateur", "smartphone"],
    "web.site": "oui",
    "web.mobile": "palier_5",
    "web.mentions": "oui",
}


@pytest.fixture
def responses(office, campaign, nimes):
    """A weak hotel in Nîmes (completed), a strong restaurant elsewhere (completed, with
    the animator), a camping still answering; and one response of another campaign."""
    hotel = ProviderFactory(office=office, name="Hôtel du Pont", category="hotel", commune=nimes)
    restaurant = ProviderFactory(office=office, name="Le Bistrot", category="restaurant")
    camping = ProviderFactory(office=office, name="Camping des Pins", category="camping")
    weak = completed_response(campaign, hotel, WEAK_HOTEL)
    strong = completed_response(
        campaign, restaurant, STRONG_RESTAURANT, source=ResponseSource.ASSISTED
    )
    started = ResponseFactory(campaign=campaign, provider=camping, answers={"web.site": "oui"})
    ResponseFactory(campaign=CampaignFactory(office=office), provider=hotel)
    return {"weak": weak, "strong": strong, "started": started}


def responses_url(office, campaign) -> str:
    return f"{BASE}/{office.slug}/campaigns/{campaign.pk}/responses"


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def provider_names(page: dict) -> list[str]:
    return [item["provider"]["name"] for item in page["items"]]


# --- scoping -----------------------------------------------------------------------------


@pytest.fixture
def every_url(office, campaign, responses, version):
    slug = office.slug
    return [
        f"{BASE}/{slug}/questionnaires",
        f"{BASE}/{slug}/questionnaires/{version.pk}",
        f"{BASE}/{slug}/campaigns",
        f"{BASE}/{slug}/campaigns/{campaign.pk}",
        responses_url(office, campaign),
        f"{BASE}/{slug}/responses/{responses['weak'].pk}",
    ]


def test_reader_and_admin_can_read_every_route(api_client, reader, admin_user, every_url):
    for user in (reader, admin_user):
        client = api_client(user)
        for url in every_url:
            assert client.get(url).status_code == 200, (user, url)


def test_lists_never_show_another_offices_rows(
    api_client, animator, office, other_office, campaign, responses, version
):
    theirs = CampaignFactory(office=other_office, version=version)
    completed_response(
        theirs, ProviderFactory(office=other_office, name="Hôtel Lointain"), WEAK_HOTEL
    )
    client = api_client(animator)
    campaigns = ok(client.get(f"{BASE}/{office.slug}/campaigns"))
    assert theirs.pk not in [item["id"] for item in campaigns["items"]]
    page = ok(client.get(responses_url(office, campaign)))
    assert "Hôtel Lointain" not in provider_names(page)


@pytest.mark.parametrize("bad_id", ["0", "abc", str(2**70), "-3"])
def test_impossible_ids_are_refused_without_a_500(api_client, animator, office, bad_id):
    client = api_client(animator)
    for path, field in (
        (f"questionnaires/{bad_id}", "version_id"),
        (f"campaigns/{bad_id}", "campaign_id"),
        (f"campaigns/{bad_id}/responses", "campaign_id"),
        (f"responses/{bad_id}", "response_id"),
    ):
        response = client.get(f"{BASE}/{office.slug}/{path}")
        assert response.status_code == 422, path
        assert list(response.json()["errors"]) == [field], path


def test_unknown_ids_give_404(api_client, animator, office):
    client = api_client(animator)
    for path in ("questionnaires", "campaigns", "responses"):
        response = client.get(f"{BASE}/{office.slug}/{path}/{2**62}")
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    assert client.get(f"{BASE}/{office.slug}/campaigns/{2**62}/responses").status_code == 404


def test_odd_office_slug_gives_404(api_client, animator):
    response = api_client(animator).get(f"{BASE}/pas%00un-slug/campaigns")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- questionnaire versions --------------------------------------------------------------


def test_versions_are_the_shared_published_ones_and_the_offices_own(
    api_client, animator, office, other_office, version
):
    shared = version.questionnaire
    VersionFactory(questionnaire=shared, status=VersionStatus.DRAFT, published_at=None)
    own = QuestionnaireFactory(office=office, code="diagnostic-adapte", title="Notre diagnostic")
    own_published = VersionFactory(questionnaire=own, number=1, based_on=version)
    own_draft = VersionFactory(
        questionnaire=own, number=2, status=VersionStatus.DRAFT, published_at=None
    )
    VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))

    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/questionnaires"))

    assert [item["id"] for item in data] == [version.pk, own_draft.pk, own_published.pk]
    assert data[1] == {
        "id": own_draft.pk,
        "questionnaire_id": own.pk,
        "questionnaire_code": "diagnostic-adapte",
        "questionnaire_title": "Notre diagnostic",
        "shared": False,
        "number": 2,
        "status": "draft",
        "status_label": "Brouillon",
        "based_on_id": None,
        "created_at": data[1]["created_at"],
        "published_at": None,
    }
    assert (data[0]["shared"], data[0]["status_label"]) == (True, "Publiée")
    assert data[2]["based_on_id"] == version.pk
    assert "definition" not in data[0]


def test_versions_filter_by_status(api_client, animator, office, version):
    own = QuestionnaireFactory(office=office, code="copie")
    draft = VersionFactory(questionnaire=own, status=VersionStatus.DRAFT, published_at=None)
    client = api_client(animator)
    url = f"{BASE}/{office.slug}/questionnaires"
    assert [item["id"] for item in ok(client.get(f"{url}?status=draft"))] == [draft.pk]
    assert [item["id"] for item in ok(client.get(f"{url}?status=published"))] == [version.pk]
    assert len(ok(client.get(f"{url}?status="))) == 2


def test_version_detail_gives_the_definition_as_stored(api_client, animator, office, version):
    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/questionnaires/{version.pk}"))
    assert data["definition"] == version.definition
    assert (data["id"], data["number"], data["shared"]) == (version.pk, version.number, True)
    assert data["notes"] == ""


def test_shared_drafts_and_other_offices_versions_are_hidden(
    api_client, animator, office, other_office, version
):
    shared_draft = VersionFactory(
        questionnaire=version.questionnaire, status=VersionStatus.DRAFT, published_at=None
    )
    theirs = VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))
    client = api_client(animator)
    for hidden in (shared_draft, theirs):
        response = client.get(f"{BASE}/{office.slug}/questionnaires/{hidden.pk}")
        assert response.status_code == 404
    # The shared published version is every office's.
    assert client.get(f"{BASE}/{office.slug}/questionnaires/{version.pk}").status_code == 200


def test_version_list_query_count_does_not_grow(api_client, animator, office, version):
    client = api_client(animator)
    url = f"{BASE}/{office.slug}/questionnaires"
    client.get(url)  # the token's first use records last_used_at: keep it out of the count

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            assert len(ok(client.get(url))) == expected_rows
        return len(queries)

    with_one = count_queries(1)
    own = QuestionnaireFactory(office=office, code="copie")
    VersionFactory(questionnaire=own, based_on=version)
    VersionFactory(questionnaire=own, based_on=version)
    assert count_queries(3) == with_one == 4  # token, rate counter, membership, versions


# --- campaigns ---------------------------------------------------------------------------


def test_campaign_shows_its_fields_and_participation(api_client, animator, office, campaign):
    names = ["invité", "ouvert", "en cours", "terminé", "à envoyer", "révoqué", "révoqué répondu"]
    providers = {name: ProviderFactory(office=office, name=name) for name in names}
    invitations.invite(campaign=campaign)
    now = timezone.now()
    links = Invitation.objects.filter(campaign=campaign)
    links.exclude(provider=providers["à envoyer"]).update(sent_at=now)
    links.filter(provider=providers["ouvert"]).update(opened_at=now)
    links.filter(provider__name__startswith="révoqué").update(revoked_at=now)
    ResponseFactory(campaign=campaign, provider=providers["en cours"])
    ResponseFactory(campaign=campaign, provider=providers["terminé"], completed_at=now)
    ResponseFactory(campaign=campaign, provider=providers["révoqué répondu"], completed_at=now)
    # Answered without an invitation (assisted mode): in the panel too.
    ResponseFactory(campaign=campaign, provider=ProviderFactory(office=office))

    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/campaigns/{campaign.pk}"))

    assert data == {
        "id": campaign.pk,
        "name": "Diagnostic 2026",
        "slug": "diagnostic-2026",
        "status": "open",
        "status_label": "Ouverte",
        "starts_on": "2026-03-01",
        "ends_on": "2026-04-30",
        "version_id": campaign.version_id,
        "version_number": campaign.version.number,
        "questionnaire_title": "Diagnostic de test",
        "created_at": data["created_at"],
        "participation": {
            "targeted": 7,
            "invited": 5,
            "opened": 5,
            "in_progress": 2,
            "completed": 2,
            "rate": 28.6,
        },
    }
    # The same figures as the campaign page.
    overall = followup.participation(campaign).overall
    assert (overall.total, overall.invited, overall.opened) == (7, 5, 5)
    assert (overall.started - overall.completed, overall.completed, overall.rate) == (2, 2, 28.6)


def test_empty_campaign_has_no_rate(api_client, animator, office, campaign):
    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/campaigns/{campaign.pk}"))
    assert data["participation"] == {
        "targeted": 0,
        "invited": 0,
        "opened": 0,
        "in_progress": 0,
        "completed": 0,
        "rate": None,
    }


def test_campaigns_newest_first_filtered_by_status_and_paginated(
    api_client, animator, office, campaign, version
):
    older = CampaignFactory(
        office=office,
        version=version,
        name="Diagnostic 2025",
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 4, 30),
        status=CampaignStatus.CLOSED,
    )
    client = api_client(animator)
    url = f"{BASE}/{office.slug}/campaigns"
    page = ok(client.get(url))
    assert (page["count"], page["limit"], page["offset"]) == (2, 50, 0)
    assert [item["name"] for item in page["items"]] == ["Diagnostic 2026", "Diagnostic 2025"]
    assert [item["id"] for item in ok(client.get(f"{url}?status=closed"))["items"]] == [older.pk]
    assert ok(client.get(f"{url}?status=draft"))["items"] == []
    second = ok(client.get(f"{url}?limit=1&offset=1"))
    assert (second["count"], [item["id"] for item in second["items"]]) == (2, [older.pk])


def test_campaign_list_query_count_does_not_grow(api_client, animator, office, version):
    client = api_client(animator)
    url = f"{BASE}/{office.slug}/campaigns"
    client.get(url)  # the token's first use records last_used_at: keep it out of the count

    def campaign_with_answers(year):
        campaign = CampaignFactory(office=office, version=version, name=f"Diagnostic {year}")
        providers = ProviderFactory.create_batch(2, office=office)
        invitations.invite(campaign=campaign, providers=providers)
        ResponseFactory(campaign=campaign, provider=providers[0], completed_at=timezone.now())

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            page = ok(client.get(url))
        assert len(page["items"]) == expected_rows
        assert all(item["participation"]["targeted"] == 2 for item in page["items"])
        return len(queries)

    campaign_with_answers(2024)
    with_one = count_queries(1)
    campaign_with_answers(2025)
    campaign_with_answers(2026)
    with_three = count_queries(3)

    assert with_one == with_three
    # token, rate counter, membership, count, page (figures are subqueries of the page).
    assert with_three == 5


# --- responses ---------------------------------------------------------------------------


def test_responses_list_shows_scores_per_axis_level_and_recommendations(
    api_client, animator, office, campaign, responses
):
    page = ok(api_client(animator).get(responses_url(office, campaign)))

    assert page["count"] == 3
    assert provider_names(page) == ["Camping des Pins", "Hôtel du Pont", "Le Bistrot"]
    weak = page["items"][1]
    record = responses["weak"]
    for field in ("started_at", "updated_at", "completed_at"):
        assert weak.pop(field)
    assert weak == {
        "id": record.pk,
        "campaign_id": campaign.pk,
        "version_id": campaign.version_id,
        "provider": {"id": record.provider_id, "name": "Hôtel du Pont"},
        "category": "hotel",
        "category_label": "Hôtel",
        "commune": {"insee_code": "30189", "name": "Nîmes"},
        "source": "self",
        "source_label": "Autodiagnostic",
        # Weighted mean of 0 (équipement, ×1), 0 (site web, ×2), 100 (réservation, ×1).
        "overall_score": 25.0,
        "level": {"number": 1, "name": "Débutant"},
        "axes": [
            {"axis": "equipement", "title": "Équipement", "score": 0.0, "counted": 2},
            {"axis": "web", "title": "Site web", "score": 0.0, "counted": 1},
            {"axis": "reservation", "title": "Réservation", "score": 100.0, "counted": 1},
        ],
        "recommendations": ["creer_site", "wifi"],
    }
    assert "answers" not in weak


def test_a_response_in_progress_has_no_scores_yet(
    api_client, animator, office, campaign, responses
):
    page = ok(api_client(animator).get(responses_url(office, campaign)))
    started = page["items"][0]
    assert started["id"] == responses["started"].pk
    assert (started["completed_at"], started["overall_score"], started["level"]) == (
        None,
        None,
        None,
    )
    assert (started["axes"], started["recommendations"]) == ([], [])


def test_texts_follow_the_request_language(api_client, animator, office, campaign, responses):
    client = api_client(animator, HTTP_ACCEPT_LANGUAGE="en")
    page = ok(client.get(responses_url(office, campaign)))
    weak = page["items"][1]
    assert weak["level"] == {"number": 1, "name": "Beginner"}
    assert [axis["title"] for axis in weak["axes"]] == ["Equipment", "Website", "Booking"]
    assert weak["category_label"] == "Hotel"
    detail = ok(client.get(f"{BASE}/{office.slug}/responses/{responses['weak'].pk}"))
    first = detail["fired_recommendations"][0]
    # Untranslated texts fall back to French.
    assert (first["title"], first["advice"]) == (
        "Build your website",
        "Un site simple suffit pour commencer.",
    )
    assert first["themes"] == [{"code": "creer_son_site", "label": "Web basics"}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("completed=true", ["Hôtel du Pont", "Le Bistrot"]),
        ("completed=false", ["Camping des Pins"]),
        ("category=restaurant", ["Le Bistrot"]),
        ("commune=30189", ["Hôtel du Pont"]),
        ("commune=2a004", []),
        ("completed=true&category=camping", []),
        ("completed=&category=&commune=", ["Camping des Pins", "Hôtel du Pont", "Le Bistrot"]),
        ("limit=1&offset=2", ["Le Bistrot"]),
    ],
)
def test_response_filters(api_client, animator, office, campaign, responses, query, expected):
    page = ok(api_client(animator).get(f"{responses_url(office, campaign)}?{query}"))
    assert provider_names(page) == expected


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("campaigns/{campaign}/responses", "complete=true", "complete"),
        ("campaigns/{campaign}/responses", "completed=peut-etre", "completed"),
        ("campaigns/{campaign}/responses", "category=palace", "category"),
        ("campaigns/{campaign}/responses", "commune=Nimes", "commune"),
        ("campaigns/{campaign}/responses", "commune=%00", "commune"),
        ("campaigns/{campaign}/responses", "limit=0", "limit"),
        ("campaigns/{campaign}/responses", f"offset={2**64}", "offset"),
        ("campaigns", "status=ouverte", "status"),
        ("campaigns", "statut=open", "statut"),
        ("campaigns", "limit=201", "limit"),
        ("questionnaires", "status=archived", "status"),
        ("questionnaires", "limit=10", "limit"),
    ],
)
def test_bad_or_unknown_parameters_give_422(
    api_client, animator, office, campaign, path, query, field
):
    url = f"{BASE}/{office.slug}/{path.format(campaign=campaign.pk)}?{query}"
    response = api_client(animator).get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "Les données envoyées ne sont pas valides."
    assert list(body["errors"]) == [field]


def test_unknown_parameters_are_all_named(api_client, animator, office, campaign):
    response = api_client(animator).get(f"{responses_url(office, campaign)}?zone=1&tri=nom")
    assert response.json()["errors"] == {"tri": ["Champ inconnu."], "zone": ["Champ inconnu."]}


def test_response_list_query_count_does_not_grow(api_client, animator, office, campaign):
    client = api_client(animator)
    url = responses_url(office, campaign)
    client.get(url)  # the token's first use records last_used_at: keep it out of the count

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            page = ok(client.get(url))
        assert len(page["items"]) == expected_rows
        assert all(len(item["axes"]) == 3 for item in page["items"])
        assert all(item["recommendations"] for item in page["items"])
        return len(queries)

    completed_response(campaign, ProviderFactory(office=office), WEAK_HOTEL)
    with_one = count_queries(1)
    completed_response(campaign, ProviderFactory(office=office), WEAK_HOTEL)
    completed_response(campaign, ProviderFactory(office=office), WEAK_HOTEL)
    with_three = count_queries(3)

    assert with_one == with_three
    # token, rate counter, membership, campaign with its version, count, page, axis scores,
    # recommendations.
    assert with_three == 8


def test_responses_to_another_version_use_that_versions_texts(
    api_client, animator, office, campaign
):
    # A response keeps the version it answered, even if it is not the campaign's.
    renamed = translated_definition()
    renamed["axes"][0]["title"] = {"fr": "Matériel"}
    older = VersionFactory(questionnaire=campaign.version.questionnaire, definition=renamed)
    completed_response(campaign, ProviderFactory(office=office), WEAK_HOTEL, version=older)
    page = ok(api_client(animator).get(responses_url(office, campaign)))
    [item] = page["items"]
    assert item["version_id"] == older.pk
    assert item["axes"][0]["title"] == "Matériel"


def test_response_detail_adds_answers_and_recommendations_in_full(
    api_client, animator, office, campaign, responses
):
    record = responses["weak"]
    client = api_client(animator)
    detail = ok(client.get(f"{BASE}/{office.slug}/responses/{record.pk}"))
    summary = ok(client.get(f"{responses_url(office, campaign)}?commune=30189"))["items"][0]

    assert detail.pop("answers") == record.answers == WEAK_HOTEL
    fired = detail.pop("fired_recommendations")
    assert detail == summary
    assert fired == [
        {
            "code": "creer_site",
            "priority": 1,
            "title": "Créer votre site",
            "advice": "Un site simple suffit pour commencer.",
            "themes": [{"code": "creer_son_site", "label": "Créer son site"}],
        },
        {
            "code": "wifi",
            "priority": 2,
            "title": "Équiper votre accueil",
            "advice": "Un wifi client distinct.",
            "themes": [{"code": "wifi_client", "label": "Wifi client"}],
        },
    ]


def test_assisted_response_detail(api_client, animator, office, responses):
    record = responses["strong"]
    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/responses/{record.pk}"))
    assert (data["source"], data["source_label"]) == ("assisted", "Avec l'animateur")
    assert (data["overall_score"], data["level"]) == (100.0, {"number": 3, "name": "Avancé"})
    # The booking section does not apply to a restaurant: no score for it.
    assert [(axis["axis"], axis["score"]) for axis in data["axes"]] == [
        ("equipement", 100.0),
        ("web", 100.0),
        ("reservation", None),
    ]
    assert (data["recommendations"], data["fired_recommendations"]) == ([], [])
    assert data["answers"] == STRONG_RESTAURANT


def test_rows_left_by_an_older_version_do_not_break_the_response(
    api_client, animator, office, responses
):
    # An axis or a rule the version no longer names shows its code rather than failing.
    record = responses["weak"]
    AxisScore.objects.create(response=record, axis="ancien_axe", score=50, counted=1)
    record.recommendations.create(code="ancienne_regle", priority=5, themes=["vieux_theme"])
    data = ok(api_client(animator).get(f"{BASE}/{office.slug}/responses/{record.pk}"))
    assert data["axes"][-1] == {
        "axis": "ancien_axe",
        "title": "ancien_axe",
        "score": 50.0,
        "counted": 1,
    }
    assert data["fired_recommendations"][-1] == {
        "code": "ancienne_regle",
        "priority": 5,
        "title": "ancienne_regle",
        "advice": "",
        "themes": [{"code": "vieux_theme", "label": "Vieux theme"}],
    }
