from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from balise.lib.access import office_access

from . import services
from .forms import JournalFilterForm


@login_required
def journal(request: HttpRequest, office_slug: str) -> HttpResponse:
    """The office's audit trail, for its administrators only."""
    access = office_access(request, office_slug, need="admin")
    filters = JournalFilterForm(request.GET or None, office=access.office)
    entries = services.journal(access.office, **filters.values())
    page = Paginator(entries, services.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page_obj": page,
        "rows": services.rows(access.office, list(page.object_list)),
    }
    # HTMX filtering swaps only the results; the page works the same without JavaScript.
    template = "trail/_entries.html" if request.headers.get("HX-Request") else "trail/journal.html"
    return render(request, template, context)
