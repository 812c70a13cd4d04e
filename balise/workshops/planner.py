"""The programme builder's optimiser: which theme in which slot, and whom to invite.

Pure: it takes plain data (:class:`Problem`) and returns a :class:`Proposal`; it never
touches the database (``balise/workshops/planning.py`` builds the problem from the needs and
saves the proposal). OR-Tools CP-SAT is used when installed (the ``planner`` extra), a
greedy heuristic otherwise; both honour the same hard constraints:

- a slot hosts at most one session; a theme at most ``max_sessions_per_theme`` sessions;
- a session invites at most min(theme capacity, venue capacity) providers; online themes
  (webinaire) may use a slot without a venue, other formats need a venue;
- a provider is invited only to themes they need, never in a month blocked for them
  (high season of their category), never to two sessions that overlap in time, never twice
  to the same theme;
- level progression: when a theme and its prerequisite are both scheduled, the first
  session of the prerequisite comes before the first session of the theme.

The objective is the weighted needs covered: the sum over invitations of the provider's
need weight for the theme, times a preference factor (1 when the slot's month and time of
day suit the provider's stated preferences or they stated none, ``PREFERENCE_MISS`` else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

PREFERENCE_MISS = 0.6


@dataclass(frozen=True)
class PlanTheme:
    code: str
    title: str
    capacity: int
    duration_minutes: int
    online: bool = False  # webinaire: runs without a venue
    level_rank: int = 0  # 0 débutant, 1 intermédiaire, 2 avancé
    prerequisite: str | None = None  # code of the theme to run before this one


@dataclass(frozen=True)
class PlanSlot:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue_id: int | None = None
    venue_capacity: int | None = None  # None: no venue (online only)


@dataclass(frozen=True)
class PlanProvider:
    id: int
    category_group: str
    needs: Mapping[str, float]  # theme code → weight (> 0)
    months: frozenset[int] = frozenset()  # preferred months, empty = no preference
    moments: frozenset[str] = frozenset()  # "matin", "midi", "apres_midi", "soir"
    blocked_months: frozenset[int] = frozenset()  # high season of the category


@dataclass(frozen=True)
class Problem:
    themes: list[PlanTheme]
    slots: list[PlanSlot]
    providers: list[PlanProvider]
    max_sessions_per_theme: int = 2
    max_sessions: int | None = None  # None: as many as there are usable slots


@dataclass
class PlannedSession:
    slot_id: int
    theme_code: str
    invitees: list[int]  # provider ids
    weight: float  # weighted needs covered by this session
    # Why it is there, as facts the page turns into a sentence: counts of invitees who asked
    # for the theme, who have the gap, how many match the month / time preferences.
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Proposal:
    sessions: list[PlannedSession]
    needs_total: int  # (provider, theme) pairs with a need
    needs_covered: int  # of which invited to a session
    weight_total: float
    weight_covered: float
    solver: str  # "cp-sat" or "greedy"
    status: str  # "optimal", "feasible", "heuristic"
    seconds: float


def moment_of(when: dt.datetime) -> str:
    """The time of day a slot starts in, in the questionnaire's words."""
    hour = when.hour
    if hour < 12:
        return "matin"
    if hour < 14:
        return "midi"
    if hour < 18:
        return "apres_midi"
    return "soir"


def propose(problem: Problem, *, solver: str = "auto", time_limit: float = 8.0) -> Proposal:
    """Propose a programme for ``problem``.

    ``solver`` is "auto" (CP-SAT when OR-Tools is importable, else greedy), "cp-sat" or
    "greedy". ``time_limit`` bounds the CP-SAT search in seconds; the greedy solution is
    always computed first and given to CP-SAT as a hint, so the result is never worse.
    """
    raise NotImplementedError
