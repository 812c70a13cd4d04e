"""Scoring benchmark: 10,000 diagnostics of the default questionnaire.

Budget (issue 3): scoring 10,000 responses takes at most 2 s in one process, which is what
recomputing a whole campaign or a territory study costs after a change of weights.

Run from the repository root (no database needed):

    .venv/bin/python bench/bench_scoring.py

BENCH_RESPONSES (default 10000), BENCH_RUNS (default 5) and BENCH_SEED (default 2026)
change the number of answer sets, of timed runs (the best run is kept) and the random
seed. The exit status is 1 when scoring is over budget.

The answer sets are random but valid: for each provider category in turn, the
questionnaire is walked in order, each question that applies is answered (or left
unanswered, or "je ne sais pas" where offered) and later conditions see those answers.

The baseline, timed in the same run on the same answer sets, is the least any scoring
must do: walk each answers dict over every question and add up the points of the chosen
options per axis from a prepared table, with no condition, no cap, no rule. The ratio
tells how much the conditions, the caps, the rounding and the recommendations cost on
top of that.
"""

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balise.settings")

import django  # noqa: E402

django.setup()

from balise.diagnostics.conditions import DONT_KNOW  # noqa: E402
from balise.diagnostics.definition import Definition, load_default, load_definition  # noqa: E402
from balise.diagnostics.scoring import score  # noqa: E402
from balise.members.models import Category  # noqa: E402

BUDGET_SECONDS = 2.0


def random_answers(definition: Definition, category: str, rng: random.Random) -> dict:
    """A valid answer set: only questions that apply, in the order a respondent meets them."""
    answers: dict = {}
    for section in definition.sections:
        if section.when is not None and not section.applies(answers, category):
            continue
        for question in section.questions:
            if question.when is not None and not question.applies(answers, category):
                continue
            draw = rng.random()
            if draw < 0.05:
                continue  # left unanswered
            if question.dont_know and draw < 0.1:
                answers[question.code] = DONT_KNOW
                continue
            if question.type == "multiple":
                exclusive = [o.code for o in question.options if o.exclusive]
                others = [o.code for o in question.options if not o.exclusive]
                if exclusive and rng.random() < 0.2:
                    answers[question.code] = [rng.choice(exclusive)]
                else:
                    answers[question.code] = rng.sample(others, rng.randint(1, len(others)))
            elif question.options:
                answers[question.code] = rng.choice(question.options).code
            elif question.type == "number":
                low, high = question.min or 0, question.max or 1000
                answers[question.code] = rng.randint(int(low), int(min(high, 500)))
            else:
                answers[question.code] = rng.choice(["", "Merci !", "Plutôt en hiver."])
    return answers


def baseline(definition: Definition, table: dict, responses: list[tuple[str, dict]]) -> None:
    """Walk every answers dict and add up option points per axis, nothing else."""
    questions = [(q.code, q.axis, table[q.code]) for q in definition.questions if q.axis]
    for _category, answers in responses:
        totals: dict[str, float] = {}
        for code, axis, points in questions:
            value = answers.get(code)
            if value is None:
                continue
            if isinstance(value, list):
                earned = sum(points.get(item, 0) for item in value)
            else:
                earned = points.get(value, 0)
            totals[axis] = totals.get(axis, 0) + earned


def best_of(runs: int, function) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    count = int(os.environ.get("BENCH_RESPONSES", "10000"))
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    rng = random.Random(int(os.environ.get("BENCH_SEED", "2026")))

    start = time.perf_counter()
    definition = load_definition(load_default())
    load_time = time.perf_counter() - start

    categories = Category.values
    responses = [
        (category, random_answers(definition, category, rng))
        for category in (categories[index % len(categories)] for index in range(count))
    ]
    table = {q.code: {o.code: o.points for o in q.options} for q in definition.questions if q.axis}
    answered = sum(len(answers) for _, answers in responses) / count

    # Warm the per-definition caches (compiled conditions, option tables) once, outside the
    # timings: a server process does it on the first response of a version.
    score(definition, responses[0][1], category=responses[0][0])

    def run_scoring():
        for category, answers in responses:
            score(definition, answers, category=category)

    scoring_time = best_of(runs, run_scoring)
    baseline_time = best_of(runs, lambda: baseline(definition, table, responses))

    fired = sum(
        len(score(definition, answers, category=category).recommendations)
        for category, answers in responses
    )
    print(
        f"Default questionnaire: {len(definition.questions)} questions, "
        f"{len(definition.recommendations)} rules; loaded and validated in "
        f"{load_time * 1000:.0f} ms"
    )
    print(
        f"{count} answer sets over {len(categories)} categories, "
        f"{answered:.1f} answers each on average, {fired / count:.1f} rules fired each"
    )
    print(
        f"scoring:  {scoring_time:.3f} s  ({scoring_time / count * 1e6:.0f} µs per response, "
        f"best of {runs})"
    )
    print(
        f"baseline: {baseline_time:.3f} s  ({baseline_time / count * 1e6:.1f} µs per response: "
        "walk the answers and add option points, no condition)"
    )
    print(f"ratio:    {scoring_time / baseline_time:.1f}x the baseline")
    within = scoring_time <= BUDGET_SECONDS * count / 10000
    print(f"budget:   {BUDGET_SECONDS:.1f} s per 10,000 responses: {'OK' if within else 'OVER'}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
