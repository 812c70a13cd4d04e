"""Scoring of a diagnostic: pure functions, no database, no I/O.

The rules, as the report's "méthode" page explains them:

1. The respondent's path is read in the order of the document. A section applies when its
   condition holds and at least one of its questions applies; a question applies when its
   section applies and its own condition holds. Conditions only look at earlier questions
   (the schema enforces it) and only at answers of questions that applied: an answer left
   over from a question that no longer applies is ignored everywhere.
2. A question counts only when it applies and is scored (it belongs to an axis and offers
   options with points). Its points are those of the chosen option, between 0 and the best
   option's points; for a multiple choice, the sum of the chosen options (each counted
   once), between 0 and ``max_points``. "Je ne sais pas", an option marked "sans objet"
   (``not_applicable``), an unknown option and an unanswered question are left out of the
   denominator: not knowing is not the same as not doing.
3. An axis score is ``100 × Σ weight × points / Σ weight × max points`` over the counted
   questions, rounded to 0.1, or ``None`` when no question of the axis was counted.
4. The overall score is the mean of the axis scores weighted by the axis weights, over
   the axes that have a score, rounded to 0.1. The level is the highest whose threshold
   it reaches.
5. Recommendations whose condition holds (on the answers of the questions that applied,
   the category and the axis scores) fire, ordered by priority (1 first), then in the
   order of the document.

Properties (tested with hypothesis in ``tests/diagnostics/test_scoring.py``): every score
is ``None`` or within [0, 100]; the result does not depend on the order of the questions
within a section nor on the order of the keys of ``answers`` (sums are exact,
``math.fsum``); answers to questions that do not apply change nothing; "je ne sais pas"
scores like no answer. Monotony: choosing an option with more points (or adding an option
with points to a multiple choice) never lowers the question's axis score nor the overall
score, *for a question that no condition refers to* (:attr:`Definition.condition_questions`).
A better answer to a question that others depend on can open new questions, which may be
answered badly or left for later: "I have a website" opens the questions about that
website, and the axis score then measures the website as well. Moving to or from a "sans
objet" option changes the denominator, not the points, so it is not covered either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import fsum
from typing import Any

from .definition import Definition, Level, Question, Recommendation, Section


@dataclass(frozen=True)
class AxisResult:
    code: str
    score: float | None  # 0–100, None when nothing was counted
    counted: int  # questions that entered the score
    applicable: int  # scored questions that applied, answered or not


@dataclass(frozen=True)
class ScoreResult:
    axes: dict[str, AxisResult]
    overall: float | None
    level: Level | None
    recommendations: list[Recommendation] = field(default_factory=list)

    def axis_scores(self) -> dict[str, float | None]:
        return {code: result.score for code, result in self.axes.items()}


def _walk(
    definition: Definition, answers: Mapping[str, Any], category: str
) -> tuple[list[Section], list[Question], dict[str, Any]]:
    """The respondent's path: visible sections, applicable questions, and the answers of
    the questions that apply (the only ones conditions and scores look at)."""
    sections: list[Section] = []
    questions: list[Question] = []
    effective: dict[str, Any] = {}
    for section, section_test, items in definition._plan[0]:
        if section_test is not None and not section_test(effective, category, None):
            continue
        found = False
        for question, code, test, *_ in items:
            if test is not None and not test(effective, category, None):
                continue
            found = True
            questions.append(question)
            value = answers.get(code)
            if value is not None:
                effective[code] = value
        if found:
            sections.append(section)
    return sections, questions, effective


def visible_sections(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> list[Section]:
    """Sections that apply to this provider given the answers so far, in order (the
    respondent's pages): the section's condition holds and at least one question applies."""
    return _walk(definition, answers, category)[0]


def applicable_questions(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    category: str,
    section: Section | None = None,
) -> list[Question]:
    """Questions that apply to this provider given the answers so far, in order; only
    those of ``section`` when given (none when that section does not apply)."""
    questions = _walk(definition, answers, category)[1]
    if section is None:
        return questions
    codes = {question.code for question in section.questions}
    return [question for question in questions if question.code in codes]


def effective_answers(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> dict[str, Any]:
    """The answers of the questions that apply: what the scores and rules look at."""
    return _walk(definition, answers, category)[2]


def _multiple_points(table: Mapping[str, float | None], value: Any, best: float) -> float | None:
    chosen = value if isinstance(value, list) else [value]
    points = []
    seen = set()
    for code in chosen:
        if isinstance(code, str) and code not in seen and table.get(code) is not None:
            seen.add(code)
            points.append(table[code])
    if not points:
        return None
    return max(0.0, min(fsum(points), best))


def question_points(question: Question, value: Any) -> float | None:
    """Points earned by one answer, or None when it does not count (unanswered, "nsp",
    "sans objet", unknown option)."""
    if value is None:
        return None
    if question.type == "multiple":
        return _multiple_points(question.option_points, value, question.max_score)
    if not isinstance(value, str):
        return None
    points = question.option_points.get(value)
    return None if points is None else max(0.0, min(points, question.max_score))


def score(definition: Definition, answers: Mapping[str, Any], *, category: str) -> ScoreResult:
    """Score one set of answers for a provider of ``category`` (see the module docstring).

    Walks the prepared plan of the definition (:attr:`Definition._plan`) in one pass: the
    same path as :func:`applicable_questions` and the same points as
    :func:`question_points`, inlined because a campaign or a study scores thousands.
    """
    sections, rules = definition._plan
    earned: dict[str, list[float]] = {axis.code: [] for axis in definition.axes}
    possible: dict[str, list[float]] = {axis.code: [] for axis in definition.axes}
    applicable: dict[str, int] = dict.fromkeys(earned, 0)
    effective: dict[str, Any] = {}
    for _, section_test, items in sections:
        if section_test is not None and not section_test(effective, category, None):
            continue
        for _, code, test, axis, weight, best, table, multiple in items:
            if test is not None and not test(effective, category, None):
                continue
            value = answers.get(code)
            if value is None:
                if axis is not None:
                    applicable[axis] += 1
                continue
            effective[code] = value
            if axis is None:
                continue
            applicable[axis] += 1
            if multiple:
                points = _multiple_points(table, value, best)
                if points is None:
                    continue
            else:
                if not isinstance(value, str):
                    continue
                points = table.get(value)
                if points is None:
                    continue
                if points > best:
                    points = best
                elif points < 0:
                    points = 0.0
            earned[axis].append(weight * points)
            possible[axis].append(weight * best)

    axes: dict[str, AxisResult] = {}
    weighted: list[tuple[float, float]] = []
    for axis in definition.axes:
        total = fsum(possible[axis.code])
        value = round(100 * fsum(earned[axis.code]) / total, 1) if total else None
        axes[axis.code] = AxisResult(
            code=axis.code,
            score=value,
            counted=len(possible[axis.code]),
            applicable=applicable[axis.code],
        )
        if value is not None:
            weighted.append((axis.weight, value))
    overall = (
        round(
            fsum(weight * value for weight, value in weighted)
            / fsum(weight for weight, _ in weighted),
            1,
        )
        if weighted
        else None
    )
    level = definition.level_for(overall) if overall is not None else None
    axis_scores = {code: result.score for code, result in axes.items()}
    return ScoreResult(
        axes=axes,
        overall=overall,
        level=level,
        recommendations=[rule for test, rule in rules if test(effective, category, axis_scores)],
    )
