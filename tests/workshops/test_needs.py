"""Needs per theme and per provider, read from a small hand-made campaign scored by the
real answering service."""

import pytest

from balise.members.models import Category
from balise.workshops import catalogue, needs

from ..factories import CommuneFactory
from .diagnosed import default_campaign, diagnosed


@pytest.fixture
def campaign(office):
    catalogue.ensure_catalogue(office)
    campaign = default_campaign(office)
    vallon = CommuneFactory(name="Vallon")
    # Asked for Google and has the gap (no profile): weight 1.5 on google_business.
    diagnosed(
        campaign,
        {
            "visi.google_business": "aucune",
            "besoins.themes": ["google_business", "canva"],
            "besoins.mois": ["m11", "m01"],
            "besoins.moments": ["matin"],
            "besoins.formats": ["atelier"],
        },
        category=Category.CAMPSITE,
        commune=vallon,
    )
    # Gap only (an incomplete profile).
    diagnosed(
        campaign,
        {"visi.google_business": "incomplete", "besoins.mois": ["m11"]},
        category=Category.RESTAURANT,
        commune=vallon,
    )
    # Asked only, for canva: a complete Google profile shows no gap.
    diagnosed(
        campaign,
        {"visi.google_business": "complete", "besoins.themes": ["canva"]},
        category=Category.SHOP,
    )
    # Not completed, not counted; nor is an archived provider.
    diagnosed(campaign, {"besoins.themes": ["google_business"]}, complete=False)
    archived = diagnosed(campaign, {"besoins.themes": ["google_business"]})
    archived.provider.archive()
    return campaign


def _by_code(rows):
    return {row.theme.code: row for row in rows}


def test_theme_needs_counts_asked_gap_and_union(office, campaign):
    rows = _by_code(needs.theme_needs(office=office, campaign=campaign))
    google = rows["google_business"]
    assert (google.asked, google.gap, google.total) == (1, 2, 2)
    assert google.by_group == [("hebergement", 1), ("restauration", 1)]
    assert google.by_commune == [("Vallon", 2)]
    assert google.months == [(11, 2), (1, 1)]
    assert google.moments == [("matin", 1)]
    assert google.formats == [("atelier", 1)]
    canva = rows["canva"]
    assert (canva.asked, canva.gap, canva.total) == (2, 0, 2)
    assert rows["newsletter"].total == 0


def test_theme_needs_are_sorted_by_total(office, campaign):
    totals = [row.total for row in needs.theme_needs(office=office, campaign=campaign)]
    assert totals == sorted(totals, reverse=True)


def test_provider_needs_weigh_asked_and_gap(office, campaign):
    found = {
        need.category_group: need for need in needs.provider_needs(office=office, campaign=campaign)
    }
    assert set(found) == {"hebergement", "restauration", "commerce"}
    camping = found["hebergement"]
    assert camping.needs["google_business"] == 1.5
    assert camping.needs["canva"] == 1.0
    assert camping.asked == {"google_business", "canva"}
    assert camping.months == {11, 1} and camping.moments == {"matin"}
    assert found["restauration"].needs == {"google_business": 0.8}
    assert found["commerce"].needs == {"canva": 1.0}


def test_provider_needs_leave_out_inactive_themes(office, campaign):
    office.workshop_themes.filter(code="canva").update(active=False)
    found = needs.provider_needs(office=office, campaign=campaign)
    assert all("canva" not in need.needs for need in found)
    assert len(found) == 2  # the shop only wanted canva


def test_needs_cost_a_constant_number_of_queries(office, campaign, django_assert_num_queries):
    themes = list(office.workshop_themes.all())
    with django_assert_num_queries(3):
        needs.theme_needs(office=office, campaign=campaign, themes=themes)


def test_latest_campaign_is_the_most_recent_with_a_completed_response(office, campaign):
    assert needs.latest_campaign(office) == campaign
    newer = default_campaign(
        office,
        slug="diagnostic-2027",
        starts_on=campaign.starts_on.replace(year=campaign.starts_on.year + 1),
    )
    assert needs.latest_campaign(office) == campaign
    diagnosed(newer, {"besoins.themes": ["avis"]})
    assert needs.latest_campaign(office) == newer


def test_another_office_campaign_is_refused(other_office, campaign):
    with pytest.raises(ValueError):
        needs.theme_needs(office=other_office, campaign=campaign)
