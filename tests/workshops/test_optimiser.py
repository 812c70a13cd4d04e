"""The programme optimiser (balise/workshops/optimiser.py): hard constraints, objective,
solvers. Plain data, no database."""

import dataclasses
import datetime as dt
import random
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.workshops import optimiser
from balise.workshops.optimiser import (
    PREFERENCE_MISS,
    PlanProvider,
    PlanSlot,
    PlanTheme,
    Problem,
    Proposal,
    moment_of,
    propose,
)

SOLVERS = ["greedy", "cp-sat"]
T0 = dt.datetime(2026, 3, 2, 9, 0)


def check_constraints(problem: Problem, proposal: Proposal) -> None:
    """Every hard constraint of the optimiser's docstring, and the proposal's figures,
    recomputed independently from the plain data."""
    themes = {t.code: t for t in problem.themes}
    slots = {s.id: s for s in problem.slots}
    providers = {p.id: p for p in problem.providers}

    used_slots = [s.slot_id for s in proposal.sessions]
    assert len(used_slots) == len(set(used_slots)), "a slot hosts at most one session"
    if problem.max_sessions is not None:
        assert len(proposal.sessions) <= problem.max_sessions
    per_theme: dict[str, list] = {}
    invited: dict[int, list[tuple[str, dt.datetime, dt.datetime]]] = {}
    for session in proposal.sessions:
        theme, slot = themes[session.theme_code], slots[session.slot_id]
        per_theme.setdefault(theme.code, []).append(session)
        has_venue = slot.venue_id is not None and slot.venue_capacity is not None
        assert has_venue or theme.online, "only online themes run without a venue"
        capacity = min(theme.capacity, slot.venue_capacity) if has_venue else theme.capacity
        assert 0 < len(session.invitees) <= capacity, "capacity"
        assert len(set(session.invitees)) == len(session.invitees), "invited once per session"
        start = slot.starts_at
        end = max(slot.ends_at, start + dt.timedelta(minutes=theme.duration_minutes))
        weight = 0.0
        reasons = {"asked": 0, "gap": 0, "preferred_month": 0, "preferred_moment": 0}
        for pid in session.invitees:
            provider = providers[pid]
            assert provider.needs.get(theme.code, 0) > 0, "invited only to a theme they need"
            assert start.month not in provider.blocked_months, "never in a blocked month"
            invited.setdefault(pid, []).append((theme.code, start, end))
            month_ok = not provider.months or start.month in provider.months
            moment_ok = not provider.moments or moment_of(start) in provider.moments
            factor = 1.0 if month_ok and moment_ok else PREFERENCE_MISS
            weight += provider.needs[theme.code] * factor
            reasons["asked" if theme.code in provider.asked else "gap"] += 1
            reasons["preferred_month"] += start.month in provider.months
            reasons["preferred_moment"] += moment_of(start) in provider.moments
        assert session.weight == pytest.approx(weight)
        assert session.reasons == reasons
    for sessions in per_theme.values():
        assert len(sessions) <= problem.max_sessions_per_theme
    for rows in invited.values():
        codes = [code for code, _, _ in rows]
        assert len(codes) == len(set(codes)), "never twice to the same theme"
        for i, (_, s1, e1) in enumerate(rows):
            for _, s2, e2 in rows[i + 1 :]:
                assert not (s1 < e2 and s2 < e1), "never two overlapping sessions"
    for code, sessions in per_theme.items():
        prerequisite = themes[code].prerequisite
        if prerequisite and prerequisite != code and prerequisite in per_theme:
            first_start = min(slots[s.slot_id].starts_at for s in sessions)
            prereq = themes[prerequisite]
            prereq_end = min(
                max(
                    slots[s.slot_id].ends_at,
                    slots[s.slot_id].starts_at + dt.timedelta(minutes=prereq.duration_minutes),
                )
                for s in per_theme[prerequisite]
            )
            assert prereq_end <= first_start, "the prerequisite's first session comes first"

    needs = [
        (p.id, code, w)
        for p in problem.providers
        for code, w in p.needs.items()
        if code in themes and w > 0
    ]
    assert proposal.needs_total == len(needs)
    assert proposal.weight_total == pytest.approx(sum(w for *_, w in needs))
    assert proposal.needs_covered == sum(len(s.invitees) for s in proposal.sessions)
    assert proposal.weight_covered == pytest.approx(sum(s.weight for s in proposal.sessions))
    assert proposal.needs_covered <= proposal.needs_total


# -- builders ----------------------------------------------------------------------------


def theme(code, *, capacity=10, duration=120, online=False, prerequisite=None, level=0):
    return PlanTheme(code, f"Atelier {code}", capacity, duration, online, level, prerequisite)


def slot(id, start, *, hours=3, venue=1, capacity=20):
    return PlanSlot(
        id,
        start,
        start + dt.timedelta(hours=hours),
        venue if venue else None,
        capacity if venue else None,
    )


def provider(id, needs, **kwargs):
    return PlanProvider(id, kwargs.pop("group", "hebergement"), needs, **kwargs)


def random_problem(rng: random.Random, *, providers=12, themes=5, slots=8) -> Problem:
    codes = [f"t{i}" for i in range(themes)]
    plan_themes = [
        theme(
            code,
            capacity=rng.randint(1, 6),
            duration=rng.choice([60, 120, 240]),
            online=rng.random() < 0.3,
            prerequisite=rng.choice([None, None, *codes]),
        )
        for code in codes
    ]
    plan_slots = []
    for i in range(slots):
        start = dt.datetime(2026, rng.randint(5, 9), rng.randint(1, 3), rng.choice([9, 10, 14, 19]))
        venue = rng.random() < 0.75
        plan_slots.append(
            slot(
                i + 1,
                start,
                hours=rng.randint(1, 3),
                venue=rng.randint(1, 3) if venue else None,
                capacity=rng.randint(1, 6),
            )
        )
    plan_providers = []
    for i in range(providers):
        needs = {c: rng.choice([0.5, 1.0, 2.0, 3.0]) for c in codes if rng.random() < 0.5}
        plan_providers.append(
            provider(
                i + 1,
                needs,
                months=frozenset(rng.sample(range(5, 10), rng.randint(0, 2))),
                moments=frozenset(rng.sample(["matin", "apres_midi", "soir"], rng.randint(0, 2))),
                blocked_months=frozenset({7, 8}) if rng.random() < 0.4 else frozenset(),
                asked=frozenset(c for c in needs if rng.random() < 0.4),
            )
        )
    return Problem(
        plan_themes,
        plan_slots,
        plan_providers,
        max_sessions_per_theme=rng.randint(1, 3),
        max_sessions=rng.choice([None, None, rng.randint(0, slots)]),
    )


# -- random problems -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), size=st.integers(0, 14))
def test_random_problems_honour_every_constraint_and_cp_sat_never_loses(seed, size):
    problem = random_problem(random.Random(seed), providers=size, themes=1 + size % 5, slots=size)
    greedy = propose(problem, solver="greedy")
    cpsat = propose(problem, solver="cp-sat", time_limit=5)
    check_constraints(problem, greedy)
    check_constraints(problem, cpsat)
    assert greedy.solver == "greedy" and greedy.status == "heuristic"
    assert cpsat.weight_covered >= greedy.weight_covered - 1e-6


def test_a_bigger_problem_stays_feasible_and_fast():
    problem = random_problem(random.Random(7), providers=300, themes=10, slots=20)
    greedy = propose(problem, solver="greedy")
    cpsat = propose(problem, solver="cp-sat", time_limit=5)
    check_constraints(problem, greedy)
    check_constraints(problem, cpsat)
    assert cpsat.weight_covered >= greedy.weight_covered
    assert greedy.seconds < 2 and cpsat.seconds < 8


# -- constraints one by one -----------------------------------------------------------------


def test_prerequisite_comes_first_and_cp_sat_beats_a_greedy_trap():
    # The advanced theme is worth more, so greedy puts it in the earliest slot, and the
    # beginners' theme can no longer run before it; CP-SAT swaps them.
    problem = Problem(
        themes=[theme("avance", prerequisite="debutant", level=2), theme("debutant")],
        slots=[slot(1, T0), slot(2, T0 + dt.timedelta(days=30))],
        providers=[provider(i, {"avance": 3.0}) for i in range(1, 6)]
        + [provider(i, {"debutant": 2.0}) for i in range(6, 11)],
    )
    greedy = propose(problem, solver="greedy")
    cpsat = propose(problem, solver="cp-sat")
    check_constraints(problem, greedy)
    check_constraints(problem, cpsat)
    assert [(s.slot_id, s.theme_code) for s in greedy.sessions] == [(1, "avance")]
    assert [(s.slot_id, s.theme_code) for s in cpsat.sessions] == [
        (1, "debutant"),
        (2, "avance"),
    ]
    assert (cpsat.solver, cpsat.status) == ("cp-sat", "optimal")
    assert cpsat.weight_covered == 25.0 > greedy.weight_covered == 15.0
    assert cpsat.needs_covered == 10


@pytest.mark.parametrize("solver", SOLVERS)
def test_prerequisite_is_slotted_before_an_already_planned_theme(solver):
    # The advanced theme is worth more and needs a room (slot 2); the beginners' webinar
    # then takes the earlier slot without a venue: both run, in order.
    problem = Problem(
        themes=[theme("avance", prerequisite="debutant"), theme("debutant", online=True)],
        slots=[slot(1, T0, venue=None), slot(2, T0 + dt.timedelta(hours=4))],
        providers=[provider(1, {"avance": 3.0, "debutant": 1.0})],
    )
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert [(s.slot_id, s.theme_code) for s in proposal.sessions] == [
        (1, "debutant"),
        (2, "avance"),
    ]
    # Reversed times: the beginners' slot comes after, so only one of them can run.
    problem = dataclasses.replace(
        problem, slots=[slot(1, T0 + dt.timedelta(hours=4), venue=None), slot(2, T0)]
    )
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert [(s.slot_id, s.theme_code) for s in proposal.sessions] == [(2, "avance")]


@pytest.mark.parametrize("solver", SOLVERS)
def test_high_season_months_are_never_used_for_blocked_providers(solver):
    july, june = dt.datetime(2026, 7, 6, 9), dt.datetime(2026, 6, 8, 9)
    campsite = provider(1, {"web": 2.0}, blocked_months=frozenset({7, 8}))
    cafe = provider(2, {"web": 1.0}, group="restauration")
    problem = Problem([theme("web")], [slot(1, july)], [campsite, cafe])
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert [s.invitees for s in proposal.sessions] == [[2]]

    problem = dataclasses.replace(problem, slots=[slot(1, july), slot(2, june)])
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert {s.slot_id: s.invitees for s in proposal.sessions} == {2: [1, 2]}


@pytest.mark.parametrize("solver", SOLVERS)
def test_only_online_themes_use_slots_without_a_venue(solver):
    online = slot(1, T0, venue=None)
    providers = [provider(1, {"atelier": 3.0, "webinaire": 1.0})]
    problem = Problem([theme("atelier"), theme("webinaire", online=True)], [online], providers)
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert [(s.slot_id, s.theme_code) for s in proposal.sessions] == [(1, "webinaire")]

    problem = Problem([theme("atelier")], [online], providers)
    proposal = propose(problem, solver=solver)
    assert proposal.sessions == [] and proposal.needs_total == 1 and proposal.needs_covered == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_is_the_smaller_of_theme_and_venue(solver):
    providers = [provider(i, {"web": 1.0 + i / 10}) for i in range(1, 9)]
    problem = Problem(
        [theme("web", capacity=6)],
        [slot(1, T0, capacity=4)],
        providers,
        max_sessions_per_theme=1,
    )
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    # The four with the heaviest need.
    assert proposal.sessions[0].invitees == [5, 6, 7, 8]

    problem = dataclasses.replace(problem, slots=[slot(1, T0, capacity=30)])
    assert len(propose(problem, solver=solver).sessions[0].invitees) == 6
    # Online, no venue: the theme's capacity.
    problem = Problem([theme("web", capacity=3, online=True)], [slot(1, T0, venue=None)], providers)
    assert len(propose(problem, solver=solver).sessions[0].invitees) == 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_provider_in_two_overlapping_sessions_nor_twice_per_theme(solver):
    rooms = [
        slot(1, T0, venue=1),
        slot(2, T0 + dt.timedelta(hours=1), venue=2),  # overlaps slot 1
        slot(3, T0 + dt.timedelta(days=1), venue=1),
    ]
    busy = provider(1, {"a": 3.0, "b": 3.0})
    problem = Problem([theme("a"), theme("b")], rooms, [busy], max_sessions_per_theme=3)
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert proposal.needs_covered == 2
    assert sorted(s.slot_id for s in proposal.sessions) in ([1, 3], [2, 3])


@pytest.mark.parametrize("solver", SOLVERS)
def test_session_limits(solver):
    slots = [slot(i, T0 + dt.timedelta(days=i)) for i in range(1, 6)]
    providers = [provider(i, {"a": 1.0, "b": 1.0}) for i in range(1, 21)]
    themes = [theme("a", capacity=4), theme("b", capacity=4)]
    problem = Problem(themes, slots, providers, max_sessions_per_theme=2)
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert len(proposal.sessions) == 4

    problem = dataclasses.replace(problem, max_sessions=3)
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert len(proposal.sessions) == 3

    assert propose(dataclasses.replace(problem, max_sessions=0), solver=solver).sessions == []


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "problem",
    [
        Problem([], [], []),
        Problem([theme("web")], [], [provider(1, {"web": 1.0})]),
        Problem([theme("web")], [slot(1, T0)], []),
        Problem([], [slot(1, T0)], [provider(1, {"web": 1.0})]),
    ],
    ids=["nothing", "no-slot", "no-provider", "no-theme"],
)
def test_empty_problems_give_an_empty_proposal(problem, solver):
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert proposal.sessions == []
    assert proposal.needs_covered == 0 and proposal.weight_covered == 0
    assert proposal.needs_total == (1 if problem.themes and problem.providers else 0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_figures_and_reasons(solver):
    # Monday 2 March 2026, 9:00: a morning in March.
    fan = provider(1, {"web": 2.0}, asked=frozenset({"web"}), months=frozenset({3}))
    night_owl = provider(2, {"web": 1.0}, moments=frozenset({"soir"}))
    relaxed = provider(3, {"web": 1.0, "retired": 5.0, "nothing": 0.0})
    problem = Problem([theme("web")], [slot(1, T0)], [fan, night_owl, relaxed])
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    (session,) = proposal.sessions
    assert session.invitees == [1, 2, 3]
    assert session.weight == pytest.approx(2.0 + PREFERENCE_MISS + 1.0)
    assert session.reasons == {"asked": 1, "gap": 2, "preferred_month": 1, "preferred_moment": 0}
    # Needs of themes outside the problem and zero weights do not count.
    assert (proposal.needs_total, proposal.needs_covered) == (3, 3)
    assert proposal.weight_total == 4.0
    assert proposal.weight_covered == pytest.approx(3.6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_preferences_choose_the_slot(solver):
    evening = T0.replace(hour=19)
    people = [provider(i, {"web": 1.0}, moments=frozenset({"soir"})) for i in range(1, 4)]
    problem = Problem(
        [theme("web")], [slot(1, T0), slot(2, evening)], people, max_sessions_per_theme=1
    )
    proposal = propose(problem, solver=solver)
    assert [s.slot_id for s in proposal.sessions] == [2]
    assert proposal.sessions[0].reasons["preferred_moment"] == 3


def test_deterministic_whatever_the_input_order():
    problem = random_problem(random.Random(42), providers=60, themes=6, slots=12)
    shuffled = Problem(
        list(reversed(problem.themes)),
        random.Random(1).sample(problem.slots, len(problem.slots)),
        random.Random(2).sample(problem.providers, len(problem.providers)),
        problem.max_sessions_per_theme,
        problem.max_sessions,
    )
    for solver in SOLVERS:
        first, second = propose(problem, solver=solver), propose(shuffled, solver=solver)
        assert first.sessions == second.sessions
        assert first.weight_covered == second.weight_covered


# -- solvers -------------------------------------------------------------------------------


def test_auto_uses_cp_sat_when_installed():
    problem = Problem([theme("web")], [slot(1, T0)], [provider(1, {"web": 1.0})])
    proposal = propose(problem)
    assert (proposal.solver, proposal.status) == ("cp-sat", "optimal")


@pytest.mark.parametrize("solver", ["auto", "cp-sat"])
def test_without_ortools_it_falls_back_to_greedy(monkeypatch, solver):
    # Simulate the optional extra missing: importing OR-Tools' CP-SAT raises ImportError.
    monkeypatch.setitem(sys.modules, "ortools.sat.python.cp_model", None)
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)
    assert optimiser._cp_model() is None
    problem = random_problem(random.Random(3), providers=20)
    proposal = propose(problem, solver=solver)
    check_constraints(problem, proposal)
    assert (proposal.solver, proposal.status) == ("greedy", "heuristic")
    assert proposal.sessions == propose(problem, solver="greedy").sessions
    assert proposal.weight_covered > 0


def test_the_better_result_is_kept_when_cp_sat_estimate_misleads(monkeypatch):
    # Whatever CP-SAT's master problem answers, the proposal never covers less than greedy.
    monkeypatch.setattr(optimiser, "_master", lambda *args: ([], "feasible"))
    problem = random_problem(random.Random(5), providers=30)
    greedy = propose(problem, solver="greedy")
    proposal = propose(problem, solver="cp-sat")
    check_constraints(problem, proposal)
    assert proposal.weight_covered >= greedy.weight_covered


def test_unknown_solver_is_refused():
    with pytest.raises(ValueError, match="Unknown solver"):
        propose(Problem([], [], []), solver="magic")


def test_check_constraints_catches_broken_proposals():
    # The checker used everywhere above must fail on each kind of violation (each broken
    # proposal has the right weights and reasons, so only the constraint is wrong).
    july = dt.datetime(2026, 7, 6, 9)
    problem = Problem(
        [theme("a", capacity=2), theme("b", prerequisite="a")],
        [
            slot(1, T0),
            slot(2, T0 + dt.timedelta(hours=1)),
            slot(3, T0 + dt.timedelta(days=1), venue=None),
            slot(4, july),
            slot(5, T0 - dt.timedelta(days=1)),
        ],
        [provider(i, {"a": 1.0, "b": 1.0}, blocked_months=frozenset({7})) for i in (1, 2, 3)]
        + [provider(4, {"b": 1.0})],
        max_sessions_per_theme=2,
    )
    good = propose(problem, solver="greedy")
    check_constraints(problem, good)

    def session(slot_id, code, invitees):
        reasons = {"asked": 0, "gap": len(invitees), "preferred_month": 0, "preferred_moment": 0}
        return optimiser.PlannedSession(slot_id, code, invitees, float(len(invitees)), reasons)

    def figures(sessions):
        return dataclasses.replace(
            good,
            sessions=sessions,
            needs_covered=sum(len(s.invitees) for s in sessions),
            weight_covered=sum(s.weight for s in sessions),
        )

    check_constraints(problem, figures([session(5, "a", [1]), session(1, "b", [1, 2])]))
    broken = {
        "capacity": [session(1, "a", [1, 2, 3])],
        "one session": [session(1, "a", [1]), session(1, "b", [2])],
        "overlapping": [session(1, "a", [1]), session(2, "b", [1]), session(5, "a", [3])],
        "without a venue": [session(3, "a", [1])],
        "blocked month": [session(4, "a", [1])],
        "twice to the same theme": [
            session(1, "a", [1]),
            session(2, "b", [2]),
            session(5, "a", [1]),
        ],
        "prerequisite's first session": [session(5, "b", [1]), session(1, "a", [2])],
        "theme they need": [session(1, "a", [4])],
    }
    for message, sessions in broken.items():
        with pytest.raises(AssertionError, match=re.escape(message)):
            check_constraints(problem, figures(sessions))
