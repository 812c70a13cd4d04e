"""Conditions of the questionnaire: when a section or question applies, when a rule fires.

Plain data, never code: a condition is a dict with one operator (see the grammar in
:mod:`balise.diagnostics.definition`). :func:`check_condition` validates one against a
definition when the document is loaded; :func:`evaluate` answers it for one respondent.
:func:`compile_condition` turns a checked condition into a plain function with the same
answers, for scoring many responses against one definition (the scoring module caches one
per question, section and rule).

Semantics shared by both: an unanswered question, an empty answer or "je ne sais pas"
(:data:`DONT_KNOW`) never satisfies a test (``in``, ``includes``, ``at_least``, ``below``,
``answered``); an axis without a score never satisfies an axis test. ``not`` negates the
whole test, so ``{"not": {"answer": "web.mobile", "in": ["oui"]}}`` holds when the question
was left unanswered: prefer a positive test on the "bad" options in recommendation rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup

if TYPE_CHECKING:
    from .definition import Definition

DONT_KNOW = "nsp"
COMBINATORS = {"all", "any", "not"}
ANSWER_TESTS = {"in", "includes", "at_least", "below"}
NUMBER_TESTS = {"at_least", "below"}
EMPTY_ANSWERS = (None, "", [], DONT_KNOW, [DONT_KNOW])

#: ``test(answers, category, axis_scores)``: a compiled condition.
ConditionTest = Callable[[Mapping[str, Any], str, Mapping[str, Any] | None], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
        key = "answer" if "answer" in condition else "answered"
        code = condition[key]
        if not isinstance(code, str):
            return [f"« {key} » attend le code d'une question"]
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
            if not question.options:
                return [
                    f"condition sur {code} : « {test} » ne s'emploie que sur une question à choix"
                ]
            if test == "in" and question.type == "multiple":
                return [
                    f"condition sur {code} : choix multiple, employez « includes » et non « in »"
                ]
            if not isinstance(values, list) or not values:
                return [f"condition sur {code} : « {test} » attend une liste"]
            if DONT_KNOW in values:
                return [
                    f"condition sur {code} : « {DONT_KNOW} » (je ne sais pas) ne satisfait "
                    "jamais un test ; employez « not » + « answered »"
                ]
            known = {option.code for option in question.options}
            unknown = [value for value in values if value not in known]
            if unknown:
                return [f"condition sur {code} : options inconnues {unknown}"]
            return []
        if question.type != "number":
            return [f"condition sur {code} : « {test} » ne s'emploie que sur un nombre"]
        if not _is_number(condition[test]):
            return [f"condition sur {code} : « {test} » attend un nombre"]
        return []
    if "category" in condition or "category_group" in condition:
        key = "category" if "category" in condition else "category_group"
        allowed = set(Category.values if key == "category" else CategoryGroup.values)
        values = condition[key]
        if (
            len(condition) != 1
            or not isinstance(values, list)
            or not values
            or not all(isinstance(value, str) and value in allowed for value in values)
        ):
            return [f"« {key} » attend une liste parmi {sorted(allowed)}"]
        return []
    if "axis" in condition:
        if not rule:
            return ["une condition sur un axe ne s'emploie que dans une recommandation"]
        if not isinstance(condition["axis"], str) or definition.axis(condition["axis"]) is None:
            return [f"axe inconnu : {condition['axis']}"]
        tests = set(condition) - {"axis"}
        if len(tests) != 1 or not tests <= NUMBER_TESTS:
            return ["condition sur un axe : « below » ou « at_least »"]
        if not _is_number(condition[tests.pop()]):
            return [f"condition sur l'axe {condition['axis']} : un nombre entre 0 et 100"]
        return []
    return [f"opérateur inconnu : {sorted(condition)}"]


def referenced_questions(condition: Any) -> set[str]:
    """Codes of the questions a condition looks at (``answer`` and ``answered``)."""
    if not isinstance(condition, Mapping):
        return set()
    codes: set[str] = set()
    for key in ("answer", "answered"):
        if isinstance(condition.get(key), str):
            codes.add(condition[key])
    for key in ("all", "any"):
        if isinstance(condition.get(key), list):
            for item in condition[key]:
                codes |= referenced_questions(item)
    if "not" in condition:
        codes |= referenced_questions(condition["not"])
    return codes


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
        return value not in EMPTY_ANSWERS
    if "answer" in condition:
        value = answers.get(condition["answer"])
        if value in EMPTY_ANSWERS:
            return False
        if "in" in condition:
            return not isinstance(value, list) and value in condition["in"]
        if "includes" in condition:
            chosen = value if isinstance(value, list) else [value]
            return any(item in chosen for item in condition["includes"])
        if not _is_number(value):
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


def _always(answers: Mapping[str, Any], category: str, axis_scores: Any = None) -> bool:
    return True


def compile_condition(condition: Mapping | None) -> ConditionTest:
    """A function ``test(answers, category, axis_scores)`` equal to :func:`evaluate`.

    The work that does not depend on the respondent (looking up the operator, turning the
    category groups into the set of their categories) is done once, here.
    """
    if condition is None:
        return _always
    if "all" in condition or "any" in condition:
        parts = tuple(compile_condition(c) for c in condition.get("all", condition.get("any")))
        if "all" in condition:

            def test_all(answers, category, axis_scores=None):
                return all(part(answers, category, axis_scores) for part in parts)

            return test_all

        def test_any(answers, category, axis_scores=None):
            return any(part(answers, category, axis_scores) for part in parts)

        return test_any
    if "not" in condition:
        inner = compile_condition(condition["not"])
        return lambda answers, category, axis_scores=None: not inner(answers, category, axis_scores)
    if "answered" in condition:
        code = condition["answered"]
        return lambda answers, category, axis_scores=None: answers.get(code) not in EMPTY_ANSWERS
    if "answer" in condition:
        code = condition["answer"]
        if "in" in condition:
            # Without the empty answers, a value found in ``allowed`` is never empty.
            allowed = tuple(value for value in condition["in"] if value not in EMPTY_ANSWERS)

            def test_in(answers, category, axis_scores=None):
                value = answers.get(code)
                if value is None or isinstance(value, list):
                    return False
                return value in allowed

            return test_in
        if "includes" in condition:
            wanted = tuple(condition["includes"])

            def test_includes(answers, category, axis_scores=None):
                value = answers.get(code)
                if value is None or value in EMPTY_ANSWERS:
                    return False
                chosen = value if isinstance(value, list) else (value,)
                return any(item in chosen for item in wanted)

            return test_includes
        at_least = "at_least" in condition
        threshold = condition["at_least"] if at_least else condition["below"]

        def test_number(answers, category, axis_scores=None):
            value = answers.get(code)
            if not _is_number(value):
                return False
            return value >= threshold if at_least else value < threshold

        return test_number
    if "category" in condition or "category_group" in condition:
        if "category" in condition:
            categories = frozenset(condition["category"])
        else:
            groups = set(condition["category_group"])
            categories = frozenset(
                category.value for category, group in CATEGORY_GROUP.items() if group in groups
            )

        def test_category(answers, category, axis_scores=None):
            try:
                return category in categories
            except TypeError:  # an unhashable category is no category
                return False

        return test_category
    if "axis" in condition:
        axis = condition["axis"]
        at_least = "at_least" in condition
        threshold = condition["at_least"] if at_least else condition["below"]

        def test_axis(answers, category, axis_scores=None):
            score = (axis_scores or {}).get(axis)
            if score is None:
                return False
            return score >= threshold if at_least else score < threshold

        return test_axis
    raise ValueError(f"unknown condition {condition!r}")
