"""Conditions of the questionnaire: when a section or question applies, when a rule fires.

Plain data, never code: a condition is a dict with one operator (see the grammar in
:mod:`balise.diagnostics.definition`). :func:`check_condition` validates one against a
definition when the document is loaded; :func:`evaluate` answers it for one respondent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup

if TYPE_CHECKING:
    from .definition import Definition

DONT_KNOW = "nsp"
COMBINATORS = {"all", "any", "not"}
ANSWER_TESTS = {"in", "includes", "at_least", "below"}


def check_condition(condition: Any, definition: Definition, *, rule: bool) -> list[str]:
    """French error messages for a malformed condition (empty list when it is fine).

    ``rule`` allows axis conditions, which only make sense once scores are known.
    """
    if not isinstance(condition, Mapping) or not condition:
        return [f"condition invalide : {condition!r}"]
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        items = condition[key]
        if len(condition) != 1 or not isinstance(items, list) or not items:
            return [f"« {key} » attend une liste de conditions"]
        return [error for item in items for error in check_condition(item, definition, rule=rule)]
    if "not" in condition:
        if len(condition) != 1:
            return ["« not » attend une seule condition"]
        return check_condition(condition["not"], definition, rule=rule)
    if "answer" in condition or "answered" in condition:
        code = condition.get("answer") or condition.get("answered")
        question = definition.question(code)
        if question is None:
            return [f"question inconnue : {code}"]
        if "answered" in condition:
            return [] if len(condition) == 1 else ["« answered » s'emploie seul"]
        tests = set(condition) - {"answer"}
        if len(tests) != 1 or not tests <= ANSWER_TESTS:
            return [f"condition sur {code} : un test parmi {sorted(ANSWER_TESTS)}"]
        test = tests.pop()
        if test in ("in", "includes"):
            values = condition[test]
            if not isinstance(values, list) or not values:
                return [f"condition sur {code} : « {test} » attend une liste"]
            known = {option.code for option in question.options} | {DONT_KNOW}
            unknown = [value for value in values if value not in known]
            if unknown:
                return [f"condition sur {code} : options inconnues {unknown}"]
        elif not isinstance(condition[test], int | float):
            return [f"condition sur {code} : « {test} » attend un nombre"]
        return []
    if "category" in condition or "category_group" in condition:
        key = "category" if "category" in condition else "category_group"
        allowed = set(Category.values if key == "category" else CategoryGroup.values)
        values = condition[key]
        if len(condition) != 1 or not isinstance(values, list) or not set(values) <= allowed:
            return [f"« {key} » attend une liste parmi {sorted(allowed)}"]
        return []
    if "axis" in condition:
        if not rule:
            return ["une condition sur un axe ne s'emploie que dans une recommandation"]
        if definition.axis(condition["axis"]) is None:
            return [f"axe inconnu : {condition['axis']}"]
        tests = set(condition) - {"axis"}
        if len(tests) != 1 or not tests <= {"below", "at_least"}:
            return ["condition sur un axe : « below » ou « at_least »"]
        return []
    return [f"opérateur inconnu : {sorted(condition)}"]


def evaluate(
    condition: Mapping | None,
    *,
    answers: Mapping[str, Any],
    category: str,
    axis_scores: Mapping[str, float | None] | None = None,
) -> bool:
    """Whether ``condition`` holds for these answers and this provider category.

    No condition means always. An unanswered question, a "je ne sais pas" or an axis
    without a score never satisfies a test (so it never triggers advice by accident).
    """
    if condition is None:
        return True
    if "all" in condition:
        return all(
            evaluate(c, answers=answers, category=category, axis_scores=axis_scores)
            for c in condition["all"]
        )
    if "any" in condition:
        return any(
            evaluate(c, answers=answers, category=category, axis_scores=axis_scores)
            for c in condition["any"]
        )
    if "not" in condition:
        return not evaluate(
            condition["not"], answers=answers, category=category, axis_scores=axis_scores
        )
    if "answered" in condition:
        value = answers.get(condition["answered"])
        return value not in (None, "", [], DONT_KNOW, [DONT_KNOW])
    if "answer" in condition:
        value = answers.get(condition["answer"])
        if value in (None, "", [], DONT_KNOW, [DONT_KNOW]):
            return False
        if "in" in condition:
            return not isinstance(value, list) and value in condition["in"]
        if "includes" in condition:
            chosen = value if isinstance(value, list) else [value]
            return any(item in chosen for item in condition["includes"])
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if "at_least" in condition:
            return value >= condition["at_least"]
        return value < condition["below"]
    if "category" in condition:
        return category in condition["category"]
    if "category_group" in condition:
        try:
            group = CATEGORY_GROUP[Category(category)]
        except ValueError:
            return False
        return group in condition["category_group"]
    if "axis" in condition:
        score = (axis_scores or {}).get(condition["axis"])
        if score is None:
            return False
        if "below" in condition:
            return score < condition["below"]
        return score >= condition["at_least"]
    raise ValueError(f"unknown condition {condition!r}")
