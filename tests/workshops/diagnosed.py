"""Test data of the W1 tests (catalogue, needs, programme builder): a campaign on the shipped
questionnaire, and completed diagnostics scored by the real answering service."""

import datetime as dt

from django.utils import timezone

from balise.diagnostics import answering, versions
from balise.diagnostics.models import Campaign, CampaignStatus, Response

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
    response = Response.objects.create(
        office=campaign.office,
        campaign=campaign,
        provider=provider,
        version=campaign.version,
        answers=answers,
    )
    if complete:
        response = answering.complete(response=response)
    return response
