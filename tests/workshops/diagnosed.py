"""A campaign on the shipped questionnaire and diagnosed providers (scored by the real
answering service), for the tests of needs and programmes."""

import datetime as dt

from django.utils import timezone

from balise.diagnostics import versions
from balise.diagnostics.models import Campaign, CampaignStatus, Response

from ..diagnostics.factories import ResponseFactory, completed_response
from ..factories import ProviderFactory


def default_campaign(office, *, slug="diagnostic-2026", starts_on=None) -> Campaign:
    starts_on = starts_on or timezone.localdate() - dt.timedelta(days=60)
    return Campaign.objects.create(
        office=office,
        name=f"Diagnostic {slug}",
        slug=slug,
        version=versions.ensure_default_version(),
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=90),
        status=CampaignStatus.OPEN,
    )


def diagnosed(campaign, answers: dict, *, complete=True, **provider_fields) -> Response:
    """A provider of the campaign's office with a diagnostic holding ``answers``; completed
    (scored, with answer and recommendation rows) unless ``complete`` is False."""
    provider = ProviderFactory(office=campaign.office, **provider_fields)
    if complete:
        return completed_response(campaign, provider, answers)
    return ResponseFactory(campaign=campaign, provider=provider, answers=answers)
