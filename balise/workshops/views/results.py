"""What came of the workshops: a provider's journey (diagnostics, audits, sessions,
appointments, advice) and the progress measured between two campaigns."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from balise.lib.access import get_for_office, office_access
from balise.members.models import Provider
from balise.workshops import journey as journeys
from balise.workshops import progress as progresses


@login_required
def journey(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    provider = get_for_office(access, Provider.objects.select_related("office"), pk=provider_id)
    return render(request, "workshops/journey.html", {"journey": journeys.build_journey(provider)})


@login_required
def progress(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    campaigns = list(progresses.campaigns_with_results(access.office).select_related("version"))
    by_id = {str(campaign.pk): campaign for campaign in campaigns}
    before = by_id.get(request.GET.get("avant", ""))
    after = by_id.get(request.GET.get("apres", ""))
    if before is None or after is None or before == after:
        before, after = (campaigns[1], campaigns[0]) if len(campaigns) >= 2 else (None, None)
    results = []
    if before is not None and after is not None:
        results = progresses.theme_progress(office=access.office, before=before, after=after)
    context = {
        "campaigns": campaigns,
        "before": before,
        "after": after,
        "results": results,
        "min_group": progresses.MIN_GROUP,
    }
    return render(request, "workshops/progress.html", context)
