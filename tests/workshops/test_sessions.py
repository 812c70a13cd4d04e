"""Staff session pages: list, create, edit, detail, publish, cancel, registrations."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from balise.workshops.models import (
    Feedback,
    Format,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionStatus,
)

from ..factories import ProviderFactory
from .factories import (
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def url(name, office, *args):
    return reverse(f"workshops:{name}", args=[office.slug, *args])


def in_days(days, hour=9):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def form_data(theme, **changes):
    day = timezone.localdate() + datetime.timedelta(days=20)
    data = {
        "theme": theme.pk,
        "title": "",
        "day": day.isoformat(),
        "start": "09:30",
        "end": "12:00",
        "venue": "",
        "video_url": "",
        "trainer": "Camille",
        "capacity": "",
    }
    data.update(changes)
    return data


# --- List --------------------------------------------------------------------------------


def test_list_shows_upcoming_sessions_with_places_taken(client_for, reader, office, other_office):
    session = SessionFactory(office=office, capacity=8)
    RegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    SessionFactory(office=office, starts_at=in_days(-10), ends_at=in_days(-10, 12))
    SessionFactory(office=other_office, title="Séance d'ailleurs")
    response = client_for(reader).get(url("session_list", office))
    assert response.status_code == 200
    rows = list(response.context["sessions"])
    assert rows == [session]
    assert (rows[0].confirmed, rows[0].waiting) == (3, 1)
    assert "3 / 8" in response.content.decode()
    assert "Séance d'ailleurs" not in response.content.decode()


def test_list_of_past_sessions_and_filters(client_for, reader, office):
    past = SessionFactory(office=office, starts_at=in_days(-3), ends_at=in_days(-3, 12))
    other_theme = ThemeFactory(office=office, code="avis", title="Répondre aux avis")
    SessionFactory(office=office, theme=other_theme, starts_at=in_days(-5), ends_at=in_days(-5, 12))
    client = client_for(reader)
    response = client.get(url("session_list", office), {"periode": "passees"})
    assert len(response.context["sessions"]) == 2
    response = client.get(
        url("session_list", office), {"periode": "passees", "theme": past.theme.pk}
    )
    assert list(response.context["sessions"]) == [past]
    response = client.get(url("session_list", office), {"status": "cancelled"})
    assert list(response.context["sessions"]) == []
    # A bad filter value is ignored, not an error.
    assert client.get(url("session_list", office), {"theme": "abc"}).status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_is_constant(client_for, reader, office, count, django_assert_num_queries):
    for _ in range(count):
        session = SessionFactory(office=office)
        RegistrationFactory(session=session)
    client = client_for(reader)
    client.get(url("session_list", office))  # warm the session and the user caches
    # session, user, membership, themes of the filter, count, page of sessions
    with django_assert_num_queries(6):
        response = client.get(url("session_list", office))
    assert len(response.context["sessions"]) == count


# --- Create and edit ---------------------------------------------------------------------


def test_create_session_with_default_capacity_capped_by_the_room(client_for, animator, office):
    theme = ThemeFactory(office=office, default_capacity=15)
    venue = VenueFactory(office=office, capacity=12)
    programme = ProgrammeFactory(office=office)
    response = client_for(animator).post(
        url("session_create", office) + f"?programme={programme.pk}",
        form_data(theme, venue=venue.pk),
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("session_detail", office, session.pk)
    assert session.office == office
    assert session.programme == programme
    assert session.capacity == 12
    assert session.status == SessionStatus.DRAFT
    local = timezone.localtime(session.starts_at)
    assert (local.hour, local.minute) == (9, 30)
    assert timezone.localtime(session.ends_at).hour == 12


def test_create_refuses_a_capacity_beyond_the_room(client_for, animator, office):
    theme = ThemeFactory(office=office)
    venue = VenueFactory(office=office, capacity=6)
    response = client_for(animator).post(
        url("session_create", office), form_data(theme, venue=venue.pk, capacity="20")
    )
    assert response.status_code == 200
    assert "ne compte que 6 places" in response.content.decode()
    assert not Session.objects.exists()


def test_create_needs_a_venue_or_a_video_link(client_for, animator, office):
    theme = ThemeFactory(office=office)
    response = client_for(animator).post(url("session_create", office), form_data(theme))
    assert "Choisissez un lieu ou indiquez un lien de visioconférence." in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert not Session.objects.exists()
    client_for(animator).post(
        url("session_create", office), form_data(theme, video_url="visio.example.org/atelier")
    )
    assert Session.objects.get().video_url == "https://visio.example.org/atelier"


def test_a_webinar_needs_the_video_link_even_with_a_room(client_for, animator, office):
    theme = ThemeFactory(office=office, code="webi", format=Format.WEBINAR)
    venue = VenueFactory(office=office)
    response = client_for(animator).post(
        url("session_create", office), form_data(theme, venue=venue.pk)
    )
    assert "Un webinaire a besoin d&#x27;un lien de visioconférence." in response.content.decode()
    assert not Session.objects.exists()


def test_create_refuses_end_before_start(client_for, animator, office):
    theme = ThemeFactory(office=office)
    venue = VenueFactory(office=office)
    response = client_for(animator).post(
        url("session_create", office), form_data(theme, venue=venue.pk, start="14:00", end="10:00")
    )
    assert "La fin doit suivre le début." in response.content.decode()
    assert not Session.objects.exists()


def test_create_refuses_another_offices_theme_venue_and_programme(
    client_for, animator, office, other_office
):
    theme = ThemeFactory(office=other_office)
    venue = VenueFactory(office=other_office)
    client = client_for(animator)
    response = client.post(url("session_create", office), form_data(theme, venue=venue.pk))
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"theme", "venue"}
    programme = ProgrammeFactory(office=other_office)
    assert (
        client.get(url("session_create", office) + f"?programme={programme.pk}").status_code == 404
    )
    assert not Session.objects.exists()


def test_reader_cannot_create_or_edit(client_for, reader, office):
    theme = ThemeFactory(office=office)
    session = SessionFactory(office=office, theme=theme)
    client = client_for(reader)
    assert client.get(url("session_create", office)).status_code == 403
    assert client.post(url("session_create", office), form_data(theme)).status_code == 403
    assert client.post(url("session_edit", office, session.pk), form_data(theme)).status_code == 403


def test_edit_session(client_for, animator, office):
    session = SessionFactory(office=office, video_url="https://visio.example.org/a")
    client = client_for(animator)
    page = client.get(url("session_edit", office, session.pk))
    assert page.context["form"].initial["start"] == datetime.time(9, 0)
    response = client.post(
        url("session_edit", office, session.pk),
        form_data(
            session.theme,
            title="Ma fiche Google, niveau 2",
            video_url=session.video_url,
            capacity="9",
        ),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Ma fiche Google, niveau 2"
    assert session.capacity == 9


# --- Detail ------------------------------------------------------------------------------


def test_detail_shows_registrations_and_feedback_summary(client_for, reader, office):
    session = SessionFactory(office=office, starts_at=in_days(-2), ends_at=in_days(-2, 12))
    ratings = [(5, True, "Très concret"), (4, True, ""), (3, False, "Trop rapide")]
    for rating, useful, comment in ratings:
        registration = RegistrationFactory(session=session, attended=True)
        Feedback.objects.create(
            registration=registration, rating=rating, useful=useful, comment=comment
        )
    RegistrationFactory(session=session, name="Zoé Attente", status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, name="Paul Parti", status=RegistrationStatus.CANCELLED)
    response = client_for(reader).get(url("session_detail", office, session.pk))
    assert response.status_code == 200
    feedback = response.context["feedback"]
    assert (feedback.count, feedback.average, feedback.useful_percent) == (3, 4.0, 67)
    assert feedback.comments == ["Très concret", "Trop rapide"]
    assert len(response.context["confirmed"]) == 3
    assert [r.name for r in response.context["waiting"]] == ["Zoé Attente"]
    assert [r.name for r in response.context["cancelled"]] == ["Paul Parti"]
    html = response.content.decode()
    assert "67 %" in html
    # Read-only: no action buttons.
    assert "Désinscrire" not in html and "Annuler la séance" not in html


# --- Publish and cancel ------------------------------------------------------------------


def test_publish_a_draft(client_for, animator, reader, office):
    session = SessionFactory(office=office, status=SessionStatus.DRAFT)
    assert client_for(reader).post(url("session_publish", office, session.pk)).status_code == 403
    response = client_for(animator).post(url("session_publish", office, session.pk))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


def test_publish_refuses_a_cancelled_session(client_for, animator, office):
    session = SessionFactory(office=office, status=SessionStatus.CANCELLED)
    client_for(animator).post(url("session_publish", office, session.pk))
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_cancel_a_session_tells_the_registrants(client_for, animator, office):
    session = SessionFactory(office=office)
    RegistrationFactory.create_batch(2, session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    response = client_for(animator).post(
        url("session_cancel", office, session.pk), {"reason": "Intervenant malade"}, follow=True
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_reason == "Intervenant malade"
    assert len(mail.outbox) == 3
    assert "3 personnes ont été prévenues" in response.content.decode()


def test_cancel_needs_a_reason(client_for, animator, reader, office):
    session = SessionFactory(office=office)
    assert (
        client_for(reader)
        .post(url("session_cancel", office, session.pk), {"reason": "x"})
        .status_code
        == 403
    )
    client_for(animator).post(url("session_cancel", office, session.pk), {"reason": ""})
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


def test_get_on_post_actions_is_refused(client_for, animator, office):
    session = SessionFactory(office=office)
    assert client_for(animator).get(url("session_cancel", office, session.pk)).status_code == 405


# --- Registrations by the staff ----------------------------------------------------------


def test_staff_registers_a_provider(client_for, animator, office):
    session = SessionFactory(office=office, status=SessionStatus.DRAFT)
    provider = ProviderFactory(office=office, contact_name="Jeanne Gîte", email="j@gite.example")
    response = client_for(animator).post(
        url("session_register", office, session.pk), {"provider": provider.pk}
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.provider == provider
    assert registration.name == "Jeanne Gîte"
    assert registration.email == "j@gite.example"
    assert registration.source == RegistrationSource.STAFF
    assert registration.status == RegistrationStatus.CONFIRMED
    assert len(mail.outbox) == 1


def test_staff_registration_goes_to_the_waiting_list_when_full(client_for, animator, office):
    session = SessionFactory(office=office, capacity=1)
    RegistrationFactory(session=session)
    provider = ProviderFactory(office=office)
    client_for(animator).post(
        url("session_register", office, session.pk), {"provider": provider.pk}
    )
    assert Registration.objects.get(provider=provider).status == RegistrationStatus.WAITING


def test_staff_registration_needs_an_email(client_for, animator, office):
    session = SessionFactory(office=office)
    provider = ProviderFactory(office=office, email="")
    response = client_for(animator).post(
        url("session_register", office, session.pk), {"provider": provider.pk}, follow=True
    )
    assert not Registration.objects.exists()
    assert "pas d&#x27;adresse e-mail" in response.content.decode()


def test_staff_cannot_register_another_offices_provider(
    client_for, animator, reader, office, other_office
):
    session = SessionFactory(office=office)
    foreign = ProviderFactory(office=other_office)
    client_for(animator).post(url("session_register", office, session.pk), {"provider": foreign.pk})
    assert not Registration.objects.exists()
    own = ProviderFactory(office=office)
    assert (
        client_for(reader)
        .post(url("session_register", office, session.pk), {"provider": own.pk})
        .status_code
        == 403
    )


def test_staff_registration_refused_on_a_cancelled_session(client_for, animator, office):
    session = SessionFactory(office=office, status=SessionStatus.CANCELLED)
    provider = ProviderFactory(office=office)
    response = client_for(animator).post(
        url("session_register", office, session.pk), {"provider": provider.pk}, follow=True
    )
    assert not Registration.objects.exists()
    assert "annulée" in response.content.decode()


def test_cancel_a_registration_promotes_the_waiting_list(client_for, animator, office):
    session = SessionFactory(office=office, capacity=1)
    first = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    response = client_for(animator).post(
        url("registration_cancel", office, session.pk, first.pk), follow=True
    )
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert "passe de la liste d&#x27;attente aux inscrits" in response.content.decode()


def test_cancel_a_registration_of_another_session_is_404(
    client_for, animator, office, other_office
):
    session = SessionFactory(office=office)
    other_session = SessionFactory(office=office, title="Autre")
    registration = RegistrationFactory(session=other_session)
    foreign = RegistrationFactory(session=SessionFactory(office=other_office))
    client = client_for(animator)
    assert (
        client.post(url("registration_cancel", office, session.pk, registration.pk)).status_code
        == 404
    )
    assert (
        client.post(url("registration_cancel", office, session.pk, foreign.pk)).status_code == 404
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_reader_cannot_cancel_a_registration(client_for, reader, office):
    session = SessionFactory(office=office)
    registration = RegistrationFactory(session=session)
    response = client_for(reader).post(
        url("registration_cancel", office, session.pk, registration.pk)
    )
    assert response.status_code == 403


def test_more_places_promote_the_waiting_list(client_for, animator, office):
    session = SessionFactory(office=office, capacity=1, video_url="https://visio.example.org/a")
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    response = client_for(animator).post(
        url("session_edit", office, session.pk),
        form_data(session.theme, video_url=session.video_url, capacity="2"),
        follow=True,
    )
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert len(mail.outbox) == 1
    assert "1 personne passe de la liste d&#x27;attente aux inscrits." in response.content.decode()


def test_capacity_cannot_drop_below_the_registrations(client_for, animator, office):
    session = SessionFactory(office=office, capacity=5, video_url="https://visio.example.org/a")
    RegistrationFactory.create_batch(3, session=session)
    response = client_for(animator).post(
        url("session_edit", office, session.pk),
        form_data(session.theme, video_url=session.video_url, capacity="2"),
    )
    assert response.status_code == 200
    assert "3 personnes sont déjà inscrites" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 5
