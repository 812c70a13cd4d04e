"""The network page: offices side by side on the shared core, coordinators only."""

import copy

import pytest
from django.db import connection
from django.urls import reverse

from balise.diagnostics.models import QuestionnaireVersion
from balise.insights.network import build_network_study
from balise.insights.study import build_study
from balise.insights.tables import MASKED
from balise.offices.models import NetworkCoordinator
from tests.diagnostics.factories import InvitationFactory
from tests.factories import NetworkFactory, OfficeFactory, ProviderFactory, UserFactory

from .respondents import make_campaign, respondents

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(office, other_office):
    network = NetworkFactory(slug="reseau-sud", name="Réseau Sud")
    for member in (office, other_office):
        member.network = network
        member.save()
    return network


@pytest.fixture
def coordinator(network):
    user = UserFactory(email="coordination@reseau.example")
    NetworkCoordinator.objects.create(user=user, network=network)
    return user


@pytest.fixture
def campaigns(network, office, other_office):
    ours = make_campaign(office, name="Haut-Vallon 2026")
    respondents(ours, 6, score=60.0, answers={"web.site_dedie": "oui"})
    theirs = make_campaign(other_office, name="Autre-Rive 2026")
    respondents(theirs, 3, score=20.0)
    older = make_campaign(other_office, year=2025, name="Autre-Rive 2025")
    respondents(older, 5, score=30.0, answers={"web.site_dedie": "non"})
    return ours, theirs, older


def test_offices_side_by_side_with_small_offices_masked(network, campaigns):
    study = build_network_study(network)
    rows = {row[0]: row for row in study.table("network_participation").rows}
    ours = "Office de tourisme du Haut-Vallon — Haut-Vallon 2026"
    theirs = "Office de tourisme de l'Autre-Rive — Autre-Rive 2026"
    assert rows[ours][1:4] == [6, 6, pytest.approx(100.0)]
    assert rows[ours][4] == pytest.approx(60.0)
    assert rows[theirs][1:] == [MASKED] * 4  # 3 responses only
    axes = {row[0]: row for row in study.table("network_axes").rows}
    assert axes[ours][1] == pytest.approx(60.0)
    assert all(value is MASKED for value in axes[theirs][1:])
    indicators = {row["label"]: row for row in study.table("network_indicators").as_dicts()}
    assert indicators[ours]["site"] == pytest.approx(100.0)
    assert indicators[theirs]["site"] is None
    assert study.table("network_axes").masked_groups == 1


def test_an_office_shows_on_the_network_page_the_figures_of_its_own_study(network, office):
    campaign = make_campaign(office, name="Haut-Vallon 2026")
    respondents(campaign, 3, answers={"social.reseaux": ["facebook"], "web.site_dedie": "oui"})
    respondents(campaign, 1, answers={"social.reseaux": ["aucun"], "web.site_dedie": "nsp"})
    # Stored without any option ticked (no answer row): still a respondent to the question.
    respondents(campaign, 2, answers={"social.reseaux": [], "web.site_dedie": "non"})
    InvitationFactory(campaign=campaign, provider=ProviderFactory(office=office))
    own = build_study(campaign)
    mine = build_network_study(network).table("network_participation").as_dicts()[0]
    assert (mine["invited"], mine["completed"]) == (own.invited, own.completed) == (7, 6)
    indicators = build_network_study(network).table("network_indicators").as_dicts()[0]
    declared = {row["label"]: row["declared"] for row in own.table("indicators").as_dicts()}
    assert indicators["site"] == pytest.approx(declared["Site internet à soi"])
    assert indicators["social"] == pytest.approx(declared["Présence sur les réseaux sociaux"])


def test_a_year_picks_that_years_campaigns(network, campaigns):
    study = build_network_study(network, year=2025)
    rows = study.table("network_participation").as_dicts()
    assert [row["label"] for row in rows] == [
        "Office de tourisme de l'Autre-Rive — Autre-Rive 2025"
    ]
    assert rows[0]["score"] == pytest.approx(30.0)
    indicators = study.table("network_indicators").as_dicts()
    assert indicators[0]["site"] == pytest.approx(0.0)


def test_only_codes_shared_by_every_campaign_are_compared(network, campaigns, office):
    ours = campaigns[0]
    version: QuestionnaireVersion = ours.version
    # A questionnaire of our own without the "site_web" axis: dropped from the comparison.
    custom = QuestionnaireVersion.objects.create(
        questionnaire=version.questionnaire,
        number=99,
        definition=_without_axis(version.definition, "site_web"),
        status="published",
    )
    ours.version = custom
    ours.save()
    study = build_network_study(network)
    codes = [column.key for column in study.table("network_axes").columns]
    assert "site_web" not in codes and "equipement" in codes


def _without_axis(definition: dict, axis: str) -> dict:
    data = copy.deepcopy(definition)
    data["axes"] = [a for a in data["axes"] if a["code"] != axis]
    for section in data["sections"]:
        for question in section["questions"]:
            if question.get("axis") == axis:
                question["axis"] = None
                for option in question.get("options", []):
                    option["points"] = 0
    return data


def test_coordinator_sees_the_page(client_for, network, coordinator, campaigns):
    response = client_for(coordinator).get(reverse("network:home", args=[network.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Haut-Vallon 2026" in page and "Réseau Sud" in page
    assert "<caption" in page
    by_year = client_for(coordinator).get(
        reverse("network:home", args=[network.slug]) + "?annee=2025"
    )
    assert "Haut-Vallon 2026" not in by_year.content.decode()
    assert (
        client_for(coordinator)
        .get(reverse("network:home", args=[network.slug]) + "?annee=1900x")
        .status_code
        == 200
    )


def test_office_staff_anonymous_and_other_coordinators_get_404(
    client, client_for, network, admin_user, campaigns
):
    url = reverse("network:home", args=[network.slug])
    assert client_for(admin_user).get(url).status_code == 404
    other = NetworkFactory(slug="reseau-nord")
    stranger = UserFactory(email="nord@reseau.example")
    NetworkCoordinator.objects.create(user=stranger, network=other)
    assert client_for(stranger).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 404)


def test_network_page_queries_are_constant(
    client_for, network, coordinator, campaigns, django_assert_num_queries
):
    client = client_for(coordinator)
    url = reverse("network:home", args=[network.slug])
    # On PostgreSQL: a savepoint with "SET LOCAL jit = off" (aggregates.analytic_reads).
    # One of them lists the coordinator's own offices in the navigation.
    queries = 11 + (3 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(queries):
        client.get(url)
    third = OfficeFactory(slug="troisieme", name="Troisième office", network=network)
    respondents(make_campaign(third, name="Troisième 2026"), 5)
    with django_assert_num_queries(queries):
        client.get(url)


def test_coordinator_finds_the_navigation_and_the_exports(
    client_for, network, coordinator, campaigns
):
    page = client_for(coordinator).get(reverse("network:home", args=[network.slug]) + "?annee=2025")
    html = page.content.decode()
    assert 'aria-label="Navigation principale"' in html
    assert reverse("network:export_xlsx", args=[network.slug]) + "?annee=2025" in html
    assert reverse("network:export_csv", args=[network.slug]) + "?annee=2025" in html


def test_the_comparison_downloads_as_a_spreadsheet_of_aggregates(
    client_for, network, coordinator, campaigns
):
    from io import BytesIO

    from openpyxl import load_workbook

    client = client_for(coordinator)
    response = client.get(reverse("network:export_xlsx", args=[network.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="reseau-reseau-sud-dernieres-campagnes.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(BytesIO(response.content))
    study = build_network_study(network)
    # A summary, then the page's tables; never the answers of a provider.
    assert len(workbook.sheetnames) == 1 + len(study.tables)
    participation = workbook.worksheets[1]
    rows = {row[0]: row for row in participation.iter_rows(min_row=3, values_only=True)}
    ours = rows["Office de tourisme du Haut-Vallon — Haut-Vallon 2026"]
    assert ours[1:3] == (6, 6)
    theirs = rows["Office de tourisme de l'Autre-Rive — Autre-Rive 2026"]
    assert theirs[1] == "masqué (< 5)"  # 3 responses: masked, as on the page

    csv = client.get(reverse("network:export_csv", args=[network.slug]) + "?annee=2025")
    assert csv["Content-Disposition"] == 'attachment; filename="reseau-reseau-sud-2025.csv"'
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Autre-Rive 2025" in text and "Haut-Vallon 2026" not in text
