"""Planner benchmark: a programme proposal for 2,000 providers × 25 themes × 40 slots.

Budget (issue #6): the proposal takes at most 10 s, with the greedy heuristic and with
CP-SAT (the ``planner`` extra). The problem is synthetic but shaped like a real territory:
about 20 % of the providers need a given theme (a third of those asked for it), half
state preferred months and half preferred times of day, accommodation (40 % of the
providers) is blocked in July and August, and the 40 candidate slots spread over six
months (April to September), some of them without a venue (webinaires only).

Run from the repository root:

    .venv/bin/python bench/bench_optimiser.py

BENCH_PROVIDERS (default 2000), BENCH_THEMES (25), BENCH_SLOTS (40) change the size,
BENCH_TIME_LIMIT (default 6) the CP-SAT time limit in seconds. The exit status is 1 when
a solver is over budget or CP-SAT covers less weight than greedy.
"""

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from balise.workshops.optimiser import (  # noqa: E402
    PlanProvider,
    PlanSlot,
    PlanTheme,
    Problem,
    propose,
)

PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 2000))
THEMES = int(os.environ.get("BENCH_THEMES", 25))
SLOTS = int(os.environ.get("BENCH_SLOTS", 40))
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", 6))
BUDGET = 10.0

GROUPS = [("hebergement", 0.4), ("restauration", 0.2), ("activites", 0.25), ("commerce", 0.15)]
HIGH_SEASON = {"hebergement": frozenset({7, 8})}
MONTHS = [4, 5, 6, 7, 8, 9]
MOMENTS = ["matin", "midi", "apres_midi", "soir"]
STARTS = {"matin": 9, "midi": 12, "apres_midi": 14, "soir": 18}


def build_problem(rng: random.Random) -> Problem:
    themes = []
    for i in range(THEMES):
        level = i % 3  # débutant, intermédiaire, avancé in turn
        themes.append(
            PlanTheme(
                code=f"t{i:02d}",
                title=f"Atelier {i}",
                capacity=rng.choice([8, 10, 12, 15]),
                duration_minutes=rng.choice([90, 120, 150, 180]),
                online=rng.random() < 0.2,
                level_rank=level,
                prerequisite=f"t{i - 1:02d}" if level else None,
            )
        )
    venues = [(1, 12), (2, 20), (3, 8), (4, 15)]
    slots = []
    for i in range(SLOTS):
        day = dt.date(2026, 4, 1) + dt.timedelta(days=rng.randrange(183))
        moment = rng.choice(MOMENTS)
        starts = dt.datetime.combine(day, dt.time(STARTS[moment]))
        venue = None if rng.random() < 0.15 else rng.choice(venues)
        slots.append(
            PlanSlot(
                id=i + 1,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3),
                venue_id=venue[0] if venue else None,
                venue_capacity=venue[1] if venue else None,
            )
        )
    providers = []
    for i in range(PROVIDERS):
        group = rng.choices([g for g, _ in GROUPS], weights=[w for _, w in GROUPS])[0]
        needs = {t.code: rng.choice([1.0, 1.5, 2.0, 3.0]) for t in themes if rng.random() < 0.2}
        asked = frozenset(code for code in needs if rng.random() < 0.33)
        months = (
            frozenset(rng.sample(MONTHS, rng.randint(2, 3))) if rng.random() < 0.5 else frozenset()
        )
        moments = (
            frozenset(rng.sample(MOMENTS, rng.randint(1, 2))) if rng.random() < 0.5 else frozenset()
        )
        providers.append(
            PlanProvider(
                id=i + 1,
                category_group=group,
                needs=needs,
                months=months,
                moments=moments,
                blocked_months=HIGH_SEASON.get(group, frozenset()),
                asked=asked,
            )
        )
    return Problem(themes=themes, slots=slots, providers=providers)


def timed(problem: Problem, solver: str):
    started = time.perf_counter()
    proposal = propose(problem, solver=solver, time_limit=TIME_LIMIT)
    return proposal, time.perf_counter() - started


def main() -> int:
    problem = build_problem(random.Random(2026))
    needs = sum(len(p.needs) for p in problem.providers)
    print(
        f"{len(problem.providers)} providers × {len(problem.themes)} themes × "
        f"{len(problem.slots)} slots, {needs} needs"
    )
    greedy, greedy_s = timed(problem, "greedy")
    cpsat, cpsat_s = timed(problem, "cp-sat")
    ok = True
    for name, proposal, seconds in (("greedy", greedy, greedy_s), ("cp-sat", cpsat, cpsat_s)):
        over = seconds > BUDGET
        ok &= not over
        print(
            f"{name:7} {seconds:6.2f} s wall  sessions {len(proposal.sessions):3}  "
            f"needs covered {proposal.needs_covered}/{proposal.needs_total}  "
            f"weight {proposal.weight_covered:.1f}/{proposal.weight_total:.1f}  "
            f"[{proposal.solver}, {proposal.status}]" + ("  OVER BUDGET" if over else "")
        )
    ratio = cpsat.weight_covered / greedy.weight_covered if greedy.weight_covered else 1.0
    ok &= ratio >= 1.0 - 1e-9
    print(f"ratio CP-SAT weight / greedy weight: {ratio:.4f} (budget {BUDGET:.0f} s each)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
