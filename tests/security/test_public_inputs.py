"""What strangers type in public forms reaches e-mails: no control character gets through.

A name such as "Bob\\r\\nSubject: …" must not add a line to the confirmation the person
receives or to the notice the office receives. Every public form with free text is
tried here (the respondent's text answers are in tests/diagnostics/test_respond.py).
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from balise.lib.forms import plain_text
from balise.workshops.models import Appointment, Feedback, Registration

from ..factories import ProviderFactory
from ..workshops.factories import (
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE_NAME = "Bob\r\nSubject: Virement urgent\u2028Bcc: tous@example.org\x00\u202e"
CLEAN_NAME = "Bob Subject: Virement urgent Bcc: tous@example.org"


def lines_of(message) -> list[str]:
    return message.body.splitlines()


def assert_one_line_greeting(message):
    assert f"Bonjour {CLEAN_NAME}," in lines_of(message)
    assert not any(line.startswith(("Subject:", "Bcc:")) for line in lines_of(message))
    assert "\r" not in message.body and "\x00" not in message.body


@pytest.mark.parametrize(
    ("typed", "multiline", "kept"),
    [
        ("Bob\r\nSubject: x", False, "Bob Subject: x"),
        ("  Anne\tMarie \x0b Gîte\x07 ", False, "Anne Marie Gîte"),
        ("\u202eevil\u2066", False, "evil"),
        (
            "ligne 1\r\nligne 2\rligne 3\u2028ligne 4\x1b[31m",
            True,
            "ligne 1\nligne 2\nligne 3\nligne 4 [31m",
        ),
        ("Émilie 👩‍💻 Café", False, "Émilie 👩‍💻 Café"),
    ],
)
def test_plain_text_keeps_what_people_write_and_drops_controls(typed, multiline, kept):
    assert plain_text(typed, multiline=multiline) == kept


def test_registration_on_the_session_page(client, office):
    session = SessionFactory(office=office, capacity=3)
    client.post(
        reverse("ateliers:session", args=[office.slug, session.pk]),
        {"name": HOSTILE_NAME, "email": "bob@example.org", "business": "Gîte\r\nX-Spam: 1"},
    )
    registration = Registration.objects.get()
    assert (registration.name, registration.business) == (CLEAN_NAME, "Gîte X-Spam: 1")
    (message,) = mail.outbox
    assert_one_line_greeting(message)


def test_registration_from_an_invitation_link(client, office):
    provider = ProviderFactory(office=office, email="bob@example.org")
    invitation = SessionInvitationFactory(session=SessionFactory(office=office), provider=provider)
    client.post(
        reverse("ateliers:invitation", args=[invitation.token]),
        {"name": HOSTILE_NAME, "email": "bob@example.org", "business": ""},
    )
    assert Registration.objects.get().name == CLEAN_NAME
    (message,) = mail.outbox
    assert_one_line_greeting(message)


def test_appointment_booking_and_the_offices_notice(
    client, office, django_capture_on_commit_callbacks
):
    office.email = "contact@haut-vallon.example"
    office.save()
    slot = AppointmentSlotFactory(office=office, place="Bureau")
    client.post(
        reverse("ateliers:appointments", args=[office.slug]),
        {
            "slot": slot.pk,
            "name": HOSTILE_NAME,
            "email": "bob@example.org",
            "note": "Ma fiche\r\nBcc: x@example.org\x1b",
        },
    )
    appointment = Appointment.objects.get()
    assert appointment.name == CLEAN_NAME
    assert appointment.note == "Ma fiche\nBcc: x@example.org"  # a textarea keeps its lines
    (confirmation,) = mail.outbox
    assert_one_line_greeting(confirmation)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("ateliers:appointment_cancel", args=[appointment.token]), {"confirm": "on"}
        )
    (notice,) = (m for m in mail.outbox if m.to == ["contact@haut-vallon.example"])
    assert CLEAN_NAME in notice.subject
    assert any(line.startswith(f"{CLEAN_NAME} (bob@example.org)") for line in lines_of(notice))
    assert not any(line.startswith(("Subject:", "Bcc:")) for line in lines_of(notice))


def test_feedback_comment(client, office):
    start = timezone.now() - datetime.timedelta(days=2)
    session = SessionFactory(
        office=office, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    registration = RegistrationFactory(session=session, attended=True)
    client.post(
        reverse("ateliers:feedback", args=[registration.token]),
        {"rating": "5", "useful": "yes", "comment": "Très bien\x00\r\nmerci\u202e"},
    )
    assert Feedback.objects.get().comment == "Très bien\nmerci"
