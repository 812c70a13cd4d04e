"""Campaigns on the shipped questionnaire and their respondents, for the study's tests.

Responses carry the score rows as given (``completed_response(scores=…)``), so a test
says what each axis scored without working it out from the questionnaire's points.
"""

import datetime as dt

from balise.diagnostics import versions
from balise.diagnostics.definition import load_default, load_definition
from balise.members.models import Category
from tests.diagnostics.factories import CampaignFactory, InvitationFactory, completed_response
from tests.factories import CommuneFactory, ProviderFactory

# The scored axes of the shipped questionnaire, the one make_campaign runs.
AXES = [axis.code for axis in load_definition(load_default()).axes]


def make_campaign(office, *, year=2026, **fields):
    return CampaignFactory(
        office=office,
        version=versions.ensure_default_version(),
        starts_on=dt.date(year, 3, 1),
        ends_on=dt.date(year, 6, 30),
        **fields,
    )


def respondent(campaign, provider, *, score=50.0, axes=None, answers=None):
    """``provider``'s completed response: every axis at ``score`` unless ``axes`` says."""
    return completed_response(
        campaign, provider, answers, scores=axes or dict.fromkeys(AXES, score), overall=score
    )


def respondents(campaign, count, *, commune=None, category=Category.HOTEL, invite=True, **kw):
    """``count`` providers of the campaign's office who completed the campaign."""
    commune = commune or CommuneFactory()
    made = []
    for _index in range(count):
        provider = ProviderFactory(office=campaign.office, commune=commune, category=category)
        if invite:
            InvitationFactory(campaign=campaign, provider=provider)
        made.append(respondent(campaign, provider, **kw))
    return made
