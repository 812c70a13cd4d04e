"""A study compares with another campaign of the same office, whoever names it."""

import pytest

from balise.insights.comparison import compared_campaign, previous_campaign

from .respondents import make_campaign

pytestmark = pytest.mark.django_db


def test_only_another_campaign_of_the_same_office_is_compared(office, other_office):
    campaign = make_campaign(office, slug="diag-2026")
    earlier = make_campaign(office, year=2025, slug="diag-2025")
    theirs = make_campaign(other_office, year=2025, slug="leur-diag")
    assert compared_campaign(campaign, pk=earlier.pk) == earlier
    assert compared_campaign(campaign, slug="diag-2025") == earlier
    assert compared_campaign(campaign, pk=campaign.pk) is None
    assert compared_campaign(campaign, slug="diag-2026") is None
    assert compared_campaign(campaign, pk=theirs.pk) is None
    assert compared_campaign(campaign, slug="leur-diag") is None
    assert compared_campaign(campaign) is None
    # Among campaigns already read, whatever they hold, the same rule and no query.
    assert compared_campaign(campaign, pk=theirs.pk, campaigns=[earlier, theirs]) is None


def test_the_previous_campaign_is_the_latest_started_before(office, other_office):
    make_campaign(office, year=2024)
    previous = make_campaign(office, year=2025)
    campaign = make_campaign(office)
    make_campaign(other_office, year=2025, slug="autre")
    assert previous_campaign(campaign) == previous
    assert previous_campaign(make_campaign(office, year=2020, slug="premiere")) is None
