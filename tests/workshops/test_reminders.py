"""The day-before reminder: once per confirmed registration, from the task or the command."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from balise.jobs.models import OutboxMessage
from balise.workshops import registrations, tasks
from balise.workshops.models import Feedback, RegistrationStatus, SessionStatus

from .factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def a_session(office, starts_at, **kwargs):
    return SessionFactory(
        office=office,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        **kwargs,
    )


def test_confirmed_registrants_of_tomorrow_are_reminded_once(office):
    session = a_session(office, tomorrow_at(9), video_url="https://visio.example/x")
    confirmed = RegistrationFactory(session=session, email="a@example.org")
    RegistrationFactory(session=session, email="w@example.org", status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, email="c@example.org", status=RegistrationStatus.CANCELLED)
    assert registrations.send_reminders() == 1
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert "Rappel" in mail.outbox[0].subject
    assert "https://visio.example/x" in mail.outbox[0].body
    assert confirmed.token in mail.outbox[0].body
    confirmed.refresh_from_db()
    session.refresh_from_db()
    assert confirmed.reminder_sent_at is not None
    assert session.reminder_sent_at is not None
    assert registrations.send_reminders() == 0
    assert len(mail.outbox) == 1


def test_later_past_and_cancelled_sessions_get_no_reminder(office):
    RegistrationFactory(session=a_session(office, tomorrow_at(9) + datetime.timedelta(days=2)))
    past = timezone.now() - datetime.timedelta(hours=3)
    RegistrationFactory(session=a_session(office, past))
    RegistrationFactory(session=a_session(office, tomorrow_at(10), status=SessionStatus.CANCELLED))
    assert registrations.send_reminders() == 0
    assert mail.outbox == []


def test_the_week_after_the_reminder_comes_in_time(office):
    session = a_session(office, tomorrow_at(9) + datetime.timedelta(days=7))
    RegistrationFactory(session=session)
    assert registrations.send_reminders() == 0
    assert registrations.send_reminders(now=timezone.now() + datetime.timedelta(days=7)) == 1


def test_the_task_and_the_command_send_them(office):
    RegistrationFactory(session=a_session(office, tomorrow_at(9)))
    RegistrationFactory(session=a_session(office, tomorrow_at(14)))
    result = tasks.send_workshop_reminders.enqueue()
    assert result.return_value == 2
    RegistrationFactory(session=a_session(office, tomorrow_at(16)))
    out = StringIO()
    call_command("workshop_reminders", stdout=out)
    assert "1 rappel envoyé" in out.getvalue()
    assert len(mail.outbox) == 3


def test_attendees_are_asked_for_their_opinion_once_after_the_session(office):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    session = a_session(office, yesterday)
    present = RegistrationFactory(session=session, email="present@example.org", attended=True)
    RegistrationFactory(session=session, email="absent@example.org", attended=False)
    answered = RegistrationFactory(session=session, email="deja@example.org", attended=True)
    Feedback.objects.create(registration=answered, rating=5)
    long_ago = a_session(office, timezone.now() - datetime.timedelta(days=10))
    RegistrationFactory(session=long_ago, email="vieux@example.org", attended=True)

    assert registrations.send_feedback_requests() == 1
    assert [m.to for m in mail.outbox] == [["present@example.org"]]
    assert "Votre avis" in mail.outbox[0].subject
    assert f"/ateliers/inscription/{present.token}/avis/" in mail.outbox[0].body
    assert registrations.send_feedback_requests() == 0
    assert len(mail.outbox) == 1


def test_the_command_also_asks_for_feedback(office):
    session = a_session(office, timezone.now() - datetime.timedelta(hours=5))
    RegistrationFactory(session=session, email="p@example.org", attended=True)
    out = StringIO()
    call_command("workshop_reminders", stdout=out)
    assert "1 demande d'avis envoyée." in out.getvalue()


@pytest.mark.parametrize("kind", ["reminder", "feedback_request"])
def test_a_run_killed_while_mailing_is_resumed_without_a_second_copy(office, settings, kind):
    if kind == "reminder":
        session, send = a_session(office, tomorrow_at(9)), registrations.send_reminders
        extra = {}
    else:
        ended = timezone.now() - datetime.timedelta(hours=20)
        session, send = a_session(office, ended), registrations.send_feedback_requests
        extra = {"attended": True}
    first = RegistrationFactory(session=session, email="gite@example.org", **extra)
    RegistrationFactory(session=session, email="camping@example.org", **extra)
    settings.EMAIL_BACKEND = "tests.mailboxes.DyingBackend"
    with pytest.raises(KeyboardInterrupt):
        send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send() == 1  # the run resumed by another worker
    assert sorted(m.to[0] for m in mail.outbox) == ["camping@example.org", "gite@example.org"]
    claim = OutboxMessage.objects.get()  # the interrupted one, reported, never resent
    assert (claim.kind, claim.object_id) == (f"workshops.{kind}", first.pk)
