"""What the printed study says the office proposes: its coming workshops, by theme."""

import datetime as dt

import pytest
from django.utils import timezone

from balise.insights.proposal import office_proposal
from balise.workshops.models import ProgrammeStatus, SessionStatus
from tests.workshops.factories import ProgrammeFactory, SessionFactory, ThemeFactory, VenueFactory

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def test_the_published_programme_running_gives_its_coming_sessions_by_theme(office):
    programme = ProgrammeFactory(office=office, name="Hiver", status=ProgrammeStatus.PUBLISHED)
    google = ThemeFactory(office=office, code="google", title="Ma fiche Google")
    avis = ThemeFactory(office=office, code="avis", title="Répondre aux avis")
    hall = VenueFactory(office=office, name="Médiathèque")
    for days, theme in ((10, avis), (3, google), (20, google), (30, google), (40, google)):
        SessionFactory(
            office=office, programme=programme, theme=theme, starts_at=in_days(days), venue=hall
        )
    SessionFactory(office=office, programme=programme, theme=avis, starts_at=in_days(-5))
    cancelled = SessionFactory(office=office, programme=programme, theme=avis)
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    # Another programme's sessions, and a draft, are not what this programme proposes.
    SessionFactory(office=office, theme=avis, starts_at=in_days(6))
    proposal = office_proposal(office=office)
    assert proposal.programme == "Hiver" and proposal.sessions == 5
    assert [theme.title for theme in proposal.themes] == ["Ma fiche Google", "Répondre aux avis"]
    first = proposal.themes[0]
    assert len(first.sessions) == 3 and first.more == 1
    assert first.sessions[0].endswith(", Médiathèque")


def test_without_a_programme_the_published_sessions_to_come_and_else_nothing(office):
    assert office_proposal(office=office) is None
    ProgrammeFactory(office=office, status=ProgrammeStatus.DRAFT)
    SessionFactory(office=office, status=SessionStatus.DRAFT, starts_at=in_days(4))
    assert office_proposal(office=office) is None
    SessionFactory(office=office, starts_at=in_days(8), video_url="https://visio.example/a")
    proposal = office_proposal(office=office)
    assert proposal.programme == "" and proposal.sessions == 1
    assert proposal.themes[0].sessions[0].endswith(", en ligne")
