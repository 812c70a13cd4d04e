"""The animator's appointment slots: list, create (one or a series), delete, attended,
cancel a booking."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from balise.workshops.models import Appointment, AppointmentSlot, AppointmentStatus

from .factories import AppointmentFactory, AppointmentSlotFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def url(name, office, *args):
    return reverse(f"workshops:{name}", args=[office.slug, *args])


def slot_data(**changes):
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "day": day.isoformat(),
        "start": "14:00",
        "end": "15:00",
        "count": "1",
        "place": "Office de tourisme",
        "video_url": "",
    }
    data.update(changes)
    return data


def test_list_shows_future_slots_with_bookings(client_for, reader, office, other_office):
    theme = ThemeFactory(office=office)
    booked = AppointmentSlotFactory(office=office)
    AppointmentFactory(slot=booked, name="Jeanne Gîte", theme=theme)
    free = AppointmentSlotFactory(office=office)
    cancelled = AppointmentSlotFactory(office=office)
    AppointmentFactory(slot=cancelled, name="Annulé", status=AppointmentStatus.CANCELLED)
    past = timezone.now() - datetime.timedelta(days=3)
    AppointmentSlotFactory(
        office=office, starts_at=past, ends_at=past + datetime.timedelta(hours=1)
    )
    AppointmentSlotFactory(office=other_office)
    response = client_for(reader).get(url("appointment_slots", office))
    assert response.status_code == 200
    slots = list(response.context["slots"])
    assert slots == [booked, free, cancelled]
    assert [b.name for b in slots[0].live_bookings] == ["Jeanne Gîte"]
    assert slots[2].live_bookings == []
    html = response.content.decode()
    assert "Jeanne Gîte" in html and "Ma fiche Google" in html
    assert "Annulé" not in html
    assert "Supprimer" not in html  # the reader has no buttons


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_is_constant(client_for, reader, office, count, django_assert_num_queries):
    for _ in range(count):
        AppointmentFactory(
            slot=AppointmentSlotFactory(office=office), theme=ThemeFactory(office=office)
        )
    client = client_for(reader)
    client.get(url("appointment_slots", office))
    # session, user, membership, count, slots, bookings, recent appointments
    with django_assert_num_queries(7):
        response = client.get(url("appointment_slots", office))
    assert len(response.context["slots"]) == count


def test_create_a_series_of_slots(client_for, animator, office):
    response = client_for(animator).post(
        url("appointment_slots", office), slot_data(count="3", start="14:00", end="15:00")
    )
    assert response.status_code == 302
    slots = list(AppointmentSlot.objects.order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).hour for s in slots] == [14, 15, 16]
    assert [timezone.localtime(s.ends_at).hour for s in slots] == [15, 16, 17]
    assert {s.office for s in slots} == {office}
    assert {s.animator for s in slots} == {animator}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"end": "13:00"}, "end"),
        ({"place": "", "video_url": ""}, "place"),
        ({"count": "0"}, "count"),
        ({"count": "50"}, "count"),
        ({"day": "2020-01-01"}, "day"),
        ({"video_url": "pas une adresse"}, "video_url"),
    ],
)
def test_create_refuses_bad_input(client_for, animator, office, changes, field):
    response = client_for(animator).post(url("appointment_slots", office), slot_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not AppointmentSlot.objects.exists()


def test_reader_cannot_create_slots(client_for, reader, office):
    assert client_for(reader).post(url("appointment_slots", office), slot_data()).status_code == 403
    assert not AppointmentSlot.objects.exists()


def test_delete_a_free_slot_only(client_for, animator, office):
    free = AppointmentSlotFactory(office=office)
    booked = AppointmentSlotFactory(office=office)
    AppointmentFactory(slot=booked)
    client = client_for(animator)
    assert client.post(url("appointment_slot_delete", office, free.pk)).status_code == 302
    response = client.post(url("appointment_slot_delete", office, booked.pk), follow=True)
    assert "annulez d&#x27;abord le rendez-vous" in response.content.decode()
    assert list(AppointmentSlot.objects.all()) == [booked]


def test_delete_refused_to_reader(client_for, reader, office):
    own = AppointmentSlotFactory(office=office)
    assert (
        client_for(reader).post(url("appointment_slot_delete", office, own.pk)).status_code == 403
    )
    assert AppointmentSlot.objects.count() == 1


def test_mark_a_past_appointment_attended(client_for, animator, office):
    start = timezone.now() - datetime.timedelta(days=2)
    slot = AppointmentSlotFactory(
        office=office, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    appointment = AppointmentFactory(slot=slot)
    client = client_for(animator)
    page = client.get(url("appointment_slots", office))
    assert list(page.context["recent"]) == [appointment]
    client.post(url("appointment_attended", office, appointment.pk), {"attended": "1"})
    appointment.refresh_from_db()
    assert appointment.attended is True
    client.post(url("appointment_attended", office, appointment.pk), {"attended": "0"})
    appointment.refresh_from_db()
    assert appointment.attended is False


def test_attended_refused_to_reader(client_for, reader, office):
    own = AppointmentFactory(slot=AppointmentSlotFactory(office=office))
    assert (
        client_for(reader)
        .post(url("appointment_attended", office, own.pk), {"attended": "1"})
        .status_code
        == 403
    )
    assert not Appointment.objects.filter(attended=True).exists()


def test_cancel_a_booking_frees_the_slot(client_for, animator, office):
    slot = AppointmentSlotFactory(office=office)
    appointment = AppointmentFactory(slot=slot, name="Jeanne")
    response = client_for(animator).post(
        url("appointment_cancel", office, appointment.pk), follow=True
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert "le créneau est de nouveau libre" in response.content.decode()
    assert response.context["slots"][0].live_bookings == []


def test_cancel_refused_to_reader(client_for, reader, office):
    own = AppointmentFactory(slot=AppointmentSlotFactory(office=office))
    assert client_for(reader).post(url("appointment_cancel", office, own.pk)).status_code == 403
    assert not Appointment.objects.filter(status=AppointmentStatus.CANCELLED).exists()
