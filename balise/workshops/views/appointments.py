"""The animator's page of individual appointments: open slots, delete a free one, mark who
came, cancel a booking (the person is told)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access
from balise.workshops import appointments, sessions
from balise.workshops.forms.appointments import AppointmentSlotForm
from balise.workshops.models import Appointment, AppointmentSlot, AppointmentStatus

PAGE_SIZE = 25


@login_required
def appointment_slots(request: HttpRequest, office_slug: str) -> HttpResponse:
    """Future slots with their booking, the form to add slots (POST), recent bookings."""
    need = "edit" if request.method == "POST" else "read"
    access = office_access(request, office_slug, need=need)
    form = AppointmentSlotForm(request.POST or None, initial={"count": 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = appointments.create_appointment_slots(
            office=access.office,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            count=data["count"],
            place=data["place"],
            video_url=data["video_url"],
            animator=request.user,
        )
        messages.success(
            request,
            ngettext("%(count)s créneau ajouté.", "%(count)s créneaux ajoutés.", len(created))
            % {"count": len(created)},
        )
        return redirect("workshops:appointment_slots", access.office.slug)
    page = Paginator(appointments.upcoming_slots(access.office), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page_obj": page,
        "slots": page.object_list,
        "recent": appointments.recent_appointments(access.office),
    }
    return render(
        request, "workshops/appointment_slots.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def appointment_slot_delete(
    request: HttpRequest, office_slug: str, appointment_slot_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    slot = get_for_office(access, AppointmentSlot, pk=appointment_slot_id)
    if appointments.delete_free_slot(slot=slot):
        messages.success(request, _("Créneau supprimé."))
    else:
        messages.error(request, _("Ce créneau est réservé : annulez d'abord le rendez-vous."))
    return redirect("workshops:appointment_slots", access.office.slug)


@login_required
@require_POST
def appointment_attended(
    request: HttpRequest, office_slug: str, appointment_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    appointment = get_for_office(
        access, Appointment.objects.filter(status=AppointmentStatus.BOOKED), pk=appointment_id
    )
    appointments.set_appointment_attended(
        appointment=appointment, attended=sessions.parse_attended(request.POST.get("attended"))
    )
    messages.success(request, _("Présence enregistrée."))
    return redirect("workshops:appointment_slots", access.office.slug)


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, office_slug: str, appointment_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    appointment = get_for_office(access, Appointment, pk=appointment_id)
    appointments.cancel_appointment(appointment=appointment, by_staff=True, user=request.user)
    messages.success(
        request,
        _("Rendez-vous de %(name)s annulé : le créneau est de nouveau libre.")
        % {"name": appointment.name},
    )
    return redirect("workshops:appointment_slots", access.office.slug)
