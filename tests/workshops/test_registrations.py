"""Registrations: places, the waiting list, cancellations, session cancellation, appointments."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from balise.workshops import appointments, registrations, sessions
from balise.workshops.models import (
    Appointment,
    AppointmentStatus,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
)
from balise.workshops.registrations import RegistrationRefused

from ..factories import ProviderFactory
from .factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def register(session, n, **kwargs):
    return registrations.register(
        session=session, name=f"Personne {n}", email=f"p{n}@example.org", **kwargs
    )


def test_a_place_left_gives_a_confirmed_registration_and_a_mail_with_the_calendar(office):
    session = SessionFactory(office=office, capacity=2)
    registration, created = register(session, 1, business="Gîte des Prés")
    assert created
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.office == office
    assert registration.business == "Gîte des Prés"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["p1@example.org"]
    assert "Inscription confirmée" in message.subject
    assert registration.token in message.body
    assert message.attachments[0][0] == "atelier.ics"
    assert message.attachments[0][2] == "text/calendar"


def test_a_full_session_puts_people_on_the_waiting_list_in_order(office):
    session = SessionFactory(office=office, capacity=1)
    first, _ = register(session, 1)
    second, _ = register(session, 2)
    third, _ = register(session, 3)
    assert first.status == RegistrationStatus.CONFIRMED
    assert [second.status, third.status] == [RegistrationStatus.WAITING] * 2
    assert registrations.waiting_position(second) == 1
    assert registrations.waiting_position(third) == 2
    assert registrations.waiting_position(first) is None
    waiting_mail = mail.outbox[1]
    assert "Liste d'attente" in waiting_mail.subject
    assert "position 1" in waiting_mail.body
    assert waiting_mail.attachments == []  # no calendar event for a place not held


def test_registering_twice_gives_back_the_same_row(office):
    session = SessionFactory(office=office, capacity=5)
    first, created_first = register(session, 1)
    again, created_again = registrations.register(
        session=session, name="Autre nom", email="  P1@Example.org "
    )
    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.name == "Personne 1"
    assert Registration.objects.filter(session=session).count() == 1
    # The person lost the link: it goes to the address again; the office's double click
    # mails nobody.
    assert len(mail.outbox) == 2
    register(session, 1, source=RegistrationSource.STAFF)
    assert len(mail.outbox) == 2


def test_registering_again_after_cancelling_reactivates_at_the_end_of_the_queue(office):
    session = SessionFactory(office=office, capacity=1)
    holder, _ = register(session, 1)
    waiting, _ = register(session, 2)
    registrations.cancel_registration(registration=waiting)
    later, _ = register(session, 3)
    back, created = register(session, 2)
    assert not created
    assert back.pk == waiting.pk
    assert back.status == RegistrationStatus.WAITING
    assert back.cancelled_at is None
    assert registrations.waiting_position(later) == 1
    assert registrations.waiting_position(back) == 2
    assert holder.status == RegistrationStatus.CONFIRMED


def test_the_provider_is_matched_by_email_within_the_office(office, other_office):
    ProviderFactory(office=other_office, email="gite@example.org")
    provider = ProviderFactory(office=office, email="Gite@Example.org")
    session = SessionFactory(office=office)
    registration, _ = registrations.register(
        session=session, name="Jeanne", email="gite@example.org"
    )
    assert registration.provider == provider
    stranger, _ = registrations.register(session=session, name="Paul", email="paul@example.org")
    assert stranger.provider is None


def test_a_provider_of_another_office_is_refused(office, other_office):
    session = SessionFactory(office=office)
    with pytest.raises(RegistrationRefused):
        registrations.register(
            session=session,
            name="X",
            email="x@example.org",
            provider=ProviderFactory(office=other_office),
        )


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"status": SessionStatus.CANCELLED}, "annulée"),
        ({"status": SessionStatus.DRAFT}, "pas ouvertes"),
        (
            {"starts_at": timezone.now() - datetime.timedelta(hours=1)},
            "déjà commencé",
        ),
    ],
)
def test_cancelled_unpublished_or_past_sessions_are_refused(office, changes, message):
    session = SessionFactory(office=office, **changes)
    with pytest.raises(RegistrationRefused, match=message):
        register(session, 1)
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_staff_may_register_someone_to_a_draft_session(office):
    session = SessionFactory(office=office, status=SessionStatus.DRAFT)
    registration, _ = register(session, 1, source=RegistrationSource.STAFF, notify=False)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert mail.outbox == []


def test_cancelling_a_place_promotes_the_first_waiting_and_mails_them(office):
    session = SessionFactory(office=office, capacity=1)
    holder, _ = register(session, 1)
    first_waiting, _ = register(session, 2)
    register(session, 3)
    mail.outbox.clear()
    promoted = registrations.cancel_registration(registration=holder)
    assert promoted.pk == first_waiting.pk
    first_waiting.refresh_from_db()
    holder.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.CONFIRMED
    assert first_waiting.promoted_at is not None
    assert holder.status == RegistrationStatus.CANCELLED
    assert [m.to for m in mail.outbox] == [["p2@example.org"]]
    assert "place s'est libérée" in mail.outbox[0].subject
    assert mail.outbox[0].attachments[0][0] == "atelier.ics"
    assert registrations.confirmed_count(session) == 1


def test_cancelling_from_the_waiting_list_promotes_nobody(office):
    session = SessionFactory(office=office, capacity=1)
    register(session, 1)
    waiting, _ = register(session, 2)
    assert registrations.cancel_registration(registration=waiting) is None
    assert registrations.cancel_registration(registration=waiting) is None  # twice: no-op


def test_cancelling_a_session_notifies_confirmed_and_waiting_registrants(office):
    session = SessionFactory(office=office, capacity=1)
    register(session, 1)
    register(session, 2)
    gone, _ = register(session, 3)
    registrations.cancel_registration(registration=gone)
    mail.outbox.clear()
    assert sessions.cancel_session(session=session, reason="Intervenant malade") == 2
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_reason == "Intervenant malade"
    assert sorted(m.to[0] for m in mail.outbox) == ["p1@example.org", "p2@example.org"]
    assert "Intervenant malade" in mail.outbox[0].body
    assert "/ateliers/haut-vallon/" in mail.outbox[0].body
    assert sessions.cancel_session(session=session) == 0  # already cancelled


def test_book_an_appointment_then_the_slot_is_taken(office):
    slot = AppointmentSlotFactory(office=office)
    theme = ThemeFactory(office=office)
    appointment = appointments.book_appointment(
        slot=slot, name="Jeanne", email="Jeanne@Example.org", theme=theme, note="Ma fiche"
    )
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.email == "jeanne@example.org"
    assert mail.outbox[0].to == ["jeanne@example.org"]
    assert appointment.token in mail.outbox[0].body
    assert mail.outbox[0].attachments[0][0] == "atelier.ics"
    with pytest.raises(RegistrationRefused, match="vient d'être réservé"):
        appointments.book_appointment(slot=slot, name="Paul", email="paul@example.org")
    assert list(appointments.free_slots(office)) == []


def test_a_cancelled_appointment_frees_the_slot(office):
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(office=office))
    appointments.cancel_appointment(appointment=appointment)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert list(appointments.free_slots(office)) == [appointment.slot]
    again = appointments.book_appointment(slot=appointment.slot, name="P", email="p@example.org")
    assert Appointment.objects.filter(slot=appointment.slot).count() == 2
    assert again.status == AppointmentStatus.BOOKED


def test_past_slots_and_foreign_themes_are_refused(office, other_office):
    past = AppointmentSlotFactory(
        office=office, starts_at=timezone.now() - datetime.timedelta(hours=2)
    )
    with pytest.raises(RegistrationRefused, match="passé"):
        appointments.book_appointment(slot=past, name="P", email="p@example.org")
    slot = AppointmentSlotFactory(office=office)
    with pytest.raises(RegistrationRefused, match="pas proposé"):
        appointments.book_appointment(
            slot=slot, name="P", email="p@example.org", theme=ThemeFactory(office=other_office)
        )
    assert not Appointment.objects.exists()


def test_registration_factory_rows_count_as_places(office):
    session = SessionFactory(office=office, capacity=1)
    RegistrationFactory(session=session)
    registration, _ = register(session, 1)
    assert registration.status == RegistrationStatus.WAITING
