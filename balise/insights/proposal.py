"""What the office proposes after a study: its coming workshop sessions, by theme.

The printed study closes its one-page summary with it, so that elected officials read
the answer next to the findings: the programme being run (the published one that has
not ended yet), or failing that the published sessions to come.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from balise.offices.models import Office
from balise.workshops.models import Programme, ProgrammeStatus, Session

# The summary holds one page: this many themes at most, each with its first dates.
THEMES_SHOWN = 8
DATES_SHOWN = 3


@dataclass
class ProposedTheme:
    title: str
    sessions: list[str] = field(default_factory=list)  # "12 janvier, Médiathèque"
    more: int = 0  # sessions of the theme not listed


@dataclass
class Proposal:
    programme: str  # the programme's name, empty for sessions outside one
    period: str  # "du 5 janvier 2027 au 5 avril 2027", empty without a programme
    sessions: int
    themes: list[ProposedTheme]
    more_themes: int = 0


def _session_text(session: Session) -> str:
    day = date_format(timezone.localtime(session.starts_at), "j F")
    if session.is_online:
        return _("%(day)s, en ligne") % {"day": day}
    if session.venue is not None:
        return _("%(day)s, %(place)s") % {"day": day, "place": session.venue.name}
    return day


def office_proposal(*, office: Office, now: dt.datetime | None = None) -> Proposal | None:
    """The office's workshop sessions to come, by theme in order of their first date, or
    None when none is published. Read-only (two queries)."""
    now = now or timezone.now()
    programme = (
        Programme.objects.filter(
            office=office, status=ProgrammeStatus.PUBLISHED, ends_on__gte=now.date()
        )
        .order_by("starts_on", "pk")
        .first()
    )
    sessions = Session.objects.published().filter(office=office, starts_at__gte=now)
    if programme is not None:
        sessions = sessions.filter(programme=programme)
    sessions = list(sessions.select_related("theme", "venue").order_by("starts_at", "pk"))
    if not sessions:
        return None
    themes: dict[int, ProposedTheme] = {}
    for session in sessions:
        theme = themes.setdefault(session.theme_id, ProposedTheme(title=session.theme.title))
        if len(theme.sessions) < DATES_SHOWN:
            theme.sessions.append(_session_text(session))
        else:
            theme.more += 1
    listed = list(themes.values())
    period = ""
    if programme is not None:
        period = _("du %(start)s au %(end)s") % {
            "start": date_format(programme.starts_on, "DATE_FORMAT"),
            "end": date_format(programme.ends_on, "DATE_FORMAT"),
        }
    return Proposal(
        programme=programme.name if programme is not None else "",
        period=period,
        sessions=len(sessions),
        themes=listed[:THEMES_SHOWN],
        more_themes=max(0, len(listed) - THEMES_SHOWN),
    )
