"""Background jobs of the territory study (Tasks API): thin, they take ids."""

from django.conf import settings
from django.utils import translation
from django_tasks import task

from balise.diagnostics.models import Campaign

from .comparison import previous_campaign
from .study import build_study


@task()
def refresh_study(campaign_id: int) -> None:
    """Build the campaign's default study (no filters), and its comparison with the
    previous campaign, in every language of the installation, so that the dashboard opens
    from the cache after answers change. A study already cached for the current data is
    not rebuilt."""
    campaign = Campaign.objects.select_related("version", "office").filter(pk=campaign_id).first()
    if campaign is None:
        return
    previous = previous_campaign(campaign)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            build_study(campaign)
            if previous is not None:
                build_study(campaign, compare=previous)
