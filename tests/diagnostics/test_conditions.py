"""Conditions: each operator, "je ne sais pas" and unanswered never satisfy a test,
combinators, validation messages, and the compiled form agrees with :func:`evaluate`."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.diagnostics.conditions import (
    DONT_KNOW,
    check_condition,
    compile_condition,
    evaluate,
    referenced_questions,
)
from balise.diagnostics.definition import load_definition
from balise.members.models import Category, CategoryGroup


def text(value):
    return {"fr": value, "en": value}


def option(code, points=0, **extra):
    return {"code": code, "label": text(code), "points": points, **extra}


DEFINITION = load_definition(
    {
        "code": "conditions",
        "title": text("Conditions"),
        "axes": [{"code": "web", "title": text("Web")}, {"code": "avis", "title": text("Avis")}],
        "levels": [
            {"number": 1, "min_score": 0, "name": text("1"), "description": text("1")},
            {"number": 2, "min_score": 50, "name": text("2"), "description": text("2")},
        ],
        "sections": [
            {
                "code": "s",
                "title": text("S"),
                "questions": [
                    {
                        "code": "web.site",
                        "type": "single",
                        "axis": "web",
                        "dont_know": True,
                        "label": text("Site ?"),
                        "options": [option("oui", 2), option("en_cours", 1), option("non")],
                    },
                    {
                        "code": "social.reseaux",
                        "type": "multiple",
                        "axis": "web",
                        "dont_know": True,
                        "label": text("Réseaux ?"),
                        "options": [
                            option("facebook", 1),
                            option("instagram", 1),
                            option("aucun", exclusive=True),
                        ],
                    },
                    {
                        "code": "profil.salaries",
                        "type": "number",
                        "dont_know": True,
                        "label": text("Salariés ?"),
                    },
                    {"code": "profil.remarque", "type": "text", "label": text("Remarque ?")},
                ],
            }
        ],
    }
)

AXES = {"web": 45.0, "avis": None}


def check(condition, answers, category="hotel", axis_scores=None):
    """Evaluate both ways and insist that they agree."""
    expected = evaluate(condition, answers=answers, category=category, axis_scores=axis_scores)
    compiled = compile_condition(condition)(answers, category, axis_scores)
    assert compiled == expected, (condition, answers, category)
    return expected


def test_no_condition_always_holds():
    assert check(None, {})
    assert compile_condition(None)({}, "hotel") is True


class TestAnswerTests:
    def test_in(self):
        condition = {"answer": "web.site", "in": ["oui", "en_cours"]}
        assert check(condition, {"web.site": "oui"})
        assert check(condition, {"web.site": "en_cours"})
        assert not check(condition, {"web.site": "non"})
        # "in" compares a single-valued answer: a list never matches
        assert not check(condition, {"web.site": ["oui"]})

    def test_includes(self):
        condition = {"answer": "social.reseaux", "includes": ["facebook", "instagram"]}
        assert check(condition, {"social.reseaux": ["instagram"]})
        assert check(condition, {"social.reseaux": ["aucun", "facebook"]})
        assert not check(condition, {"social.reseaux": ["aucun"]})
        assert check(condition, {"social.reseaux": "facebook"})  # a lone value counts as a list

    def test_at_least_and_below(self):
        assert check({"answer": "profil.salaries", "at_least": 3}, {"profil.salaries": 3})
        assert check({"answer": "profil.salaries", "at_least": 3}, {"profil.salaries": 3.5})
        assert not check({"answer": "profil.salaries", "at_least": 3}, {"profil.salaries": 2})
        assert check({"answer": "profil.salaries", "below": 3}, {"profil.salaries": 2.9})
        assert not check({"answer": "profil.salaries", "below": 3}, {"profil.salaries": 3})
        assert check({"answer": "profil.salaries", "below": 3}, {"profil.salaries": 0})

    def test_numbers_only_compare_numbers(self):
        for value in ("3", True, ["4"]):
            assert not check(
                {"answer": "profil.salaries", "at_least": 0}, {"profil.salaries": value}
            )
            assert not check({"answer": "profil.salaries", "below": 10}, {"profil.salaries": value})

    def test_answered(self):
        assert check({"answered": "profil.remarque"}, {"profil.remarque": "Bonjour"})
        assert check({"answered": "profil.salaries"}, {"profil.salaries": 0})
        assert check({"answered": "social.reseaux"}, {"social.reseaux": ["aucun"]})


UNANSWERED = [None, "", [], DONT_KNOW, [DONT_KNOW]]
TESTS = [
    {"answer": "web.site", "in": ["oui", "en_cours", "non"]},
    {"answer": "social.reseaux", "includes": ["facebook", "instagram", "aucun"]},
    {"answer": "profil.salaries", "at_least": 0},
    {"answer": "profil.salaries", "below": 1000},
    {"answered": "web.site"},
    {"answered": "social.reseaux"},
    {"answered": "profil.salaries"},
    {"answered": "profil.remarque"},
]


@pytest.mark.parametrize("value", UNANSWERED, ids=repr)
@pytest.mark.parametrize("condition", TESTS, ids=repr)
def test_unanswered_and_dont_know_never_satisfy_a_test(condition, value):
    code = condition.get("answer") or condition.get("answered")
    answers = {} if value is None else {code: value}
    assert not check(condition, answers)
    # ... so their negation holds: rules should test the "bad" options positively
    assert check({"not": condition}, answers)


class TestCategories:
    def test_category(self):
        assert check({"category": ["hotel", "camping"]}, {}, category="camping")
        assert not check({"category": ["hotel", "camping"]}, {}, category="restaurant")
        assert check({"category": ["hotel"]}, {}, category=Category.HOTEL)

    @pytest.mark.parametrize("category", Category.values)
    def test_category_group(self, category):
        from balise.members.models import CATEGORY_GROUP

        group = CATEGORY_GROUP[Category(category)]
        for candidate in CategoryGroup.values:
            assert check({"category_group": [candidate]}, {}, category=category) == (
                candidate == group
            )

    def test_unknown_category_is_in_no_group(self):
        assert not check({"category_group": list(CategoryGroup.values)}, {}, category="chateau")
        assert not check({"category": ["hotel"]}, {}, category="")


class TestAxisTests:
    def test_below_and_at_least(self):
        assert check({"axis": "web", "below": 50}, {}, axis_scores=AXES)
        assert not check({"axis": "web", "below": 45}, {}, axis_scores=AXES)
        assert check({"axis": "web", "at_least": 45}, {}, axis_scores=AXES)
        assert not check({"axis": "web", "at_least": 45.1}, {}, axis_scores=AXES)

    def test_an_axis_without_score_never_satisfies(self):
        assert not check({"axis": "avis", "below": 101}, {}, axis_scores=AXES)
        assert not check({"axis": "avis", "at_least": 0}, {}, axis_scores=AXES)
        assert not check({"axis": "web", "at_least": 0}, {}, axis_scores=None)


class TestCombinators:
    yes = {"category": ["hotel"]}
    no = {"category": ["restaurant"]}

    def test_all(self):
        assert check({"all": [self.yes, self.yes]}, {})
        assert not check({"all": [self.yes, self.no]}, {})

    def test_any(self):
        assert check({"any": [self.no, self.yes]}, {})
        assert not check({"any": [self.no, self.no]}, {})

    def test_not(self):
        assert check({"not": self.no}, {})
        assert not check({"not": self.yes}, {})

    def test_nested(self):
        condition = {
            "all": [
                {"any": [{"answer": "web.site", "in": ["non"]}, {"axis": "web", "below": 50}]},
                {"not": {"answer": "social.reseaux", "includes": ["aucun"]}},
            ]
        }
        assert check(condition, {"web.site": "oui"}, axis_scores=AXES)
        assert not check(condition, {"web.site": "oui"}, axis_scores={"web": 80})
        assert check(condition, {"web.site": "non"}, axis_scores={"web": 80})
        assert not check(condition, {"web.site": "non", "social.reseaux": ["aucun"]})


def test_an_unknown_operator_raises():
    with pytest.raises(ValueError, match="unknown condition"):
        evaluate({"ou": []}, answers={}, category="hotel")
    with pytest.raises(ValueError, match="unknown condition"):
        compile_condition({"ou": []})


def test_referenced_questions():
    condition = {
        "all": [
            {"answer": "web.site", "in": ["oui"]},
            {"any": [{"answered": "profil.salaries"}, {"category": ["hotel"]}]},
            {"not": {"answer": "social.reseaux", "includes": ["aucun"]}},
            {"axis": "web", "below": 50},
        ]
    }
    assert referenced_questions(condition) == {"web.site", "profil.salaries", "social.reseaux"}
    assert referenced_questions(None) == set()
    assert referenced_questions({"category": ["hotel"]}) == set()


GOOD = [
    {"answer": "web.site", "in": ["oui"]},
    {"answer": "web.site", "includes": ["oui", "non"]},
    {"answer": "social.reseaux", "includes": ["facebook"]},
    {"answer": "profil.salaries", "at_least": 2},
    {"answer": "profil.salaries", "below": 2.5},
    {"answered": "profil.remarque"},
    {"category": ["hotel", "restaurant"]},
    {"category_group": ["hebergement"]},
    {"all": [{"category": ["hotel"]}, {"not": {"answered": "web.site"}}]},
    {"any": [{"category": ["hotel"]}, {"category_group": ["loisirs"]}]},
]


@pytest.mark.parametrize("condition", GOOD, ids=repr)
def test_good_conditions_pass_the_check(condition):
    assert check_condition(condition, DEFINITION, rule=False) == []
    assert check_condition(condition, DEFINITION, rule=True) == []


BAD = [
    ("web.site", "condition invalide"),
    ({}, "condition invalide"),
    ({"all": []}, "« all » attend une liste de conditions"),
    ({"any": {"category": ["hotel"]}}, "« any » attend une liste de conditions"),
    ({"all": [{"category": ["hotel"]}], "any": []}, "« all » attend une liste"),
    ({"not": {"category": ["hotel"]}, "x": 1}, "« not » attend une seule condition"),
    ({"answer": "web.nope", "in": ["oui"]}, "question inconnue : web.nope"),
    ({"answer": ["web.site"], "in": ["oui"]}, "« answer » attend le code d'une question"),
    ({"answered": "web.site", "in": ["oui"]}, "« answered » s'emploie seul"),
    ({"answer": "web.site"}, "un test parmi"),
    ({"answer": "web.site", "in": ["oui"], "below": 3}, "un test parmi"),
    ({"answer": "web.site", "equals": "oui"}, "un test parmi"),
    ({"answer": "web.site", "in": "oui"}, "« in » attend une liste"),
    ({"answer": "web.site", "in": []}, "« in » attend une liste"),
    ({"answer": "web.site", "in": ["peut_etre"]}, "options inconnues ['peut_etre']"),
    ({"answer": "web.site", "in": [DONT_KNOW]}, "ne satisfait jamais un test"),
    ({"answer": "social.reseaux", "in": ["facebook"]}, "employez « includes »"),
    ({"answer": "profil.salaries", "in": ["3"]}, "ne s'emploie que sur une question à choix"),
    ({"answer": "web.site", "at_least": 2}, "ne s'emploie que sur un nombre"),
    ({"answer": "profil.salaries", "at_least": "2"}, "« at_least » attend un nombre"),
    ({"answer": "profil.salaries", "below": True}, "« below » attend un nombre"),
    ({"category": "hotel"}, "« category » attend une liste parmi"),
    ({"category": []}, "« category » attend une liste parmi"),
    ({"category": ["chateau"]}, "« category » attend une liste parmi"),
    ({"category_group": ["hotel"]}, "« category_group » attend une liste parmi"),
    ({"category": ["hotel"], "category_group": ["hebergement"]}, "attend une liste parmi"),
    ({"ou": [{"category": ["hotel"]}]}, "opérateur inconnu : ['ou']"),
]


@pytest.mark.parametrize(("condition", "message"), BAD, ids=repr)
def test_bad_conditions_get_a_french_message(condition, message):
    errors = check_condition(condition, DEFINITION, rule=True)
    assert errors and any(message in error for error in errors), errors


def test_nested_errors_are_all_reported():
    condition = {"all": [{"answer": "web.nope", "in": ["x"]}, {"not": {"category": ["x"]}}]}
    assert len(check_condition(condition, DEFINITION, rule=False)) == 2


class TestAxisConditionsInRulesOnly:
    def test_outside_a_rule(self):
        errors = check_condition({"axis": "web", "below": 40}, DEFINITION, rule=False)
        assert errors == ["une condition sur un axe ne s'emploie que dans une recommandation"]
        nested = {"any": [{"category": ["hotel"]}, {"axis": "web", "below": 40}]}
        assert check_condition(nested, DEFINITION, rule=False) == errors

    @pytest.mark.parametrize(
        ("condition", "message"),
        [
            ({"axis": "web", "below": 40}, None),
            ({"axis": "web", "at_least": 60}, None),
            ({"axis": "social", "below": 40}, "axe inconnu : social"),
            ({"axis": "web", "above": 40}, "« below » ou « at_least »"),
            ({"axis": "web", "below": 40, "at_least": 10}, "« below » ou « at_least »"),
            ({"axis": "web", "below": "40"}, "un nombre entre 0 et 100"),
        ],
    )
    def test_in_a_rule(self, condition, message):
        errors = check_condition(condition, DEFINITION, rule=True)
        assert errors == [] if message is None else message in errors[0]


# --- The compiled form agrees with evaluate on any checked condition ---------------------

ANSWER_VALUES = {
    "web.site": st.sampled_from(["oui", "en_cours", "non", DONT_KNOW, "", ["oui"]]),
    "social.reseaux": st.one_of(
        st.lists(st.sampled_from(["facebook", "instagram", "aucun", DONT_KNOW]), max_size=3),
        st.sampled_from(["facebook", DONT_KNOW]),
    ),
    "profil.salaries": st.one_of(
        st.integers(-5, 50), st.floats(-5, 50), st.just(DONT_KNOW), st.just(True)
    ),
    "profil.remarque": st.sampled_from(["", "Bonjour", DONT_KNOW]),
}

leaves = st.one_of(
    st.builds(
        lambda values: {"answer": "web.site", "in": values},
        st.lists(st.sampled_from(["oui", "en_cours", "non"]), min_size=1, unique=True),
    ),
    st.builds(
        lambda values: {"answer": "web.site", "includes": values},
        st.lists(st.sampled_from(["oui", "en_cours", "non"]), min_size=1, unique=True),
    ),
    st.builds(
        lambda values: {"answer": "social.reseaux", "includes": values},
        st.lists(st.sampled_from(["facebook", "instagram", "aucun"]), min_size=1, unique=True),
    ),
    st.builds(
        lambda test, value: {"answer": "profil.salaries", test: value},
        st.sampled_from(["at_least", "below"]),
        st.integers(-2, 40) | st.floats(-2, 40),
    ),
    st.builds(lambda code: {"answered": code}, st.sampled_from(list(ANSWER_VALUES))),
    st.builds(
        lambda values: {"category": values},
        st.lists(st.sampled_from(Category.values), min_size=1, unique=True),
    ),
    st.builds(
        lambda values: {"category_group": values},
        st.lists(st.sampled_from(CategoryGroup.values), min_size=1, unique=True),
    ),
    st.builds(
        lambda axis, test, value: {"axis": axis, test: value},
        st.sampled_from(["web", "avis"]),
        st.sampled_from(["at_least", "below"]),
        st.floats(0, 100),
    ),
)
conditions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, children),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    condition=conditions,
    answers=st.fixed_dictionaries({}, optional=ANSWER_VALUES),
    category=st.sampled_from([*Category.values, "chateau"]),
    axis_scores=st.fixed_dictionaries(
        {}, optional={"web": st.none() | st.floats(0, 100), "avis": st.floats(0, 100)}
    ),
)
def test_compiled_conditions_agree_with_evaluate(condition, answers, category, axis_scores):
    assert check_condition(condition, DEFINITION, rule=True) == []
    check(condition, answers, category, axis_scores)
