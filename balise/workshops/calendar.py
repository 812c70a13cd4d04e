"""iCalendar files (RFC 5545): one session for a registrant's calendar, the office's feed
of upcoming published sessions, one individual appointment.

Times are written in the installation's time zone (``settings.TIME_ZONE``, Europe/Paris)
with its VTIMEZONE, so calendars show the right hour on both sides of a change of summer
time. UIDs are stable (``session-<id>@<host>``, ``rdv-<id>@<host>``): importing the file
again, or the feed refreshing, updates the event instead of duplicating it; a cancelled
session or appointment keeps its UID with ``STATUS:CANCELLED`` so calendars remove it.
"""

import zoneinfo
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Appointment, AppointmentStatus, Registration, Session, SessionStatus

PRODID = "-//Balise//Ateliers//FR"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "balise.invalid"


def _tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _local(value):
    return timezone.localtime(value, _tz())


def session_uid(session: Session) -> str:
    return f"session-{session.pk}@{_host()}"


def _calendar(name: str = "", *, method: str = "PUBLISH") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def session_location(session: Session) -> str:
    """The venue's name and address, or the video link for an online session."""
    if session.venue_id:
        venue = session.venue
        return ", ".join(part for part in (venue.name, venue.address) if part)
    if session.video_url:
        return session.video_url
    return ""


def _session_event(session: Session, *, registration: Registration | None = None):
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _local(session.starts_at))
    event.add("dtend", _local(session.ends_at))
    event.add("summary", session.display_title)
    location = session_location(session)
    if location:
        event.add("location", location)
    lines = []
    if session.theme.description:
        lines.append(session.theme.description)
    if session.trainer:
        lines.append(_("Intervenant : %(name)s") % {"name": session.trainer})
    if session.video_url:
        lines.append(_("Lien de visioconférence : %(url)s") % {"url": session.video_url})
    if registration is not None:
        link = settings.SITE_URL + reverse("ateliers:registration", args=[registration.token])
        lines.append(_("Votre inscription (annuler, donner votre avis) : %(url)s") % {"url": link})
    url = settings.SITE_URL + reverse("ateliers:session", args=[session.office.slug, session.pk])
    event.add("url", url)
    if lines:
        event.add("description", "\n\n".join(lines))
    if session.office.email:
        organizer = icalendar.vCalAddress(f"mailto:{session.office.email}")
        organizer.params["cn"] = session.office.name
        event.add("organizer", organizer)
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # A later change (cancellation) must win over the copy already in the calendar.
    event.add("sequence", 1 if cancelled else 0)
    return event


def _to_bytes(cal: icalendar.Calendar) -> bytes:
    cal.add_missing_timezones()
    return cal.to_ical()


def session_ics(session: Session, *, registration: Registration | None = None) -> bytes:
    """One session as an .ics file; with ``registration``, its personal link inside."""
    with translation.override(settings.LANGUAGE_CODE):
        cal = _calendar()
        cal.add_component(_session_event(session, registration=registration))
    return _to_bytes(cal)


def feed_sessions(office):
    """The office's published sessions still to come, in date order."""
    return (
        Session.objects.published()
        .filter(office=office, ends_at__gt=timezone.now())
        .select_related("office", "theme", "venue")
        .order_by("starts_at", "pk")
    )


def programme_feed(office) -> bytes:
    """The office's programme as a calendar feed (published sessions still to come)."""
    with translation.override(settings.LANGUAGE_CODE):
        cal = _calendar(_("Ateliers — %(office)s") % {"office": office.name})
        for session in feed_sessions(office):
            cal.add_component(_session_event(session))
    return _to_bytes(cal)


def appointment_uid(appointment: Appointment) -> str:
    return f"rdv-{appointment.pk}@{_host()}"


def appointment_ics(appointment: Appointment) -> bytes:
    """An individual appointment as an .ics file.

    A cancelled appointment gives the cancellation of the same event (``METHOD:CANCEL``,
    ``STATUS:CANCELLED``, same UID, higher ``SEQUENCE``): opening it removes the event the
    booking's file put in the person's calendar.
    """
    slot = appointment.slot
    office = appointment.office
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    with translation.override(settings.LANGUAGE_CODE):
        cal = _calendar(method="CANCEL" if cancelled else "PUBLISH")
        event = icalendar.Event()
        event.add("uid", appointment_uid(appointment))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", _local(slot.starts_at))
        event.add("dtend", _local(slot.ends_at))
        event.add("summary", _("Rendez-vous numérique — %(office)s") % {"office": office.name})
        location = slot.place or slot.video_url
        if location:
            event.add("location", location)
        link = settings.SITE_URL + reverse("ateliers:appointment", args=[appointment.token])
        if cancelled:
            description = _("Rendez-vous annulé. Votre page : %(url)s") % {"url": link}
        else:
            description = _("Votre rendez-vous (annuler) : %(url)s") % {"url": link}
        event.add("description", description)
        if office.email:
            organizer = icalendar.vCalAddress(f"mailto:{office.email}")
            organizer.params["cn"] = office.name
            event.add("organizer", organizer)
        if cancelled:
            # RFC 5546 names who the cancellation is for; calendars that follow it
            # ignore a CANCEL without an attendee.
            attendee = icalendar.vCalAddress(f"mailto:{appointment.email}")
            attendee.params["cn"] = appointment.name
            event.add("attendee", attendee)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        # The cancellation must win over the copy already in the calendar.
        event.add("sequence", 1 if cancelled else 0)
        cal.add_component(event)
    return _to_bytes(cal)
