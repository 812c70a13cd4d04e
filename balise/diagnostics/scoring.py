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

A version may opt into stricter rules (``scoring:`` in its document,
:class:`~balise.diagnostics.definition.ScoringRules`; the defaults are the rules above, so
the stored scores of earlier versions never change):

6. ``min_answered_share``: an axis is "non évalué" (``None``) when fewer than this share of
   its applicable scored questions were counted: one "oui" and four "je ne sais pas" do
   not make an axis score of 100.
7. ``min_axes_share``: the overall score is ``None`` when fewer than this share of the axes
   that apply to the provider have a score; it always says on how many it rests
   (``axes_scored`` of ``axes_assessed``).
8. ``closed_questions_count``: a scored question that a better answer to an earlier scored
   question would open, but the actual answer closes, counts as zero out of its points
   (the website questions when the site is "being built"). Questions closed by the
   category or by profile answers still do not count. So a weaker answer can never raise
   a score by shrinking what is counted.
9. ``dont_know_fires_advice``: "je ne sais pas" is a need. A rule that does not fire on
   the answers but fires when each "je ne sais pas" is read as the worst answer fires too,
   listed in ``to_check`` (the advice is worded "à vérifier").

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
Under rule 8, monotony holds for those questions too, for a respondent who answers what
the better answer opens (``tests/diagnostics/test_scoring_rules.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import fsum
from typing import Any

from .conditions import DONT_KNOW
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
    axes_scored: int = 0  # axes with a score: the overall score rests on these
    axes_assessed: int = 0  # axes with at least one applicable scored question
    # Codes of the recommendations that fired only because of a "je ne sais pas": the
    # advice is worded "à vérifier".
    to_check: frozenset[str] = frozenset()

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


def _opened_at_best(definition: Definition, answers: Mapping[str, Any], category: str) -> set[str]:
    """Scored questions that would apply if every scored question were answered at its
    best (the other answers, profile ones included, as given): what the provider's
    situation could open. A question in this set that does not apply to the actual
    answers was closed by a weaker answer."""
    best = definition.best_answers
    opened: set[str] = set()
    effective: dict[str, Any] = {}
    for _, section_test, items in definition._plan[0]:
        if section_test is not None and not section_test(effective, category, None):
            continue
        for _, code, test, axis, *_ in items:
            if test is not None and not test(effective, category, None):
                continue
            if axis is not None:
                opened.add(code)
            value = best.get(code, answers.get(code))
            if value is not None:
                effective[code] = value
    return opened


def _dont_know_as_worst(definition: Definition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with each "je ne sais pas" on a scored question replaced by its worst
    answer: what the respondent may not be doing."""
    worst = definition.worst_answers
    return {
        code: worst[code] if value == DONT_KNOW and code in worst else value
        for code, value in answers.items()
    }


def score(definition: Definition, answers: Mapping[str, Any], *, category: str) -> ScoreResult:
    """Score one set of answers for a provider of ``category`` (see the module docstring).

    Walks the prepared plan of the definition (:attr:`Definition._plan`) in one pass: the
    same path as :func:`applicable_questions` and the same points as
    :func:`question_points`, inlined because a campaign or a study scores thousands.
    """
    rules_of = definition.scoring
    sections, rules = definition._plan
    earned: dict[str, list[float]] = {axis.code: [] for axis in definition.axes}
    possible: dict[str, list[float]] = {axis.code: [] for axis in definition.axes}
    applicable: dict[str, int] = dict.fromkeys(earned, 0)
    effective: dict[str, Any] = {}
    walked: set[str] = set()
    for _, section_test, items in sections:
        if section_test is not None and not section_test(effective, category, None):
            continue
        for _, code, test, axis, weight, best, table, multiple in items:
            if test is not None and not test(effective, category, None):
                continue
            walked.add(code)
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

    if rules_of.closed_questions_count:
        for code in _opened_at_best(definition, answers, category) - walked:
            question = definition.question(code)
            applicable[question.axis] += 1
            earned[question.axis].append(0.0)
            possible[question.axis].append(question.weight * question.max_score)

    axes: dict[str, AxisResult] = {}
    weighted: list[tuple[float, float]] = []
    assessed = 0  # axes with at least one applicable scored question
    for axis in definition.axes:
        total = fsum(possible[axis.code])
        counted = len(possible[axis.code])
        value = round(100 * fsum(earned[axis.code]) / total, 1) if total else None
        if counted < rules_of.min_answered_share * applicable[axis.code]:
            value = None
        axes[axis.code] = AxisResult(
            code=axis.code, score=value, counted=counted, applicable=applicable[axis.code]
        )
        assessed += applicable[axis.code] > 0
        if value is not None:
            weighted.append((axis.weight, value))
    overall = (
        round(
            fsum(weight * value for weight, value in weighted)
            / fsum(weight for weight, _ in weighted),
            1,
        )
        if weighted and len(weighted) >= rules_of.min_axes_share * assessed
        else None
    )
    level = definition.level_for(overall) if overall is not None else None
    axis_scores = {code: result.score for code, result in axes.items()}
    fired = [rule for test, rule in rules if test(effective, category, axis_scores)]
    to_check: frozenset[str] = frozenset()
    if rules_of.dont_know_fires_advice and DONT_KNOW in answers.values():
        pessimistic = effective_answers(
            definition, _dont_know_as_worst(definition, answers), category=category
        )
        codes = {rule.code for rule in fired}
        to_check = frozenset(
            rule.code
            for test, rule in rules
            if rule.code not in codes and test(pessimistic, category, axis_scores)
        )
        fired = [rule for test, rule in rules if rule.code in codes or rule.code in to_check]
    return ScoreResult(
        axes=axes,
        overall=overall,
        level=level,
        recommendations=fired,
        axes_scored=len(weighted),
        axes_assessed=assessed,
        to_check=to_check,
    )
