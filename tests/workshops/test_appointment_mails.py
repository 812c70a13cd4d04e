"""Individual appointments: the e-mails of a cancellation (by the person or by the office)
and the day-before reminder, sent once whatever is clicked or run twice."""

import datetime
import re
import smtplib
from io import StringIO

import icalendar
import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from balise.jobs.models import OutboxMessage
from balise.workshops import appointments, calendar, tasks
from balise.workshops.models import Appointment, AppointmentStatus

from ..concurrency import run_together
from ..factories import UserFactory
from .factories import AppointmentFactory, AppointmentSlotFactory

pytestmark = pytest.mark.django_db

OFFICE_MAIL = "contact@haut-vallon.example"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent runs are only exercised on PostgreSQL (SQLite serialises all writes)",
)


def at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def a_slot(office, starts_at=None, **kwargs):
    starts_at = starts_at or at(7, 10)
    ends_at = starts_at + datetime.timedelta(hours=1)
    return AppointmentSlotFactory(office=office, starts_at=starts_at, ends_at=ends_at, **kwargs)


def booked(office, starts_at=None, **kwargs):
    return AppointmentFactory(slot=a_slot(office, starts_at), **kwargs)


def ics_event(message):
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("atelier.ics", "text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    (event,) = cal.walk("VEVENT")
    return cal, event


def cancel_from_personal_link(client, appointment):
    url = reverse("ateliers:appointment_cancel", args=[appointment.token])
    return client.post(url, {"confirm": "on"}, follow=True)


def cancel_from_staff_page(client, office, appointment):
    url = reverse("workshops:appointment_cancel", args=[office.slug, appointment.pk])
    return client.post(url, follow=True)


@pytest.fixture
def office_with_mail(office):
    office.email = OFFICE_MAIL
    office.phone = "04 00 00 00 00"
    office.save()
    return office


# --- Cancelled by the person ----------------------------------------------------------


def test_the_person_cancelling_gets_a_confirmation_and_the_office_a_notice(
    client, office_with_mail, animator, django_capture_on_commit_callbacks
):
    office = office_with_mail
    appointment = AppointmentFactory(
        slot=a_slot(office, animator=animator), name="Jeanne Gîte", email="jeanne@example.org"
    )
    a_slot(office, at(9, 14))  # another free slot to offer
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel_from_personal_link(client, appointment)

    assert "Votre rendez-vous est annulé. Une confirmation part par e-mail." in (
        response.content.decode()
    )
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == [
        "animatrice@haut-vallon.example",
        OFFICE_MAIL,
        "jeanne@example.org",
    ]
    to_person = by_address["jeanne@example.org"]
    assert "est annulé" in to_person.subject
    assert "comme vous l'avez demandé" in to_person.body
    assert "http://testserver" not in to_person.body
    assert f"/ateliers/{office.slug}/rendez-vous/" in to_person.body
    assert to_person.reply_to == [OFFICE_MAIL]
    cal, event = ics_event(to_person)
    assert str(cal["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"

    notice = by_address[OFFICE_MAIL]
    assert "Jeanne Gîte" in notice.subject
    assert "jeanne@example.org" in notice.body
    assert reverse("workshops:appointment_slots", args=[office.slug]) in notice.body
    assert notice.attachments == []
    assert by_address["animatrice@haut-vallon.example"].body == notice.body


def test_without_another_free_slot_the_mail_says_to_call(
    client, office_with_mail, django_capture_on_commit_callbacks
):
    appointment = booked(office_with_mail, email="jeanne@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        cancel_from_personal_link(client, appointment)
    to_person = next(m for m in mail.outbox if m.to == ["jeanne@example.org"])
    # The slot just given up is free again, but it is not "another slot".
    assert "/rendez-vous/" not in to_person.body
    assert "Aucun autre créneau n'est libre" in to_person.body


def test_without_a_staff_address_only_the_person_is_told(
    client, office, django_capture_on_commit_callbacks
):
    inactive = UserFactory(email="partie@haut-vallon.example", is_active=False)
    appointment = AppointmentFactory(slot=a_slot(office, animator=inactive))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_from_personal_link(client, appointment)
    assert [m.to for m in mail.outbox] == [[appointment.email]]


def test_the_office_address_and_the_animator_are_one_person(
    client, office_with_mail, django_capture_on_commit_callbacks
):
    same = UserFactory(email=OFFICE_MAIL.upper())
    appointment = AppointmentFactory(slot=a_slot(office_with_mail, animator=same))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_from_personal_link(client, appointment)
    assert sorted(m.to[0] for m in mail.outbox) == [OFFICE_MAIL, appointment.email]


# --- Cancelled by the office ----------------------------------------------------------


def test_the_office_cancelling_sends_the_person_an_apology_and_a_calendar_cancellation(
    client_for, animator, office_with_mail, django_capture_on_commit_callbacks
):
    office = office_with_mail
    slot = a_slot(office, animator=animator)
    a_slot(office, at(9, 14))
    appointment = appointments.book_appointment(
        slot=slot, name="Jeanne Gîte", email="jeanne@example.org"
    )
    _cal, booking_event = ics_event(mail.outbox[0])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = cancel_from_staff_page(client_for(animator), office, appointment)

    assert "le créneau est de nouveau libre" in response.content.decode()
    # No notice to the office: it made the change.
    (message,) = mail.outbox
    assert message.to == ["jeanne@example.org"]
    assert "est annulé" in message.subject
    assert "nous avons dû annuler votre rendez-vous" in message.body
    assert f"/ateliers/{office.slug}/rendez-vous/" in message.body
    cal, event = ics_event(message)
    assert str(cal["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(booking_event["uid"]) == calendar.appointment_uid(appointment)
    assert event["sequence"] > booking_event["sequence"]
    assert event.decoded("dtstart") == booking_event.decoded("dtstart")
    assert str(event["attendee"]) == "mailto:jeanne@example.org"
    assert str(event["organizer"]) == f"mailto:{OFFICE_MAIL}"


def test_a_double_click_or_both_sides_cancelling_mail_once(
    client, client_for, animator, office_with_mail, django_capture_on_commit_callbacks
):
    office = office_with_mail
    appointment = booked(office)
    staff = client_for(animator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cancel_from_staff_page(staff, office, appointment)
        cancel_from_staff_page(staff, office, appointment)
        appointments.cancel_appointment(appointment=appointment)
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [[appointment.email]]
    appointment.refresh_from_db()
    cancelled_at = appointment.cancelled_at
    # The person's link, later: the page only says it is cancelled.
    response = client.get(reverse("ateliers:appointment_cancel", args=[appointment.token]))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.cancelled_at == cancelled_at
    assert len(mail.outbox) == 1


def test_a_cancellation_rolled_back_mails_nobody(
    office_with_mail, django_capture_on_commit_callbacks
):
    appointment = booked(office_with_mail)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        appointments.cancel_appointment(appointment=appointment, by_staff=True)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert mail.outbox == []
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_nothing_leaves_before_the_transaction_commits(
    office_with_mail, django_capture_on_commit_callbacks
):
    appointment = booked(office_with_mail)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointments.cancel_appointment(appointment=appointment, by_staff=True)
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[appointment.email]]


def test_an_erased_person_or_a_past_appointment_gets_no_mail(
    office, animator, django_capture_on_commit_callbacks
):
    erased = AppointmentFactory(slot=a_slot(office, animator=animator), email="efface-7@invalid")
    past = booked(office, timezone.now() - datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        appointments.cancel_appointment(appointment=erased, by_staff=True)
        appointments.cancel_appointment(appointment=past, by_staff=True)
    assert mail.outbox == []
    assert Appointment.objects.filter(status=AppointmentStatus.CANCELLED).count() == 2


# --- The day-before reminder ----------------------------------------------------------


def test_only_booked_appointments_of_today_and_tomorrow_are_reminded_once(office_with_mail):
    office = office_with_mail
    tomorrow = booked(office, at(1, 10), email="demain@example.org")
    later_today = booked(office, timezone.now() + datetime.timedelta(minutes=30), email="t@x.org")
    booked(office, at(2, 10), email="trop-tot@example.org")
    booked(office, timezone.now() - datetime.timedelta(hours=2), email="passe@example.org")
    booked(office, at(1, 11), email="annule@example.org", status=AppointmentStatus.CANCELLED)
    booked(office, at(1, 12), email="deja@example.org", reminded_at=timezone.now())
    booked(office, at(1, 13), email="efface-3@invalid")

    assert appointments.send_appointment_reminders() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["demain@example.org", "t@x.org"]
    message = next(m for m in mail.outbox if m.to == ["demain@example.org"])
    assert "Rappel : votre rendez-vous" in message.subject
    assert "10:00" in message.subject
    assert appointments.appointment_url(tomorrow) in message.body
    cal, event = ics_event(message)
    assert str(cal["method"]) == "PUBLISH"
    assert str(event["uid"]) == calendar.appointment_uid(tomorrow)
    for appointment in (tomorrow, later_today):
        appointment.refresh_from_db()
        assert appointment.reminded_at is not None

    assert appointments.send_appointment_reminders() == 0
    assert len(mail.outbox) == 2


def test_the_appointment_of_next_week_is_reminded_the_day_before(office):
    appointment = booked(office, at(8, 9))
    assert appointments.send_appointment_reminders() == 0
    in_six_days = timezone.now() + datetime.timedelta(days=6)
    assert appointments.send_appointment_reminders(now=in_six_days) == 0
    in_seven_days = timezone.now() + datetime.timedelta(days=7)
    assert appointments.send_appointment_reminders(now=in_seven_days) == 1
    assert [m.to for m in mail.outbox] == [[appointment.email]]


def test_a_run_that_listed_before_another_stamped_sends_nothing(office, monkeypatch):
    appointment = booked(office, at(1, 10))
    assert appointments.send_appointment_reminders() == 1
    # A second worker that read the list before the first one stamped it.
    monkeypatch.setattr(
        appointments,
        "due_appointment_reminders",
        lambda now=None: Appointment.objects.filter(pk=appointment.pk),
    )
    assert appointments.send_appointment_reminders() == 0
    assert len(mail.outbox) == 1


def test_a_failed_reminder_is_tried_again_at_the_next_run(office, monkeypatch):
    appointment = booked(office, at(1, 10))
    real_send = EmailMessage.send

    def refused(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({appointment.email: (550, b"no")})

    monkeypatch.setattr(EmailMessage, "send", refused)
    assert appointments.send_appointment_reminders() == 0
    appointment.refresh_from_db()
    assert appointment.reminded_at is None

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert appointments.send_appointment_reminders() == 1
    assert [m.to for m in mail.outbox] == [[appointment.email]]


def test_a_reminded_then_cancelled_appointment_still_gets_its_cancellation(
    office, django_capture_on_commit_callbacks
):
    appointment = booked(office, at(1, 10))
    assert appointments.send_appointment_reminders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        appointments.cancel_appointment(appointment=appointment)
    assert [m.subject.startswith("Rappel") for m in mail.outbox] == [True, False]
    assert appointments.send_appointment_reminders() == 0


def test_the_task_and_the_command_count_appointment_reminders(office):
    booked(office, at(1, 9))
    booked(office, at(1, 10))
    assert tasks.send_workshop_reminders.enqueue().return_value == 2
    booked(office, at(1, 11))
    out = StringIO()
    call_command("workshop_reminders", stdout=out)
    assert "1 rappel de rendez-vous envoyé." in out.getvalue()
    assert len(mail.outbox) == 3
    out = StringIO()
    call_command("workshop_reminders", stdout=out)
    assert re.search(r"^0 rappels? de rendez-vous envoyés?\.$", out.getvalue(), re.M)
    assert len(mail.outbox) == 3


def test_reminders_cover_every_office_and_leave_other_rows_alone(office, other_office):
    here = booked(office, at(1, 10), email="ici@example.org")
    there = booked(other_office, at(1, 10), email="la@example.org")
    assert appointments.send_appointment_reminders() == 2
    mail.outbox.clear()
    appointments.cancel_appointment(appointment=here)
    there.refresh_from_db()
    assert there.status == AppointmentStatus.BOOKED
    assert there.reminded_at is not None


# --- Concurrency (PostgreSQL) ---------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_remind_each_appointment_once(office):
    for hour in (9, 10, 11, 14, 15):
        booked(office, at(1, hour), email=f"rdv{hour}@example.org")
    results = run_together(4, lambda i: appointments.send_appointment_reminders())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"rdv{hour}@example.org" for hour in (9, 10, 11, 14, 15)
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_both_sides_cancelling_at_once_mail_once(office):
    appointment_id = booked(office).pk

    def work(i):
        appointment = Appointment.objects.get(pk=appointment_id)
        appointments.cancel_appointment(appointment=appointment, by_staff=bool(i % 2))

    results = run_together(4, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(mail.outbox) == 1


def test_a_run_killed_while_mailing_is_resumed_without_a_second_copy(office, settings):
    first = booked(office, at(1, 10), email="gite@example.org")
    booked(office, at(1, 11), email="camping@example.org")
    settings.EMAIL_BACKEND = "tests.mailboxes.DyingBackend"
    with pytest.raises(KeyboardInterrupt):
        appointments.send_appointment_reminders()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert appointments.send_appointment_reminders() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["camping@example.org", "gite@example.org"]
    claim = OutboxMessage.objects.get()
    assert (claim.kind, claim.object_id) == ("workshops.appointment_reminder", first.pk)
