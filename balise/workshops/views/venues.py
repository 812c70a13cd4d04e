"""Staff pages of the rooms and of the candidate slots the programme is planned in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access
from balise.workshops.forms.venues import CandidateSlotForm, VenueForm
from balise.workshops.models import CandidateSlot, Venue

PAGE_SIZE = 50


@login_required
def venue_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    venues = Venue.objects.filter(office=access.office).annotate(
        slot_count=Count(
            "candidateslot", filter=Q(candidateslot__starts_at__gte=timezone.now()), distinct=True
        )
    )
    return render(request, "workshops/venue_list.html", {"venues": venues})


def _venue_form(request: HttpRequest, office_slug: str, venue_id: int | None) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    venue = get_for_office(access, Venue, pk=venue_id) if venue_id else None
    data = request.POST if request.method == "POST" else None
    form = VenueForm(data, instance=venue, office=access.office)
    if data is not None and form.is_valid():
        saved = form.save()
        messages.success(request, _("Lieu « %(name)s » enregistré.") % {"name": saved.name})
        return redirect("workshops:venue_list", access.office.slug)
    return render(request, "workshops/venue_form.html", {"form": form, "venue": venue})


@login_required
def venue_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    return _venue_form(request, office_slug, None)


@login_required
def venue_edit(request: HttpRequest, office_slug: str, venue_id: int) -> HttpResponse:
    return _venue_form(request, office_slug, venue_id)


@login_required
@require_POST
def venue_delete(request: HttpRequest, office_slug: str, venue_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    venue = get_for_office(access, Venue, pk=venue_id)
    # Its candidate slots go with it; sessions held there keep their date, without a place.
    venue.delete()
    messages.success(request, _("Lieu « %(name)s » supprimé.") % {"name": venue.name})
    return redirect("workshops:venue_list", access.office.slug)


@login_required
def slot_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    slots = (
        CandidateSlot.objects.filter(office=access.office, starts_at__gte=timezone.now())
        .select_related("venue")
        .order_by("starts_at", "pk")
    )
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "workshops/slot_list.html", {"page_obj": page, "slots": page.object_list}
    )


@login_required
def slot_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    data = request.POST if request.method == "POST" else None
    form = CandidateSlotForm(data, office=access.office)
    if data is not None and form.is_valid():
        slot = form.save()
        messages.success(
            request,
            _("Créneau du %(when)s ajouté.")
            % {"when": timezone.localtime(slot.starts_at).strftime("%d/%m/%Y %H:%M")},
        )
        if "again" in data:
            return redirect("workshops:slot_create", access.office.slug)
        return redirect("workshops:slot_list", access.office.slug)
    has_venues = Venue.objects.filter(office=access.office).exists()
    return render(request, "workshops/slot_form.html", {"form": form, "has_venues": has_venues})


@login_required
@require_POST
def slot_delete(request: HttpRequest, office_slug: str, slot_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    get_for_office(access, CandidateSlot, pk=slot_id).delete()
    messages.success(request, _("Créneau supprimé."))
    return redirect("workshops:slot_list", access.office.slug)
