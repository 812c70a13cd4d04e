"""The demo's workshops: a past programme with its history, an upcoming one, appointments.

The demo is built once for the module inside a transaction rolled back at the end; the
tests read it (page views run inside their own savepoint).
"""

import hashlib
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from balise.demo.builder import build_demo, reset_demo
from balise.demo.workshops import PAST_NAME, UPCOMING_NAME, upcoming_period
from balise.offices.models import User
from balise.workshops import progress
from balise.workshops.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    CandidateSlot,
    Feedback,
    Programme,
    ProgrammeStatus,
    Registration,
    RegistrationStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    ThemeAlert,
    Venue,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db

HV = "haut-vallon"
VA = "val-d-arre"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        mail.outbox = []
        result = build_demo()
        result.sent = len(mail.outbox)  # what the build e-mailed: nothing
        yield result
        transaction.set_rollback(True)


def login(client, email: str):
    client.force_login(
        User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def programme(office: str, name: str) -> Programme:
    return Programme.objects.get(office__slug=office, name=name)


def digest() -> str:
    """Everything the step draws: sessions, invitees, registrations, attendance, feedback."""
    sessions = Session.objects.order_by("office__slug", "starts_at", "theme__code").values_list(
        "office__slug", "programme__name", "theme__code", "starts_at", "venue__name", "capacity"
    )
    invitations = SessionInvitation.objects.order_by(
        "session__starts_at", "session__theme__code", "provider__normalized_name"
    ).values_list("session__starts_at", "provider__normalized_name", "sent_at")
    registrations = Registration.objects.order_by(
        "session__starts_at", "session__theme__code", "email"
    ).values_list("session__starts_at", "email", "status", "attended")
    feedback = Feedback.objects.order_by(
        "registration__session__starts_at", "registration__email"
    ).values_list("registration__email", "rating", "comment")
    appointments = Appointment.objects.order_by("slot__starts_at").values_list(
        "slot__starts_at", "email"
    )
    rows = [list(q) for q in (sessions, invitations, registrations, feedback, appointments)]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_each_office_gets_its_catalogue_settings_rooms_and_no_email_leaves(demo):
    assert demo.sent == 0
    for slug, rooms in ((HV, 3), (VA, 2)):
        assert Venue.objects.filter(office__slug=slug).count() == rooms
        settings = WorkshopSettings.objects.get(office__slug=slug)
        assert settings.high_season["hebergement"] == [7, 8]
        assert settings.signature
    assert set(Venue.objects.filter(office__slug=HV).values_list("capacity", flat=True)) == {
        12,
        16,
        10,
    }
    counts = demo.counts[HV]
    assert counts["séances"] == Session.objects.filter(office__slug=HV).count()
    assert counts["rendez-vous réservés"] == 3
    # « Prévenez-moi » on themes with nothing planned, so the report offers that step too.
    alerts = ThemeAlert.objects.filter(office__slug=HV)
    assert counts["demandes « prévenez-moi »"] == alerts.count() > 0
    assert not Session.objects.filter(
        theme__in=alerts.values("theme"), starts_at__gt=timezone.now()
    ).exists()


def test_past_programme_was_held_with_attendance_and_feedback(demo):
    past = programme(HV, PAST_NAME)
    assert past.status == ProgrammeStatus.PUBLISHED
    assert past.campaign.name == "Diagnostic numérique 2025"
    sessions = list(past.sessions.select_related("theme"))
    assert 12 <= len(sessions) <= 20
    for session in sessions:
        local = timezone.localtime(session.starts_at)
        assert date(2025, 10, 1) <= local.date() <= date(2026, 3, 31)
        assert local.month not in (7, 8)
        assert local.weekday() < 5
        assert session.status == SessionStatus.PUBLISHED
        assert session.why  # why the builder proposed it
    invitations = SessionInvitation.objects.filter(session__programme=past)
    assert invitations.filter(sent_at__isnull=False).count() >= 0.6 * invitations.count()
    assert not invitations.filter(sent_at__gte=past.sessions.order_by("starts_at")[0].starts_at)

    registrations = Registration.objects.filter(session__programme=past)
    for session in sessions:
        held = registrations.filter(session=session)
        assert held.exists(), session
        assert held.filter(attended__isnull=True).count() == 0  # the sheet was filled
        assert held.filter(status=RegistrationStatus.CONFIRMED).count() <= session.capacity
        assert not held.filter(created_at__gte=session.starts_at).exists()
    confirmed = registrations.filter(status=RegistrationStatus.CONFIRMED)
    present = confirmed.filter(attended=True).count()
    assert 0.7 <= present / confirmed.count() <= 0.92

    feedback = Feedback.objects.filter(registration__session__programme=past)
    assert feedback.count() >= 0.6 * present
    assert not feedback.filter(registration__attended=False).exists()
    assert feedback.filter(rating__gte=3).count() >= 0.85 * feedback.count()
    assert feedback.exclude(comment="").count() >= 5
    assert not feedback.filter(created_at__lt=timezone.make_aware(
        timezone.datetime(2025, 10, 1))).exists()  # fmt: skip


def test_progress_page_shows_attendees_progressing_more(demo, client):
    office = demo.offices[HV]
    before, after = progress.default_campaigns(office)
    results = progress.theme_progress(office=office, before=before, after=after)
    shown = [
        line
        for result in results
        for line in result.axes
        if not line.attendees.masked
        and not line.others.masked
        and line.attendees.count >= 5
        and line.others.count >= 5
    ]
    themes = {result.theme.code for result in results for line in result.axes if line in shown}
    assert len(themes) >= 3
    assert sum(1 for line in shown if line.difference > 0) >= 0.8 * len(shown)

    response = login(client, "animatrice@haut-vallon.demo").get(
        reverse("workshops:progress", args=[HV])
    )
    assert response.status_code == 200
    assert "Les participants à « " in response.content.decode()


def test_upcoming_programme_has_places_left_and_a_waiting_list(demo):
    upcoming = programme(HV, UPCOMING_NAME)
    start, end = upcoming_period(timezone.localdate())
    assert upcoming.status == ProgrammeStatus.PUBLISHED
    assert upcoming.campaign.name == "Diagnostic numérique 2026"
    assert (upcoming.starts_on, upcoming.ends_on) == (start, end)
    assert start >= max(date(2027, 1, 5), timezone.localdate() + timedelta(days=14))
    sessions = list(
        upcoming.sessions.annotate(
            confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
            waiting=Count("registrations", filter=Q(registrations__status="waiting")),
        )
    )
    assert 8 <= len(sessions) <= 20
    assert all(s.status == SessionStatus.PUBLISHED for s in sessions)
    assert all(start <= timezone.localdate(s.starts_at) <= end for s in sessions)
    full = [s for s in sessions if s.confirmed == s.capacity and s.waiting]
    with_places = [s for s in sessions if s.confirmed < s.capacity]
    assert 1 <= len(full) <= 3
    assert len(with_places) >= len(sessions) - 3
    invitations = SessionInvitation.objects.filter(session__programme=upcoming)
    sent = invitations.filter(sent_at__isnull=False)
    assert sent.count() > 0
    assert sent.exclude(reason="").count() >= 0.9 * sent.count()
    assert not sent.filter(Q(provider__marketing_consent=False) | Q(provider__email="")).exists()
    # Spring availability left for the next programme (the tour proposes it).
    assert CandidateSlot.objects.filter(office__slug=HV, starts_at__date__gt=end).count() >= 5


def test_no_session_holds_more_confirmed_registrations_than_places(demo):
    over = (
        Session.objects.annotate(
            confirmed=Count("registrations", filter=Q(registrations__status="confirmed"))
        )
        .filter(confirmed__gt=F("capacity"))
        .count()
    )
    assert over == 0
    waiting_with_room = Session.objects.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
        waiting=Count("registrations", filter=Q(registrations__status="waiting")),
    ).filter(waiting__gt=0, confirmed__lt=F("capacity"))
    assert not waiting_with_room.exists()


def test_appointment_slots_for_the_animatrice(demo):
    slots = AppointmentSlot.objects.filter(office__slug=HV)
    assert slots.count() == 12
    assert not slots.filter(starts_at__lte=timezone.now()).exists()
    assert all((slot.ends_at - slot.starts_at) == timedelta(hours=1) for slot in slots)
    assert set(slots.values_list("animator__email", flat=True)) == {"animatrice@haut-vallon.demo"}
    assert Appointment.objects.filter(office__slug=HV, status=AppointmentStatus.BOOKED).count() == 3
    # Val d'Arre: lighter, no past programme (its first diagnostic is the 2026 one).
    assert not Programme.objects.filter(office__slug=VA, name=PAST_NAME).exists()
    assert programme(VA, UPCOMING_NAME).sessions.count() >= 4
    assert Appointment.objects.filter(office__slug=VA).count() == 1


def test_staff_pages_render_for_the_animatrice(demo, client):
    login(client, "animatrice@haut-vallon.demo")
    past, upcoming = programme(HV, PAST_NAME), programme(HV, UPCOMING_NAME)
    held = past.sessions.order_by("starts_at").first()
    next_one = upcoming.sessions.order_by("starts_at").first()
    attendee = (
        Registration.objects.filter(session__programme=past, attended=True)
        .exclude(provider=None)
        .order_by("pk")
        .first()
    )
    pages = {
        reverse("workshops:home", args=[HV]): next_one.display_title,
        reverse("workshops:needs", args=[HV]): "Diagnostic numérique 2026",
        reverse("workshops:programme_list", args=[HV]): PAST_NAME,
        reverse("workshops:programme_detail", args=[HV, past.pk]): held.display_title,
        reverse("workshops:programme_detail", args=[HV, upcoming.pk]): next_one.display_title,
        reverse("workshops:session_detail", args=[HV, held.pk]): held.display_title,
        reverse("workshops:session_detail", args=[HV, next_one.pk]): next_one.display_title,
        reverse("workshops:session_list", args=[HV]): next_one.display_title,
        reverse("workshops:appointment_slots", args=[HV]): "Rendez-vous",
        reverse("workshops:journey", args=[HV, attendee.provider_id]): held.display_title,
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_elected_official_reads_and_other_offices_see_nothing(demo, client):
    past = programme(HV, PAST_NAME)
    url = reverse("workshops:programme_detail", args=[HV, past.pk])
    assert login(client, "elu@haut-vallon.demo").get(url).status_code == 200
    publish = reverse("workshops:programme_publish", args=[HV, past.pk])
    assert client.post(publish).status_code == 403
    assert login(client, "admin@val-d-arre.demo").get(url).status_code == 404


def test_public_programme_lists_the_upcoming_sessions(demo, client):
    response = client.get(reverse("ateliers:programme", args=[HV]))
    assert response.status_code == 200
    page = response.content.decode()
    for session in programme(HV, UPCOMING_NAME).sessions.all():
        url = reverse("ateliers:session", args=[HV, session.pk])
        assert url in page
    for session in programme(HV, PAST_NAME).sessions.all():
        assert reverse("ateliers:session", args=[HV, session.pk]) not in page


def test_same_seed_same_workshops(demo):
    first = digest()
    with transaction.atomic():
        reset_demo()
        build_demo()
        assert digest() == first
        transaction.set_rollback(True)
