"""iCalendar files: one session, the programme feed, an appointment."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.utils import timezone

from balise.workshops import calendar
from balise.workshops.models import SessionStatus

from .factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def events(data: bytes):
    cal = icalendar.Calendar.from_ical(data)
    return cal, list(cal.walk("VEVENT"))


def a_session(office, **kwargs):
    # 14:00 in Paris on a summer day (UTC+2) and a winter day (UTC+1) alike.
    start = datetime.datetime(timezone.now().year + 1, 7, 2, 14, 0, tzinfo=PARIS)
    defaults = {
        "office": office,
        "title": "Ma fiche Google en 2 h",
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=2),
        "venue": VenueFactory(office=office, name="Médiathèque", address="1 rue Haute"),
    }
    return SessionFactory(**(defaults | kwargs))


def test_session_ics_has_paris_time_summary_location_and_a_stable_uid(office):
    session = a_session(office)
    registration = RegistrationFactory(session=session)
    cal, (event,) = events(calendar.session_ics(session, registration=registration))
    assert str(cal["version"]) == "2.0"
    start = event.decoded("dtstart")
    assert start == datetime.datetime(session.starts_at.year, 7, 2, 14, 0, tzinfo=PARIS)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert start.utcoffset() == datetime.timedelta(hours=2)
    assert event.decoded("dtend") - start == datetime.timedelta(hours=2)
    assert str(event["summary"]) == "Ma fiche Google en 2 h"
    assert str(event["location"]) == "Médiathèque, 1 rue Haute"
    assert str(event["status"]) == "CONFIRMED"
    assert registration.token in str(event["description"])
    assert str(event["uid"]) == f"session-{session.pk}@127.0.0.1"
    _cal, (again,) = events(calendar.session_ics(session))
    assert str(again["uid"]) == str(event["uid"])
    assert any(tz["tzid"] == "Europe/Paris" for tz in cal.walk("VTIMEZONE"))


def test_winter_session_is_at_utc_plus_one(office):
    start = datetime.datetime(timezone.now().year + 1, 1, 15, 9, 30, tzinfo=PARIS)
    session = a_session(office, starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    _cal, (event,) = events(calendar.session_ics(session))
    assert event.decoded("dtstart").hour == 9
    assert event.decoded("dtstart").utcoffset() == datetime.timedelta(hours=1)


def test_online_session_location_is_the_video_link(office):
    session = a_session(office, venue=None, video_url="https://visio.example/atelier")
    _cal, (event,) = events(calendar.session_ics(session))
    assert str(event["location"]) == "https://visio.example/atelier"


def test_a_cancelled_session_says_so_with_the_same_uid(office):
    session = a_session(office, status=SessionStatus.CANCELLED)
    _cal, (event,) = events(calendar.session_ics(session))
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == calendar.session_uid(session)


def test_feed_has_the_published_sessions_to_come_of_this_office_only(office, other_office):
    shown = a_session(office, title="Publiée")
    a_session(office, title="Brouillon", status=SessionStatus.DRAFT)
    a_session(office, title="Annulée", status=SessionStatus.CANCELLED)
    past = timezone.now() - datetime.timedelta(days=3)
    a_session(office, title="Passée", starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    SessionFactory(office=other_office, title="Ailleurs")
    cal, found = events(calendar.programme_feed(office))
    assert [str(e["summary"]) for e in found] == ["Publiée"]
    assert str(found[0]["uid"]) == calendar.session_uid(shown)
    assert "Haut-Vallon" in str(cal["x-wr-calname"])


def test_appointment_ics(office):
    appointment = AppointmentFactory(slot=AppointmentSlotFactory(office=office, place="Bureau 2"))
    _cal, (event,) = events(calendar.appointment_ics(appointment))
    assert str(event["location"]) == "Bureau 2"
    assert event.decoded("dtstart") == appointment.slot.starts_at
    assert appointment.token in str(event["description"])
