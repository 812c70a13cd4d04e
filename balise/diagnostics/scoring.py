"""Scoring of a diagnostic: pure functions, no database, no I/O.

The rules, as the report's "méthode" page explains them:

1. A question counts only when it applies to this provider (its section's and its own
   conditions hold) and is scored (it belongs to an axis and offers options with points).
2. Its points are those of the chosen option; for a multiple choice, the sum of the chosen
   options, capped at ``max_points``. "Je ne sais pas" and unanswered questions are left
   out of the denominator: not knowing is not the same as not doing.
3. An axis score is ``100 × Σ weight × points / Σ weight × max points`` over the counted
   questions, or ``None`` when no question of the axis was counted.
4. The overall score is the mean of the axis scores weighted by the axis weights, over
   the axes that have a score. The level is the highest whose threshold it reaches.
5. Recommendations whose condition holds (on answers, category and axis scores) fire,
   ordered by priority (1 first), then in the order of the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import DONT_KNOW, evaluate
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


def visible_sections(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> list[Section]:
    """Sections whose condition holds, in order (the respondent's pages)."""
    return [
        section
        for section in definition.sections
        if evaluate(section.when, answers=answers, category=category)
    ]


def applicable_questions(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    category: str,
    section: Section | None = None,
) -> list[Question]:
    """Questions that apply to this provider given the answers so far, in order."""
    sections = (
        [section]
        if section is not None
        else visible_sections(definition, answers, category=category)
    )
    return [
        question
        for current in sections
        if evaluate(current.when, answers=answers, category=category)
        for question in current.questions
        if evaluate(question.when, answers=answers, category=category)
    ]


def question_points(question: Question, value: Any) -> float | None:
    """Points earned by one answer, or None when it does not count (unanswered, "nsp")."""
    if value in (None, "", [], DONT_KNOW, [DONT_KNOW]):
        return None
    if question.type == "multiple":
        chosen = value if isinstance(value, list) else [value]
        options = [question.option(code) for code in chosen]
        total = sum(option.points for option in options if option is not None)
        cap = question.max_score
        return max(0.0, min(total, cap))
    option = question.option(value) if isinstance(value, str) else None
    return None if option is None else max(0.0, min(option.points, question.max_score))


def score(definition: Definition, answers: Mapping[str, Any], *, category: str) -> ScoreResult:
    """Score one set of answers for a provider of ``category`` (see the module docstring)."""
    earned: dict[str, float] = {axis.code: 0.0 for axis in definition.axes}
    possible: dict[str, float] = {axis.code: 0.0 for axis in definition.axes}
    counted: dict[str, int] = {axis.code: 0 for axis in definition.axes}
    applicable: dict[str, int] = {axis.code: 0 for axis in definition.axes}
    for question in applicable_questions(definition, answers, category=category):
        if not question.scored or question.max_score <= 0:
            continue
        applicable[question.axis] += 1
        points = question_points(question, answers.get(question.code))
        if points is None:
            continue
        earned[question.axis] += question.weight * points
        possible[question.axis] += question.weight * question.max_score
        counted[question.axis] += 1

    axes = {
        axis.code: AxisResult(
            code=axis.code,
            score=round(100 * earned[axis.code] / possible[axis.code], 1)
            if possible[axis.code]
            else None,
            counted=counted[axis.code],
            applicable=applicable[axis.code],
        )
        for axis in definition.axes
    }
    weighted = [
        (axis.weight, axes[axis.code].score)
        for axis in definition.axes
        if axes[axis.code].score is not None
    ]
    overall = (
        round(
            sum(weight * value for weight, value in weighted)
            / sum(weight for weight, _ in weighted),
            1,
        )
        if weighted
        else None
    )
    level = definition.level_for(overall) if overall is not None else None
    axis_scores = {code: result.score for code, result in axes.items()}
    fired = [
        rule
        for rule in definition.recommendations
        if evaluate(rule.when, answers=answers, category=category, axis_scores=axis_scores)
    ]
    order = {rule.code: index for index, rule in enumerate(definition.recommendations)}
    fired.sort(key=lambda rule: (rule.priority, order[rule.code]))
    return ScoreResult(axes=axes, overall=overall, level=level, recommendations=fired)
