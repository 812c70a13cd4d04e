"""Measured progress: attendees against the others, on a hand-made two-campaign set."""

import pytest
from django.urls import reverse

from balise.insights.tables import MASKED
from balise.workshops.models import SessionStatus
from balise.workshops.progress import default_campaigns, theme_progress

from ..diagnostics.factories import CampaignFactory, VersionFactory, completed_response
from ..factories import ProviderFactory
from .factories import RegistrationFactory, SessionFactory, ThemeFactory, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return VersionFactory()


@pytest.fixture
def campaigns(office, version):
    before = CampaignFactory(
        office=office,
        version=version,
        name="Diagnostic 2025",
        starts_on=days_ago(320).date(),
        ends_on=days_ago(290).date(),
    )
    after = CampaignFactory(
        office=office,
        version=version,
        name="Diagnostic 2026",
        starts_on=days_ago(20).date(),
        ends_on=days_ago(1).date(),
    )
    return before, after


@pytest.fixture
def theme(office):
    return ThemeFactory(
        office=office, code="creer_son_site", title="Créer son site", axes=["web", "equipement"]
    )


def provider_with(
    office,
    campaigns,
    *,
    web_before,
    web_after,
    attended_at=None,
    theme=None,
    attended=True,
    equipement=None,
):
    """A provider who answered both campaigns, and optionally came to a session."""
    before, after = campaigns
    provider = ProviderFactory(office=office)
    scores_before = {"web": web_before}
    scores_after = {"web": web_after}
    if equipement is not None:
        scores_before["equipement"], scores_after["equipement"] = equipement
    completed_response(
        campaign=before, provider=provider, completed_at=days_ago(300), scores=scores_before
    )
    completed_response(
        campaign=after, provider=provider, completed_at=days_ago(10), scores=scores_after
    )
    if attended_at is not None:
        session = SessionFactory(
            office=office,
            theme=theme,
            starts_at=days_ago(attended_at),
            ends_at=days_ago(attended_at, 12),
        )
        RegistrationFactory(session=session, provider=provider, attended=attended)
    return provider


def build_set(office, campaigns, theme, *, attendees=5):
    # Attendees: web 30 → 50 (+20); equipement 50 → 56 (+6).
    for _ in range(attendees):
        provider_with(
            office,
            campaigns,
            web_before=30,
            web_after=50,
            attended_at=150,
            theme=theme,
            equipement=(50, 56),
        )
    # Others: web 40 → 43 (+3), among them someone registered but absent and someone who
    # came only after their second diagnostic.
    for _ in range(4):
        provider_with(office, campaigns, web_before=40, web_after=43, equipement=(50, 52))
    provider_with(
        office,
        campaigns,
        web_before=40,
        web_after=43,
        attended_at=150,
        theme=theme,
        attended=False,
        equipement=(50, 52),
    )
    provider_with(
        office,
        campaigns,
        web_before=40,
        web_after=43,
        attended_at=5,
        theme=theme,
        equipement=(50, 52),
    )
    # Counted nowhere: answered only the second campaign; another office's provider.
    only_after = ProviderFactory(office=office)
    completed_response(campaign=campaigns[1], provider=only_after, scores={"web": 99})


def test_attendees_progress_against_the_others(office, other_office, campaigns, theme):
    build_set(office, campaigns, theme)
    before, after = campaigns
    results = theme_progress(office=office, before=before, after=after)
    assert len(results) == 1
    result = results[0]
    assert result.theme == theme
    assert result.sessions_held == 7  # one session per attendance above
    web, equipement = result.axes
    assert (web.axis, web.title) == ("web", "Site web")
    assert (web.attendees.count, web.attendees.change) == (5, 20.0)
    assert (web.others.count, web.others.change) == (6, 3.0)
    assert web.difference == 17.0
    assert (equipement.attendees.change, equipement.others.change) == (6.0, 2.0)
    assert not result.masked
    assert result.sentences[0] == (
        "Les participants à « Créer son site » ont progressé de 20 points sur l'axe Site web, "
        "contre 3 points pour les autres."
    )


def test_groups_under_five_are_masked(office, campaigns, theme):
    build_set(office, campaigns, theme, attendees=4)
    result = theme_progress(office=office, before=campaigns[0], after=campaigns[1])[0]
    web = result.axes[0]
    assert web.attendees.count == 4
    assert web.attendees.change is MASKED
    assert web.others.change == 3.0
    assert web.difference is MASKED
    assert result.masked
    assert result.sentences == []


def test_themes_without_held_sessions_or_axes_are_left_out(office, campaigns, theme):
    build_set(office, campaigns, theme)
    no_axes = ThemeFactory(office=office, code="sans_axe", axes=[])
    SessionFactory(office=office, theme=no_axes, starts_at=days_ago(100), ends_at=days_ago(100, 12))
    cancelled = ThemeFactory(office=office, code="annule", axes=["web"])
    SessionFactory(
        office=office,
        theme=cancelled,
        starts_at=days_ago(100),
        ends_at=days_ago(100, 12),
        status=SessionStatus.CANCELLED,
    )
    upcoming = ThemeFactory(office=office, code="futur", axes=["web"])
    SessionFactory(office=office, theme=upcoming)
    results = theme_progress(office=office, before=campaigns[0], after=campaigns[1])
    assert [r.theme for r in results] == [theme]


def test_refuses_another_offices_campaign(office, other_office, campaigns):
    foreign = CampaignFactory(office=other_office)
    with pytest.raises(ValueError):
        theme_progress(office=office, before=foreign, after=campaigns[1])


def test_default_campaigns_are_the_two_latest_with_results(office, campaigns, theme):
    assert default_campaigns(office) == (None, None)
    build_set(office, campaigns, theme)
    CampaignFactory(office=office, name="Sans réponse", starts_on=days_ago(0).date())
    assert default_campaigns(office) == campaigns


def test_progress_page(client_for, reader, office, campaigns, theme):
    build_set(office, campaigns, theme)
    response = client_for(reader).get(reverse("workshops:progress", args=[office.slug]))
    assert response.status_code == 200
    assert (response.context["before"], response.context["after"]) == campaigns
    html = response.content.decode().replace("&#x27;", "'")
    assert "ont progressé de 20 points sur l'axe Site web, contre 3 points" in html
    assert "<caption>" in html


def test_progress_page_masks_small_groups(client_for, reader, office, campaigns, theme):
    build_set(office, campaigns, theme, attendees=2)
    html = (
        client_for(reader).get(reverse("workshops:progress", args=[office.slug])).content.decode()
    )
    assert "moins de 5 prestataires dans le groupe" in html
    assert "ont progressé" not in html


def test_progress_page_ignores_foreign_or_bad_campaign_ids(
    client_for, reader, office, other_office, campaigns, theme
):
    build_set(office, campaigns, theme)
    foreign = CampaignFactory(office=other_office)
    client = client_for(reader)
    for params in ({"avant": foreign.pk, "apres": campaigns[1].pk}, {"avant": "x", "apres": ""}):
        response = client.get(reverse("workshops:progress", args=[office.slug]), params)
        assert response.status_code == 200
        assert (response.context["before"], response.context["after"]) == campaigns


def test_progress_page_with_one_campaign(client_for, reader, office):
    response = client_for(reader).get(reverse("workshops:progress", args=[office.slug]))
    assert "Il faut deux campagnes" in response.content.decode()
