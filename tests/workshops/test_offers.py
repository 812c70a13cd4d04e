"""The next step offered for each recommended theme: a session with places, else an
individual appointment, else « prévenez-moi », and never another office's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from balise.workshops.models import RegistrationStatus, SessionStatus
from balise.workshops.offers import ALERT, APPOINTMENT, SESSION, theme_offers

from .factories import AppointmentSlotFactory, RegistrationFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db

CODE = "google_business"


@pytest.fixture
def theme(office):
    return ThemeFactory(office=office, code=CODE)


def test_the_next_session_with_places_left(office, theme):
    later = SessionFactory(office=office, theme=theme)
    sooner = SessionFactory(
        office=office, theme=theme, starts_at=later.starts_at - datetime.timedelta(days=3)
    )
    SessionFactory(
        office=office,
        theme=theme,
        status=SessionStatus.DRAFT,
        starts_at=sooner.starts_at - datetime.timedelta(days=1),
    )
    offer = theme_offers(office, [CODE])[CODE]
    assert (offer.kind, offer.session) == (SESSION, sooner)
    assert offer.url.endswith(reverse("ateliers:session", args=[office.slug, sooner.pk]))


def test_a_full_session_is_skipped_for_the_next_one_with_places(office, theme):
    full = SessionFactory(office=office, theme=theme, capacity=2)
    RegistrationFactory.create_batch(2, session=full)
    RegistrationFactory(session=full, status=RegistrationStatus.WAITING)
    later = SessionFactory(
        office=office, theme=theme, starts_at=full.starts_at + datetime.timedelta(days=7)
    )
    assert theme_offers(office, [CODE])[CODE].session == later


def test_only_full_sessions_lead_to_an_appointment_when_slots_are_free(office, theme):
    full = SessionFactory(office=office, theme=theme, capacity=1)
    RegistrationFactory(session=full)
    AppointmentSlotFactory(office=office)
    offer = theme_offers(office, [CODE])[CODE]
    assert offer.kind == APPOINTMENT
    assert offer.url.endswith(
        reverse("ateliers:appointments", args=[office.slug]) + f"?theme={theme.pk}"
    )


def test_no_session_and_no_slot_lead_to_prevenez_moi(office, theme):
    past_slot = AppointmentSlotFactory(office=office)
    past_slot.starts_at = timezone.now() - datetime.timedelta(days=1)
    past_slot.ends_at = past_slot.starts_at + datetime.timedelta(hours=1)
    past_slot.save()
    offer = theme_offers(office, [CODE])[CODE]
    assert offer.kind == ALERT
    assert offer.url.endswith(reverse("ateliers:alert", args=[office.slug, CODE]))


def test_another_office_sessions_and_slots_are_never_offered(office, other_office, theme):
    SessionFactory(office=other_office, theme=ThemeFactory(office=other_office, code=CODE))
    AppointmentSlotFactory(office=other_office)
    offer = theme_offers(office, [CODE])[CODE]
    assert offer.kind == ALERT and f"/ateliers/{office.slug}/" in offer.url


def test_the_office_catalogue_is_copied_when_a_theme_is_missing(office):
    offer = theme_offers(office, ["creer_site"])["creer_site"]
    assert offer.kind == ALERT
    assert theme_offers(office, ["pas_un_theme"]) == {}


def test_a_retired_theme_offers_an_appointment_or_nothing(office):
    ThemeFactory(office=office, code=CODE, active=False)
    assert theme_offers(office, [CODE]) == {}
    AppointmentSlotFactory(office=office)
    assert theme_offers(office, [CODE])[CODE].kind == APPOINTMENT


@pytest.mark.parametrize("count", [1, 3])
def test_query_count_does_not_grow_with_themes(office, django_assert_num_queries, count):
    codes = [f"theme_{n}" for n in range(count)]
    for code in codes:
        SessionFactory(office=office, theme=ThemeFactory(office=office, code=code))
    with django_assert_num_queries(3):
        assert len(theme_offers(office, codes)) == count
