"""The public workshop pages: programme, session registration, personal links, appointments."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from balise.workshops.models import (
    Appointment,
    AppointmentStatus,
    Feedback,
    Format,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
)

from ..factories import ProviderFactory
from .factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def past_session(office, **kwargs):
    return SessionFactory(
        office=office,
        starts_at=ago(days=2),
        ends_at=ago(days=2) + datetime.timedelta(hours=2),
        **kwargs,
    )


def session_url(session):
    return reverse("ateliers:session", args=[session.office.slug, session.pk])


def registration_data(**overrides):
    return {
        "name": "Jeanne Gîte",
        "email": "jeanne@example.org",
        "business": "Gîte des Prés",
    } | overrides


# --- Programme --------------------------------------------------------------------------


def test_programme_lists_published_upcoming_sessions_with_places(client, office, other_office):
    full = SessionFactory(office=office, title="Complet", capacity=1)
    RegistrationFactory(session=full)
    SessionFactory(office=office, title="Ouverte", capacity=8)
    SessionFactory(office=office, title="Brouillon", status=SessionStatus.DRAFT)
    SessionFactory(office=office, title="Annulée", status=SessionStatus.CANCELLED)
    past_session(office, title="Passée")
    SessionFactory(office=other_office, title="Ailleurs")
    response = client.get(reverse("ateliers:programme", args=[office.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Complet" in page and "Ouverte" in page
    for hidden in ("Brouillon", "Annulée", "Passée", "Ailleurs"):
        assert hidden not in page
    assert "Complet — liste d'attente" in page
    assert "8 places restantes" in page
    assert session_url(full) in page
    assert reverse("ateliers:feed", args=[office.slug]) in page
    assert reverse("ateliers:appointments", args=[office.slug]) in page


def test_programme_dates_are_in_french(client, office):
    start = timezone.make_aware(datetime.datetime(timezone.now().year + 1, 3, 3, 14, 0))
    SessionFactory(office=office, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    page = client.get(reverse("ateliers:programme", args=[office.slug])).content.decode()
    assert f"3 mars {start.year}, 14:00" in page


def test_a_webinar_waiting_for_its_link_is_online_not_somewhere_to_be_told(client, office):
    webinar = ThemeFactory(office=office, format=Format.WEBINAR)
    session = SessionFactory(office=office, theme=webinar, venue=None, video_url="")
    programme = client.get(reverse("ateliers:programme", args=[office.slug])).content.decode()
    one = client.get(session_url(session)).content.decode()
    for page in (programme, one):
        assert "En ligne" in page
        assert "Lieu à préciser" not in page


def test_unknown_office_is_404(client):
    assert client.get("/ateliers/nexiste-pas/").status_code == 404
    assert client.get("/ateliers/nexiste-pas/programme.ics").status_code == 404
    assert client.get("/ateliers/nexiste-pas/rendez-vous/").status_code == 404


@pytest.mark.parametrize("rows", [1, 3])
def test_programme_query_count_does_not_grow_with_sessions(
    client, office, rows, django_assert_num_queries
):
    for n in range(rows):
        session = SessionFactory(office=office, title=f"Séance {n}")
        RegistrationFactory(session=session)
    # office, sessions with their places, free slots; session and message storage: none.
    with django_assert_num_queries(3):
        response = client.get(reverse("ateliers:programme", args=[office.slug]))
    assert response.status_code == 200
    assert response.content.decode().count('class="panel session-card"') == rows


def test_feed_is_an_ics_of_the_office(client, office):
    SessionFactory(office=office, title="Atelier avis clients")
    response = client.get(reverse("ateliers:feed", args=[office.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"SUMMARY:Atelier avis clients" in response.content


# --- A session and its registration form -----------------------------------------------


def test_registering_on_the_session_page_leads_to_the_personal_page(client, office):
    session = SessionFactory(office=office, capacity=3)
    response = client.post(session_url(session), registration_data(), follow=True)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.source == RegistrationSource.PUBLIC
    assert response.redirect_chain[-1][0] == reverse(
        "ateliers:registration", args=[registration.token]
    )
    assert "Vous êtes inscrit(e)" in response.content.decode()
    assert mail.outbox[0].to == ["jeanne@example.org"]


def test_a_full_session_gives_the_waiting_list_position(client, office):
    session = SessionFactory(office=office, capacity=1)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    page = client.get(session_url(session)).content.decode()
    assert "M'inscrire sur la liste d'attente" in page
    response = client.post(session_url(session), registration_data(), follow=True)
    assert "Vous êtes sur liste d&#x27;attente (position 2)" in response.content.decode()


def test_a_second_registration_does_not_open_the_first_ones_page(client, office):
    session = SessionFactory(office=office)
    first = RegistrationFactory(session=session, email="jeanne@example.org")
    response = client.post(session_url(session), registration_data(email="JEANNE@example.org"))
    assert response.status_code == 302
    assert first.token not in response["Location"]
    assert response["Location"] == session_url(session)
    assert Registration.objects.count() == 1
    # The link goes to the address itself.
    assert mail.outbox[0].to == ["jeanne@example.org"]
    assert first.token in mail.outbox[0].body


def test_a_broken_form_shows_errors_and_writes_nothing(client, office):
    session = SessionFactory(office=office)
    response = client.post(session_url(session), {"name": "", "email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_honeypot_writes_nothing(client, office):
    session = SessionFactory(office=office)
    response = client.post(session_url(session), registration_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_a_past_or_cancelled_session_has_no_form_and_refuses_posts(client, office):
    past = past_session(office)
    cancelled = SessionFactory(
        office=office, status=SessionStatus.CANCELLED, cancel_reason="Intervenant malade"
    )
    for session, says in (
        (past, "les inscriptions sont closes"),
        (cancelled, "Intervenant malade"),
    ):
        page = client.get(session_url(session)).content.decode()
        assert 'name="email"' not in page
        assert says in page
        response = client.post(session_url(session), registration_data())
        assert response.status_code == 200
    assert not Registration.objects.exists()


# --- Invitation link -------------------------------------------------------------------


def test_invitation_shows_the_reason_and_registers_in_one_click(client, office):
    provider = ProviderFactory(
        office=office,
        name="Gîte des Prés",
        contact_name="Jeanne Martin",
        email="jeanne@example.org",
    )
    invitation = SessionInvitationFactory(
        session=SessionFactory(office=office),
        provider=provider,
        reason="Votre diagnostic montre que votre fiche Google n'est pas à jour.",
    )
    url = reverse("ateliers:invitation", args=[invitation.token])
    response = client.get(url)
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "fiche Google n&#x27;est pas à jour" in page
    assert 'value="Jeanne Martin"' in page and 'value="jeanne@example.org"' in page
    response = client.post(
        url, {"name": "Jeanne Martin", "email": "jeanne@example.org", "business": "Gîte des Prés"}
    )
    registration = Registration.objects.get()
    assert response["Location"] == reverse("ateliers:registration", args=[registration.token])
    assert registration.provider == provider
    assert registration.source == RegistrationSource.INVITATION
    # Back on the invitation: already registered, with the link to the registration.
    page = client.get(url).content.decode()
    assert "déjà inscrit(e)" in page
    assert reverse("ateliers:registration", args=[registration.token]) in page


@pytest.mark.parametrize("name", ["invitation", "registration", "feedback", "appointment"])
def test_forged_and_cross_purpose_tokens_are_404(client, office, name):
    session = SessionFactory(office=office)
    registration = RegistrationFactory(session=session)
    invitation = SessionInvitationFactory(session=session)
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(office=office))
    real = {
        "invitation": invitation.token,
        "registration": registration.token,
        "feedback": registration.token,
        "appointment": appointment.token,
    }[name]
    forged = [real[:-1] + ("A" if real[-1] != "A" else "B"), "nimportequoi", real.split(":")[0]]
    # A valid token of another purpose opens nothing.
    other = registration.token if name in ("invitation", "appointment") else invitation.token
    for token in [*forged, other]:
        assert client.get(reverse(f"ateliers:{name}", args=[token])).status_code == 404, token
    for extra in ("registration_ics", "registration_cancel"):
        assert client.get(reverse(f"ateliers:{extra}", args=[forged[0]])).status_code == 404


def test_unknown_key_with_a_valid_signature_is_404(client):
    token = Registration(key="cle-inconnue").token
    assert client.get(reverse("ateliers:registration", args=[token])).status_code == 404


# --- The registration page -------------------------------------------------------------


def test_registration_page_shows_status_calendar_and_cancel(client, office):
    registration = RegistrationFactory(session=SessionFactory(office=office, title="Avis clients"))
    response = client.get(reverse("ateliers:registration", args=[registration.token]))
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Inscrit(e)" in page and "Avis clients" in page
    assert reverse("ateliers:registration_ics", args=[registration.token]) in page
    assert reverse("ateliers:registration_cancel", args=[registration.token]) in page
    assert reverse("ateliers:feedback", args=[registration.token]) not in page
    ics = client.get(reverse("ateliers:registration_ics", args=[registration.token]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert "attachment" in ics["Content-Disposition"]
    assert b"SUMMARY:Avis clients" in ics.content


def test_waiting_registration_page_gives_the_position(client, office):
    session = SessionFactory(office=office, capacity=0)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    second = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    page = client.get(reverse("ateliers:registration", args=[second.token])).content.decode()
    assert "position 2" in page


def test_cancel_asks_for_confirmation_then_promotes_the_waiting(client, office):
    session = SessionFactory(office=office, capacity=1)
    holder = RegistrationFactory(session=session, email="holder@example.org")
    waiting = RegistrationFactory(
        session=session, email="next@example.org", status=RegistrationStatus.WAITING
    )
    url = reverse("ateliers:registration_cancel", args=[holder.token])
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 200  # the box was not ticked
    holder.refresh_from_db()
    assert holder.status == RegistrationStatus.CONFIRMED
    response = client.post(url, {"confirm": "on"}, follow=True)
    assert "Votre inscription est annulée" in response.content.decode()
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert [m.to for m in mail.outbox] == [["next@example.org"]]


# --- Feedback --------------------------------------------------------------------------


def test_feedback_is_refused_before_the_session(client, office):
    registration = RegistrationFactory(session=SessionFactory(office=office))
    url = reverse("ateliers:feedback", args=[registration.token])
    response = client.post(url, {"rating": "5"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ateliers:registration", args=[registration.token])
    assert not Feedback.objects.exists()


def test_feedback_after_the_session_once_then_updated(client, office):
    registration = RegistrationFactory(session=past_session(office), attended=True)
    page = client.get(reverse("ateliers:registration", args=[registration.token])).content.decode()
    url = reverse("ateliers:feedback", args=[registration.token])
    assert url in page
    form_page = client.get(url).content.decode()
    assert "<fieldset" in form_page and "<legend>" in form_page
    assert client.post(url, {"rating": "7"}).status_code == 200
    assert not Feedback.objects.exists()
    client.post(url, {"rating": "4", "useful": "yes", "comment": "Très concret"})
    client.post(url, {"rating": "5", "useful": "no", "comment": ""})
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.useful, feedback.comment) == (5, False, "")


@pytest.mark.parametrize(
    "changes",
    [
        {"attended": False},
        {"status": RegistrationStatus.WAITING},
        {"status": RegistrationStatus.CANCELLED},
    ],
)
def test_no_feedback_from_absent_waiting_or_cancelled(client, office, changes):
    registration = RegistrationFactory(session=past_session(office), **changes)
    response = client.post(reverse("ateliers:feedback", args=[registration.token]), {"rating": "3"})
    assert response.status_code == 302
    assert not Feedback.objects.exists()


# --- Appointments ----------------------------------------------------------------------


def test_booking_an_appointment(client, office, other_office):
    slot = AppointmentSlotFactory(office=office, place="Bureau de l'office")
    taken = AppointmentFactory(slot=AppointmentSlotFactory(office=office, place="Pris")).slot
    foreign = AppointmentSlotFactory(office=other_office, place="Ailleurs")
    theme = ThemeFactory(office=office, title="Ma fiche Google")
    ThemeFactory(office=office, code="vieux", title="Ancien thème", active=False)
    url = reverse("ateliers:appointments", args=[office.slug])
    page = client.get(url).content.decode()
    assert "Bureau de l&#x27;office" in page and "Ma fiche Google" in page
    for hidden in ("Pris", "Ailleurs", "Ancien thème"):
        assert hidden not in page
    data = {"name": "Jeanne", "email": "jeanne@example.org", "theme": theme.pk, "note": "Avis"}
    for bad_slot in (taken.pk, foreign.pk):
        response = client.post(url, data | {"slot": bad_slot})
        assert response.status_code == 200
        assert "plus libre" in response.content.decode()
    response = client.post(url, data | {"slot": slot.pk}, follow=True)
    appointment = Appointment.objects.get(slot=slot)
    assert response.redirect_chain[-1][0] == reverse(
        "ateliers:appointment", args=[appointment.token]
    )
    assert "Votre rendez-vous est réservé" in response.content.decode()
    assert appointment.theme == theme


def test_appointment_page_and_cancel(client, office):
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(office=office))
    page_url = reverse("ateliers:appointment", args=[appointment.token])
    response = client.get(page_url)
    assert "no-store" in response["Cache-Control"]
    cancel = reverse("ateliers:appointment_cancel", args=[appointment.token])
    assert cancel in response.content.decode()
    client.post(cancel, {"confirm": "on"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert "Ce rendez-vous est annulé" in client.get(page_url).content.decode()


def test_appointments_page_without_free_slot_says_so(client, office):
    page = client.get(reverse("ateliers:appointments", args=[office.slug])).content.decode()
    assert "Aucun créneau n'est libre" in page
