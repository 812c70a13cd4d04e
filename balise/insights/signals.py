"""Keep the study's cache warm: a completed diagnostic queues a rebuild of its campaign's
default study, at most once per ``REFRESH_DEBOUNCE`` seconds per campaign (a campaign
where 40 providers answer in an hour needs a handful of rebuilds, not 40)."""

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .tasks import refresh_study

REFRESH_DEBOUNCE = 60


def schedule_refresh(sender, *, response, **kwargs) -> None:
    """Queue :func:`refresh_study` for the response's campaign, unless one is queued for
    the current window. Backends that can defer run it at the end of the window, so it
    sees every answer of the window; the others run it now."""
    if not getattr(settings, "BALISE_STUDY_PREWARM", True):
        return
    # cache.add is atomic: only the first completion of the window queues the job.
    if not cache.add(f"balise:study:refresh:{response.campaign_id}", 1, REFRESH_DEBOUNCE):
        return
    task = refresh_study
    if task.get_backend().supports_defer:
        later = timezone.now() + dt.timedelta(seconds=REFRESH_DEBOUNCE)
        task = task.using(run_after=later)
    task.enqueue(response.campaign_id)
