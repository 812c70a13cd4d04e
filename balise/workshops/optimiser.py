"""The programme builder's optimiser: which theme in which slot, and whom to invite.

Pure: it takes plain data (:class:`Problem`) and returns a :class:`Proposal`; it never
touches the database (``balise/workshops/programmes.py`` builds the problem from the needs and
saves the proposal). OR-Tools CP-SAT is used when installed (the ``planner`` extra), a
greedy heuristic otherwise; both honour the same hard constraints:

- a slot hosts at most one session; a theme at most ``max_sessions_per_theme`` sessions;
- a session invites at most min(theme capacity, venue capacity) providers; online themes
  (webinaire) may use a slot without a venue, other formats need a venue;
- a provider is invited only to themes they need, never in a month blocked for them
  (high season of their category), never to two sessions that overlap in time, never twice
  to the same theme;
- level progression: when a theme and its prerequisite are both scheduled, the first
  session of the prerequisite comes before the first session of the theme (it has ended
  by the time the theme's first session starts).

A session lasts from its slot's start to the slot's end, or longer when the theme's
``duration_minutes`` exceeds the slot (see :func:`session_interval`); months and times of
day are read from ``starts_at`` as given, so the caller passes local times. At most
``max_sessions`` sessions in all (None: no limit but the slots). Only the problem's themes
count: needs for other theme codes, or with a weight ≤ 0, are ignored.

The objective is the weighted needs covered: the sum over invitations of the provider's
need weight for the theme, times a preference factor (1 when the slot's month and time of
day suit the provider's stated preferences or they stated none, ``PREFERENCE_MISS`` else).

``PlannedSession.reasons`` counts the invitees who asked for the theme ("asked", from
``PlanProvider.asked``) or only have the gap ("gap"), and those whose stated preferred
months / times of day include the slot's ("preferred_month", "preferred_moment"; providers
with no stated preference are not counted there).
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Iterable, Mapping
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
    asked: frozenset[str] = frozenset()  # theme codes they asked for; other needs are gaps


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


# --------------------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------------------

SOLVERS = ("auto", "cp-sat", "greedy")
SCALE = 1000  # CP-SAT works on integers: weights are scaled by this factor
_EPS = 1e-9


def _cp_model():
    """OR-Tools' CP-SAT module, or None when the ``planner`` extra is not installed."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return None
    return cp_model


def preference_factor(provider: PlanProvider, slot: PlanSlot) -> float:
    """1 when the slot's month and time of day suit ``provider`` (or they stated no
    preference), ``PREFERENCE_MISS`` otherwise."""
    month_ok = not provider.months or slot.starts_at.month in provider.months
    moment_ok = not provider.moments or moment_of(slot.starts_at) in provider.moments
    return 1.0 if month_ok and moment_ok else PREFERENCE_MISS


def session_capacity(theme: PlanTheme, slot: PlanSlot) -> int:
    """How many providers a session of ``theme`` in ``slot`` may invite; 0 when it cannot
    run there (a theme that is not online needs a venue)."""
    has_venue = slot.venue_id is not None and slot.venue_capacity is not None
    if not has_venue:
        return max(theme.capacity, 0) if theme.online else 0
    return max(min(theme.capacity, slot.venue_capacity), 0)


def session_interval(theme: PlanTheme, slot: PlanSlot) -> tuple[dt.datetime, dt.datetime]:
    """The time a session of ``theme`` in ``slot`` holds its invitees: from the slot's start
    to its end, or longer when the theme lasts longer than the slot."""
    end = max(slot.ends_at, slot.starts_at + dt.timedelta(minutes=theme.duration_minutes))
    return slot.starts_at, end


def needs_of(problem: Problem) -> dict[tuple[int, str], float]:
    """The (provider id, theme code) pairs with a positive need, for the problem's themes."""
    codes = {theme.code for theme in problem.themes}
    return {
        (provider.id, code): weight
        for provider in problem.providers
        for code, weight in provider.needs.items()
        if code in codes and weight > 0
    }


class _Model:
    """The problem in index form, sorted so that every result is deterministic: themes by
    code, slots by start then id, providers by id. Holds, for every usable (theme, slot),
    the eligible providers best first."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.themes = sorted({t.code: t for t in problem.themes}.values(), key=lambda t: t.code)
        self.slots = sorted(
            {s.id: s for s in problem.slots}.values(), key=lambda s: (s.starts_at, s.id)
        )
        self.providers = sorted({p.id: p for p in problem.providers}.values(), key=lambda p: p.id)
        self.theme_index = {t.code: i for i, t in enumerate(self.themes)}
        n_themes = len(self.themes)
        self.prereq: list[int | None] = []
        for i, theme in enumerate(self.themes):
            j = self.theme_index.get(theme.prerequisite) if theme.prerequisite else None
            self.prereq.append(None if j == i else j)
        self.dependents: list[list[int]] = [[] for _ in range(n_themes)]
        for i, j in enumerate(self.prereq):
            if j is not None:
                self.dependents[j].append(i)

        # Providers needing each theme: (provider index, weight).
        self.needers: list[list[tuple[int, float]]] = [[] for _ in range(n_themes)]
        for pi, provider in enumerate(self.providers):
            for code, weight in provider.needs.items():
                ti = self.theme_index.get(code)
                if ti is not None and weight > 0:
                    self.needers[ti].append((pi, float(weight)))

        # Per slot and provider: blocked? preference factor?
        n_slots = len(self.slots)
        self.factor: list[list[float | None]] = []  # [si][pi], None: month blocked
        for slot in self.slots:
            month, moment = slot.starts_at.month, moment_of(slot.starts_at)
            row: list[float | None] = []
            for provider in self.providers:
                if month in provider.blocked_months:
                    row.append(None)
                    continue
                month_ok = not provider.months or month in provider.months
                moment_ok = not provider.moments or moment in provider.moments
                row.append(1.0 if month_ok and moment_ok else PREFERENCE_MISS)
            self.factor.append(row)

        self.capacity = [[session_capacity(t, s) for s in self.slots] for t in self.themes]
        self.venueless = [s.venue_id is None or s.venue_capacity is None for s in self.slots]
        self.interval = [[session_interval(t, s) for s in self.slots] for t in self.themes]
        # Eligible providers per (theme, slot), best score first: [(score, provider index)].
        self.eligible: dict[tuple[int, int], list[tuple[float, int]]] = {}
        for ti in range(n_themes):
            if not self.needers[ti]:
                continue
            for si in range(n_slots):
                if self.capacity[ti][si] <= 0:
                    continue
                factors = self.factor[si]
                rows = [
                    (weight * f, pi)
                    for pi, weight in self.needers[ti]
                    if (f := factors[pi]) is not None
                ]
                if rows:
                    rows.sort(key=lambda r: (-r[0], r[1]))
                    self.eligible[ti, si] = rows

    @property
    def max_sessions(self) -> int:
        limit = self.problem.max_sessions
        return len(self.slots) if limit is None else max(limit, 0)


class _Greedy:
    """Builds a programme one session at a time, always taking the (theme, slot) that adds
    the most weight (lazy evaluation: a candidate's gain can only fall as sessions are
    added), inviting its best eligible providers who are not covered yet and are free."""

    def __init__(self, model: _Model):
        self.m = model
        n_themes = len(model.themes)
        self.covered: list[set[int]] = [set() for _ in range(n_themes)]
        self.busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        self.slot_used = [False] * len(model.slots)
        self.theme_count = [0] * n_themes
        self.first_start: list[dt.datetime | None] = [None] * n_themes
        self.first_end: list[dt.datetime | None] = [None] * n_themes  # earliest end
        self.sessions: list[tuple[int, int, list[int], float]] = []  # ti, si, invitees, w

    def evaluate(self, ti: int, si: int) -> tuple[float, list[int]]:
        """The weight a session of theme ``ti`` in slot ``si`` would add, and its invitees."""
        cap = self.m.capacity[ti][si]
        start, end = self.m.interval[ti][si]
        covered, busy = self.covered[ti], self.busy
        gain, invitees = 0.0, []
        for score, pi in self.m.eligible.get((ti, si), ()):
            if pi in covered:
                continue
            if any(s < end and start < e for s, e in busy.get(pi, ())):
                continue
            gain += score
            invitees.append(pi)
            if len(invitees) >= cap:
                break
        return gain, invitees

    def progression(self, ti: int, si: int) -> str:
        """Whether the level progression allows this session now: "ok", "wait" (once
        the prerequisite has an earlier session) or "never"."""
        start, end = self.m.interval[ti][si]
        for d in self.m.dependents[ti]:
            first = self.first_start[d]
            if first is not None:
                earliest_end = end if self.first_end[ti] is None else min(end, self.first_end[ti])
                if earliest_end > first:
                    return "never"
        p = self.m.prereq[ti]
        if p is not None and self.first_end[p] is not None:
            own_first = self.first_start[ti]
            new_first = start if own_first is None else min(start, own_first)
            if self.first_end[p] > new_first:
                return "wait"
        return "ok"

    def accept(self, ti: int, si: int, invitees: list[int], gain: float) -> None:
        start, end = self.m.interval[ti][si]
        self.slot_used[si] = True
        self.theme_count[ti] += 1
        self.covered[ti].update(invitees)
        for pi in invitees:
            self.busy.setdefault(pi, []).append((start, end))
        if self.first_start[ti] is None or start < self.first_start[ti]:
            self.first_start[ti] = start
        if self.first_end[ti] is None or end < self.first_end[ti]:
            self.first_end[ti] = end
        self.sessions.append((ti, si, invitees, gain))

    def run(self, candidates: Iterable[tuple[int, int]]) -> None:
        """Add sessions among ``candidates`` (theme index, slot index) until none adds
        weight or a limit is reached."""
        max_per_theme = self.m.problem.max_sessions_per_theme
        heap = []
        for ti, si in candidates:
            if (ti, si) in self.m.eligible:
                gain, _ = self.evaluate(ti, si)
                if gain > _EPS:
                    heap.append((-gain, si, ti))
        heapq.heapify(heap)
        waiting: dict[int, list[tuple[float, int, int]]] = {}  # prerequisite → candidates
        while heap and len(self.sessions) < self.m.max_sessions:
            key = heapq.heappop(heap)
            _, si, ti = key
            if self.slot_used[si] or self.theme_count[ti] >= max_per_theme:
                continue
            gain, invitees = self.evaluate(ti, si)
            if gain <= _EPS:
                continue
            fresh = (-gain, si, ti)
            if heap and fresh > heap[0]:
                heapq.heappush(heap, fresh)
                continue
            verdict = self.progression(ti, si)
            if verdict == "wait":
                waiting.setdefault(self.m.prereq[ti], []).append(fresh)
                continue
            if verdict == "never":
                continue
            self.accept(ti, si, invitees, gain)
            for item in waiting.pop(ti, ()):
                heapq.heappush(heap, item)

    def weight(self) -> float:
        return sum(w for *_, w in self.sessions)


def _best_greedy(model: _Model, candidates: list[tuple[int, int]]) -> _Greedy:
    """The better of two greedy runs: plain, and one that first fills the slots without a
    venue (only online themes fit there, so the plain run may spend those themes on slots
    other themes could have used)."""
    plain = _Greedy(model)
    plain.run(candidates)
    online_first = _Greedy(model)
    online_first.run([k for k in candidates if model.venueless[k[1]]])
    online_first.run(candidates)
    return online_first if online_first.weight() > plain.weight() + _EPS else plain


def _proposal(model: _Model, greedy: _Greedy, *, solver: str, status: str, started: float):
    needs = needs_of(model.problem)
    sessions = []
    for ti, si, invitees, gain in sorted(greedy.sessions, key=lambda s: (s[1], s[0])):
        theme, slot = model.themes[ti], model.slots[si]
        month, moment = slot.starts_at.month, moment_of(slot.starts_at)
        reasons = {"asked": 0, "gap": 0, "preferred_month": 0, "preferred_moment": 0}
        ids = []
        for pi in sorted(invitees, key=lambda pi: model.providers[pi].id):
            provider = model.providers[pi]
            ids.append(provider.id)
            reasons["asked" if theme.code in provider.asked else "gap"] += 1
            reasons["preferred_month"] += month in provider.months
            reasons["preferred_moment"] += moment in provider.moments
        sessions.append(PlannedSession(slot.id, theme.code, ids, round(gain, 6), reasons))
    return Proposal(
        sessions=sessions,
        needs_total=len(needs),
        needs_covered=sum(len(s.invitees) for s in sessions),
        weight_total=round(sum(needs.values()), 6),
        weight_covered=round(sum(s.weight for s in sessions), 6),
        solver=solver,
        status=status,
        seconds=round(time.perf_counter() - started, 3),
    )


def _master(model: _Model, greedy: _Greedy, cp_model, deadline: float):
    """The CP-SAT master problem: which theme in which slot, with an aggregated coverage
    estimate per session, searched until ``deadline`` (a ``time.perf_counter()`` value).
    Returns (chosen (theme index, slot index) pairs, status) or None."""
    m = model
    pairs = sorted(m.eligible, key=lambda k: (k[1], k[0]))  # (ti, si)
    if not pairs:
        return None
    cp = cp_model.CpModel()
    ub = {k: min(m.capacity[k[0]][k[1]], len(m.eligible[k])) for k in pairs}
    y = {k: cp.NewBoolVar(f"y_{k[0]}_{k[1]}") for k in pairs}
    c = {k: cp.NewIntVar(0, ub[k], f"c_{k[0]}_{k[1]}") for k in pairs}
    for k in pairs:
        cp.Add(c[k] <= ub[k] * y[k])
    by_slot: dict[int, list] = {}
    by_theme: dict[int, list] = {}
    for k in pairs:
        by_slot.setdefault(k[1], []).append(k)
        by_theme.setdefault(k[0], []).append(k)
    for ks in by_slot.values():
        cp.AddAtMostOne(y[k] for k in ks)
    for ti, ks in by_theme.items():
        cp.Add(sum(y[k] for k in ks) <= m.problem.max_sessions_per_theme)
        cp.Add(sum(c[k] for k in ks) <= len(m.needers[ti]))
    cp.Add(sum(y.values()) <= m.max_sessions)

    # Disjoint invitees: two sessions of one theme, or two sessions that overlap in time,
    # cannot together invite more providers than the union of their eligible providers.
    bits = {}
    for k in pairs:
        b = 0
        for _, pi in m.eligible[k]:
            b |= 1 << pi
        bits[k] = b

    def disjoint(a: tuple[int, int], b: tuple[int, int]) -> None:
        union = (bits[a] | bits[b]).bit_count()
        if union < ub[a] + ub[b]:
            cp.Add(c[a] + c[b] <= union)

    for ks in by_theme.values():
        for i, a in enumerate(ks):
            for b in ks[i + 1 :]:
                disjoint(a, b)
    for si in by_slot:
        latest_end = max(m.interval[k[0]][si][1] for k in by_slot[si])
        for sj in range(si + 1, len(m.slots)):
            if m.slots[sj].starts_at >= latest_end:
                break  # slots are sorted by start: no later one overlaps
            for a in by_slot[si]:
                a_start, a_end = m.interval[a[0]][si]
                for b in by_slot.get(sj, ()):
                    b_start, b_end = m.interval[b[0]][sj]
                    if a[0] != b[0] and a_start < b_end and b_start < a_end:
                        disjoint(a, b)

    # Progression: a theme's session needs a prerequisite session that ends before it
    # (has_before), unless the prerequisite is not scheduled at all.
    for ti, p in enumerate(m.prereq):
        if p is None or ti not in by_theme or p not in by_theme:
            continue
        for k in by_theme[ti]:
            start = m.interval[ti][k[1]][0]
            before = [q for q in by_theme[p] if m.interval[p][q[1]][1] <= start]
            has_before = cp.NewBoolVar(f"before_{k[0]}_{k[1]}")
            cp.Add(has_before <= sum(y[q] for q in before))
            for q in by_theme[p]:
                if m.interval[p][q[1]][1] > start:
                    cp.Add(y[k] + y[q] <= 1 + has_before)

    # Objective: coverage times the mean score of the best providers a session could take.
    objective = []
    for k in pairs:
        top = m.eligible[k][: ub[k]]
        objective.append(round(SCALE * sum(s for s, _ in top) / len(top)) * c[k])
    cp.Maximize(sum(objective))

    chosen_greedy = {(ti, si): len(inv) for ti, si, inv, _ in greedy.sessions}
    for k in pairs:
        cp.AddHint(y[k], k in chosen_greedy)
        cp.AddHint(c[k], chosen_greedy.get(k, 0))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
    # One worker: the search is then deterministic (two workers race, and among equally
    # good answers the first found wins).
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 2026
    result = solver.Solve(cp)
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [k for k in pairs if solver.BooleanValue(y[k])]
    return chosen, "optimal" if result == cp_model.OPTIMAL else "feasible"


def propose(problem: Problem, *, solver: str = "auto", time_limit: float = 8.0) -> Proposal:
    """Propose a programme for ``problem``.

    ``solver`` is "auto" (CP-SAT when OR-Tools is importable, else greedy), "cp-sat" or
    "greedy"; "cp-sat" without OR-Tools falls back to greedy (the proposal's ``solver``
    says which ran). ``time_limit`` bounds the CP-SAT search in seconds; the greedy solution
    is always computed first and given to CP-SAT as a hint, and the result with more
    weight is kept, so it is never worse than greedy.

    CP-SAT decides which theme goes in which slot on an aggregated model (coverage per
    session bounded by capacity and eligible providers); invitees are then assigned
    exactly, best weight first, and free slots are filled greedily.

    Pure: no side effects. Deterministic for a given input as long as the CP-SAT search
    ends before ``time_limit``.
    """
    if solver not in SOLVERS:
        raise ValueError(f"Unknown solver {solver!r}: expected one of {SOLVERS}.")
    started = time.perf_counter()
    model = _Model(problem)
    candidates = sorted(model.eligible)
    greedy = _best_greedy(model, candidates)
    cp_model = _cp_model() if solver != "greedy" else None
    if cp_model is None:
        return _proposal(model, greedy, solver="greedy", status="heuristic", started=started)

    master = _master(model, greedy, cp_model, started + time_limit)
    if master is None:
        return _proposal(model, greedy, solver="greedy", status="heuristic", started=started)
    chosen, status = master
    refined = _Greedy(model)
    refined.run(chosen)
    refined.run(candidates)  # fill what the estimate left out
    if refined.weight() + _EPS < greedy.weight():
        return _proposal(model, greedy, solver="greedy", status="heuristic", started=started)
    return _proposal(model, refined, solver="cp-sat", status=status, started=started)
