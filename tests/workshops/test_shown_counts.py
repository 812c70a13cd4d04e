"""Every count a workshop page shows equals a direct count of the rows it names.

Each session here has several invitations, several confirmed, waiting and cancelled
registrations: a count annotated over two joins at once (invitations and registrations)
would multiply one by the other, which one row on either side never shows.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from balise.api.models import ApiToken
from balise.workshops.models import Registration, RegistrationStatus, SessionInvitation

from .factories import (
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
)

# (invitations, confirmed, waiting, cancelled) of each session of the programme
SHAPES = [(3, 4, 2, 1), (5, 2, 3, 2), (2, 6, 1, 0)]


@pytest.fixture
def sessions(office):
    programme = ProgrammeFactory(office=office)
    made = []
    for invited, confirmed, waiting, cancelled in SHAPES:
        session = SessionFactory(office=office, programme=programme, capacity=6)
        SessionInvitationFactory.create_batch(invited, session=session)
        RegistrationFactory.create_batch(confirmed, session=session)
        RegistrationFactory.create_batch(
            waiting, session=session, status=RegistrationStatus.WAITING
        )
        RegistrationFactory.create_batch(
            cancelled, session=session, status=RegistrationStatus.CANCELLED
        )
        made.append(session)
    return made


def direct(session) -> dict:
    """The figures counted one table at a time, as a person would count the lists."""
    registrations = Registration.objects.filter(session=session)
    confirmed = registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    return {
        "invited": SessionInvitation.objects.filter(session=session).count(),
        "confirmed": confirmed,
        "waiting": registrations.filter(status=RegistrationStatus.WAITING).count(),
        "places_left": max(session.capacity - confirmed, 0),
    }


def text_of(response) -> str:
    """The page's text on one line: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def test_programme_page_shows_each_session_invitees_and_registrants(
    client_for, office, reader, sessions
):
    programme = sessions[0].programme
    url = reverse("workshops:programme_detail", args=[office.slug, programme.pk])
    text = text_of(client_for(reader).get(url))
    for session in sessions:
        figures = direct(session)
        shown = (
            plural(figures["invited"], "prestataire invité", "prestataires invités")
            + " · "
            + plural(figures["confirmed"], "inscrit", "inscrits")
        )
        assert shown in text
    total = sum(direct(session)["invited"] for session in sessions)
    assert f"{total} invitations prévues" in text


def test_home_and_session_list_show_registrants_waiting_and_places_left(
    client_for, office, reader, sessions
):
    client = client_for(reader)
    home = client.get(reverse("workshops:home", args=[office.slug]))
    listed = client.get(reverse("workshops:session_list", args=[office.slug]))
    for page in (home, listed):
        rows = {s.pk: s for s in page.context["upcoming" if page is home else "sessions"]}
        for session in sessions:
            figures = direct(session)
            row = rows[session.pk]
            assert row.confirmed == figures["confirmed"]
            if page is listed:
                assert row.waiting == figures["waiting"]
            else:
                assert row.places_left == figures["places_left"]
    text = text_of(listed)
    for session in sessions:
        figures = direct(session)
        assert f"{figures['confirmed']} / {session.capacity} {figures['waiting']}" in text


def test_public_programme_shows_places_left(client, office, sessions):
    page = client.get(reverse("ateliers:programme", args=[office.slug]))
    shown = {s.pk: s.places_left for s in page.context["sessions"]}
    assert shown == {s.pk: direct(s)["places_left"] for s in sessions}
    one = client.get(reverse("ateliers:session", args=[office.slug, sessions[1].pk]))
    assert one.context["places_left"] == direct(sessions[1])["places_left"]


def test_api_sessions_give_registrants_waiting_and_places_left(office, animator, sessions):
    _token, raw = ApiToken.issue(user=animator, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    base = f"/api/v1/offices/{office.slug}/workshop-sessions"
    items = {item["id"]: item for item in api.get(base).json()["items"]}
    for session in sessions:
        figures = direct(session)
        for item in (items[session.pk], api.get(f"{base}/{session.pk}").json()):
            assert (item["confirmed"], item["waiting"], item["places_left"]) == (
                figures["confirmed"],
                figures["waiting"],
                figures["places_left"],
            )
