"""Capacity under concurrency, on PostgreSQL: no overbooking, no duplicate, one booking per slot.

Each thread opens its own database connection (closed at the end) and all start together
behind a barrier, so the row locks of :mod:`balise.workshops.registrations` are what keeps
the counts right. SQLite serialises every write transaction (``transaction_mode:
IMMEDIATE``), which would make these tests pass whatever the code: they only run on
PostgreSQL (``DATABASE_URL=postgres://… pytest tests/workshops/test_concurrency.py``).
"""

import pytest
from django.db import connection

from balise.workshops import appointments, registrations
from balise.workshops.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    Registration,
    RegistrationStatus,
    Session,
)

from ..concurrency import run_together
from .factories import AppointmentSlotFactory, SessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are only exercised on PostgreSQL (SQLite serialises all writes)",
    ),
]


def test_twenty_people_for_five_places(office):
    session_id = SessionFactory(office=office, capacity=5).pk

    def work(i):
        registration, _created = registrations.register(
            session=Session.objects.get(pk=session_id), name=f"P{i}", email=f"p{i}@example.org"
        )
        return registration.status

    results = run_together(20, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = Registration.objects.filter(session_id=session_id)
    assert rows.filter(status=RegistrationStatus.CONFIRMED).count() == 5
    assert rows.filter(status=RegistrationStatus.WAITING).count() == 15
    assert sorted(results).count(RegistrationStatus.CONFIRMED) == 5
    positions = sorted(
        registrations.waiting_position(r) for r in rows.filter(status=RegistrationStatus.WAITING)
    )
    assert positions == list(range(1, 16))


def test_the_same_email_from_ten_threads_gives_one_row(office):
    session_id = SessionFactory(office=office, capacity=5).pk

    def work(i):
        registration, created = registrations.register(
            session=Session.objects.get(pk=session_id), name="Jeanne", email="jeanne@example.org"
        )
        return registration.pk, created

    results = run_together(10, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Registration.objects.filter(session_id=session_id).count() == 1
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1


def test_ten_bookings_of_one_slot_one_wins_the_others_get_a_french_refusal(office):
    slot_id = AppointmentSlotFactory(office=office).pk

    def work(i):
        return appointments.book_appointment(
            slot=AppointmentSlot.objects.get(pk=slot_id), name=f"P{i}", email=f"p{i}@example.org"
        )

    results = run_together(10, work)
    won = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, registrations.RegistrationRefused)]
    assert len(won) == 1
    assert len(refused) == 9, results
    assert all("vient d'être réservé" in str(error) for error in refused)
    assert Appointment.objects.filter(slot_id=slot_id, status=AppointmentStatus.BOOKED).count() == 1
