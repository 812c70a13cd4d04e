"""Scoring: worked examples with exact numbers, then properties checked with hypothesis on
the default questionnaire and on small generated questionnaires."""

import copy
import random
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from balise.diagnostics.conditions import DONT_KNOW, referenced_questions
from balise.diagnostics.definition import load_default, load_definition
from balise.diagnostics.scoring import (
    applicable_questions,
    effective_answers,
    question_points,
    score,
    visible_sections,
)
from balise.members.models import Category, CategoryGroup


def text(value):
    return {"fr": value, "en": value}


def option(code, points=0, **extra):
    return {"code": code, "label": text(code), "points": points, **extra}


def single(code, axis, options, **extra):
    return {
        "code": code,
        "type": "single",
        "axis": axis,
        "label": text(code),
        "options": options,
        **extra,
    }


LEVELS = [
    {"number": n + 1, "min_score": threshold, "name": text(name), "description": text(name)}
    for n, (threshold, name) in enumerate(
        [(0, "Débutant"), (20, "Initié"), (40, "Intermédiaire"), (60, "Avancé"), (80, "Expert")]
    )
]

WORKED = {
    "code": "calcul",
    "title": text("Exemple de calcul"),
    "axes": [
        {"code": "site", "title": text("Site"), "weight": 2},
        {"code": "avis", "title": text("Avis")},
        {"code": "secu", "title": text("Sécurité")},
    ],
    "levels": LEVELS,
    "sections": [
        {
            "code": "base",
            "title": text("Base"),
            "questions": [
                single(
                    "q.site",
                    "site",
                    [option("oui", 3), option("en_cours", 1), option("non")],
                    weight=2,
                ),
                {
                    "code": "q.mobile",
                    "type": "yes_partly_no",
                    "axis": "site",
                    "dont_know": True,
                    "when": {"answer": "q.site", "in": ["oui"]},
                    "label": text("Mobile ?"),
                    "options": [option("oui", 2), option("en_partie", 1), option("non")],
                },
                single(
                    "q.resa",
                    "site",
                    [option("oui", 2), option("non")],
                    when={"category_group": ["hebergement"]},
                ),
                {"code": "q.taille", "type": "number", "label": text("Taille ?")},
            ],
        },
        {
            "code": "avis",
            "title": text("Avis"),
            "questions": [
                {
                    "code": "q.plateformes",
                    "type": "multiple",
                    "axis": "avis",
                    "max_points": 2,
                    "label": text("Plateformes ?"),
                    "options": [
                        option("google", 1),
                        option("tripadvisor", 1),
                        option("booking", 1),
                        option("aucune", exclusive=True),
                    ],
                },
                single(
                    "q.reponse",
                    "avis",
                    [
                        option("toutes", 3),
                        option("negatives", 1),
                        option("jamais"),
                        option("pas_d_avis", not_applicable=True),
                    ],
                ),
            ],
        },
        {
            "code": "suivi",
            "title": text("Suivi"),
            "when": {"answer": "q.plateformes", "includes": ["google", "tripadvisor", "booking"]},
            "questions": [
                single(
                    "q.frequence",
                    "avis",
                    [option("souvent", 2), option("rarement", 0.5), option("jamais")],
                )
            ],
        },
        {
            "code": "secu",
            "title": text("Sécurité"),
            "questions": [
                single(
                    "q.sauvegarde",
                    "secu",
                    [option("auto", 2), option("manuelle", 1), option("non")],
                    dont_know=True,
                ),
                single("q.penalite", "secu", [option("bien", 1), option("mal", -1)]),
            ],
        },
        {
            "code": "accueil",
            "title": text("Accueil"),
            "questions": [
                {
                    "code": "q.wifi",
                    "type": "yes_partly_no",
                    "when": {"category_group": ["hebergement"]},
                    "label": text("Wifi ?"),
                    "options": [option("oui"), option("en_partie"), option("non")],
                }
            ],
        },
    ],
    "recommendations": [
        {"code": "r.site", "priority": 2, "when": {"answer": "q.site", "in": ["non"]}},
        {"code": "r.reponse", "priority": 1, "when": {"answer": "q.reponse", "in": ["jamais"]}},
        {"code": "r.avis_faible", "priority": 2, "when": {"axis": "avis", "below": 50}},
        {"code": "r.resa", "priority": 1, "when": {"answer": "q.resa", "in": ["non"]}},
        {"code": "r.expert", "priority": 5, "when": {"axis": "site", "at_least": 80}},
        {"code": "r.sauvegarde", "priority": 3, "when": {"answer": "q.sauvegarde", "in": ["non"]}},
    ],
}
for rule in WORKED["recommendations"]:
    rule.update(title=text(rule["code"]), advice=text(rule["code"]), themes=[])

DEFINITION = load_definition(WORKED)

HOTEL_ANSWERS = {
    "q.site": "oui",
    "q.mobile": "en_partie",
    "q.resa": "non",
    "q.taille": 4,
    "q.plateformes": ["google", "tripadvisor", "booking"],
    "q.reponse": "jamais",
    "q.frequence": "rarement",
}


def codes(rules):
    return [rule.code for rule in rules]


class TestWorkedExamples:
    def test_hotel(self):
        result = score(DEFINITION, HOTEL_ANSWERS, category="hotel")
        # site: q.site 2 × 3 / 2 × 3, q.mobile 1 / 2, q.resa 0 / 2 → 7 / 10
        assert result.axes["site"].score == 70.0
        assert (result.axes["site"].counted, result.axes["site"].applicable) == (3, 3)
        # avis: platforms 3 points capped at 2 / 2, reply 0 / 3, frequency 0.5 / 2 → 2.5 / 7
        assert result.axes["avis"].score == 35.7
        # secu: two questions apply, none answered
        assert result.axes["secu"].score is None
        assert (result.axes["secu"].counted, result.axes["secu"].applicable) == (0, 2)
        # overall: (2 × 70 + 1 × 35.7) / 3 = 58.57, secu left out
        assert result.overall == 58.6
        assert result.level.number == 3
        assert result.level.name.fr == "Intermédiaire"
        assert result.axis_scores() == {"site": 70.0, "avis": 35.7, "secu": None}
        # priority 1 in document order, then priority 2
        assert codes(result.recommendations) == ["r.reponse", "r.resa", "r.avis_faible"]

    def test_inapplicable_questions_leave_the_denominator(self):
        # A restaurant is not asked about booking: its stale answer is ignored everywhere.
        result = score(DEFINITION, HOTEL_ANSWERS, category="restaurant")
        assert result.axes["site"].score == 87.5  # 7 / 8
        assert result.axes["site"].applicable == 2
        assert result.overall == 70.2  # (2 × 87.5 + 35.7) / 3
        assert result.level.number == 4
        assert codes(result.recommendations) == ["r.reponse", "r.avis_faible", "r.expert"]

    @pytest.mark.parametrize("change", [{"q.mobile": DONT_KNOW}, {"q.mobile": None}])
    def test_dont_know_and_unanswered_leave_the_denominator(self, change):
        answers = {**HOTEL_ANSWERS, **change}
        result = score(DEFINITION, answers, category="hotel")
        assert result.axes["site"].score == 75.0  # (6 + 0) / (6 + 2)
        assert (result.axes["site"].counted, result.axes["site"].applicable) == (2, 3)

    def test_a_not_applicable_option_leaves_the_denominator(self):
        answers = {**HOTEL_ANSWERS, "q.reponse": "pas_d_avis"}
        result = score(DEFINITION, answers, category="hotel")
        assert result.axes["avis"].score == 62.5  # (2 + 0.5) / (2 + 2)
        assert result.axes["avis"].counted == 2
        assert "r.reponse" not in codes(result.recommendations)

    def test_a_follow_up_question_does_not_apply_after_a_changed_answer(self):
        answers = {"q.site": "non", "q.mobile": "oui", "q.resa": "oui"}
        result = score(DEFINITION, answers, category="hotel")
        assert result.axes["site"].score == 25.0  # (0 + 2) / (6 + 2), q.mobile ignored
        assert codes(result.recommendations) == ["r.site"]

    def test_a_hidden_section_is_not_scored(self):
        answers = {"q.plateformes": ["aucune"], "q.reponse": "toutes", "q.frequence": "souvent"}
        result = score(DEFINITION, answers, category="hotel")
        assert result.axes["avis"].score == 60.0  # (0 + 3) / (2 + 3)
        assert result.axes["avis"].applicable == 2

    def test_weighted_overall_over_the_axes_that_have_a_score(self):
        answers = {"q.site": "en_cours", "q.sauvegarde": "manuelle", "q.penalite": "mal"}
        result = score(DEFINITION, answers, category="restaurant")
        assert result.axes["site"].score == 33.3  # 2 × 1 / 2 × 3
        assert result.axes["avis"].score is None
        assert result.axes["secu"].score == 33.3  # (1 + 0) / (2 + 1): -1 point counts as 0
        assert result.overall == 33.3  # (2 × 33.3 + 33.3) / 3
        assert result.level.number == 2

    def test_nothing_answered(self):
        result = score(DEFINITION, {}, category="hotel")
        assert all(axis.score is None and axis.counted == 0 for axis in result.axes.values())
        assert result.overall is None
        assert result.level is None
        assert result.recommendations == []

    def test_everything_best(self):
        answers = {
            "q.site": "oui",
            "q.mobile": "oui",
            "q.resa": "oui",
            "q.plateformes": ["google", "booking"],
            "q.reponse": "toutes",
            "q.frequence": "souvent",
            "q.sauvegarde": "auto",
            "q.penalite": "bien",
        }
        result = score(DEFINITION, answers, category="hotel")
        assert result.axis_scores() == {"site": 100.0, "avis": 100.0, "secu": 100.0}
        assert result.overall == 100.0
        assert result.level.name.fr == "Expert"
        assert codes(result.recommendations) == ["r.expert"]

    def test_everything_worst(self):
        answers = {
            "q.site": "non",
            "q.resa": "non",
            "q.plateformes": ["aucune"],
            "q.reponse": "jamais",
            "q.sauvegarde": "non",
            "q.penalite": "mal",
        }
        result = score(DEFINITION, answers, category="hotel")
        assert result.axis_scores() == {"site": 0.0, "avis": 0.0, "secu": 0.0}
        assert result.overall == 0.0
        assert result.level.name.fr == "Débutant"
        assert codes(result.recommendations) == [
            "r.reponse",
            "r.resa",
            "r.site",
            "r.avis_faible",
            "r.sauvegarde",
        ]

    @pytest.mark.parametrize(
        ("value", "level"),
        [(0, 1), (19.9, 1), (20, 2), (39.9, 2), (40, 3), (59.9, 3), (60, 4), (79.9, 4), (80, 5)],
    )
    def test_level_thresholds(self, value, level):
        assert DEFINITION.level_for(value).number == level


class TestQuestionPoints:
    def test_single(self):
        question = DEFINITION.question("q.site")
        assert question_points(question, "oui") == 3
        assert question_points(question, "en_cours") == 1
        assert question_points(question, "non") == 0
        for value in (None, "", DONT_KNOW, "inconnue", ["oui"], 3):
            assert question_points(question, value) is None

    def test_negative_points_count_as_zero(self):
        assert question_points(DEFINITION.question("q.penalite"), "mal") == 0

    def test_not_applicable_option(self):
        assert question_points(DEFINITION.question("q.reponse"), "pas_d_avis") is None

    def test_multiple_is_capped_and_counts_each_option_once(self):
        question = DEFINITION.question("q.plateformes")
        assert question_points(question, ["google"]) == 1
        assert question_points(question, ["google", "google"]) == 1
        assert question_points(question, ["google", "tripadvisor", "booking"]) == 2
        assert question_points(question, ["aucune"]) == 0
        assert question_points(question, ["google", "inconnue"]) == 1
        assert question_points(question, "google") == 1
        for value in ([], [DONT_KNOW], DONT_KNOW, ["inconnue"], [["google"]]):
            assert question_points(question, value) is None


class TestPath:
    def test_visible_sections_and_applicable_questions(self):
        sections = visible_sections(DEFINITION, {}, category="hotel")
        assert [section.code for section in sections] == ["base", "avis", "secu", "accueil"]
        assert [q.code for q in applicable_questions(DEFINITION, {}, category="hotel")] == [
            "q.site",
            "q.resa",
            "q.taille",
            "q.plateformes",
            "q.reponse",
            "q.sauvegarde",
            "q.penalite",
            "q.wifi",
        ]

    def test_answers_open_sections_and_questions(self):
        answers = {"q.site": "oui", "q.plateformes": ["booking"]}
        sections = visible_sections(DEFINITION, answers, category="hotel")
        assert "suivi" in [section.code for section in sections]
        codes_ = [q.code for q in applicable_questions(DEFINITION, answers, category="hotel")]
        assert "q.mobile" in codes_
        assert "q.frequence" in codes_

    def test_a_section_without_applicable_question_is_not_visible(self):
        sections = visible_sections(DEFINITION, {}, category="restaurant")
        assert [section.code for section in sections] == ["base", "avis", "secu"]

    def test_one_section(self):
        base, _avis, suivi, *_ = DEFINITION.sections
        assert [
            q.code for q in applicable_questions(DEFINITION, {}, category="cafe_bar", section=base)
        ] == ["q.site", "q.taille"]
        assert applicable_questions(DEFINITION, {}, category="hotel", section=suivi) == []

    def test_effective_answers_drop_what_does_not_apply(self):
        answers = {"q.site": "non", "q.mobile": "oui", "q.resa": "oui", "inconnue": 1}
        assert effective_answers(DEFINITION, answers, category="restaurant") == {"q.site": "non"}


# --- Properties -------------------------------------------------------------------------


def answer_values(question, garbage=True):
    """Any value a stored answer could hold for this question, sometimes odd."""
    codes_ = [o.code for o in question.options]
    if question.type == "multiple":
        strategy = st.lists(st.sampled_from(codes_), max_size=len(codes_))
    elif question.options:
        strategy = st.sampled_from(codes_)
    elif question.type == "number":
        strategy = st.integers(-3, 600) | st.floats(0, 50)
    else:
        strategy = st.text(max_size=10)
    if question.dont_know:
        strategy = strategy | st.just(DONT_KNOW)
    if garbage:
        strategy = strategy | st.sampled_from(["", "inconnue", ["inconnue"]])
    return strategy


def answer_sets(definition):
    return st.fixed_dictionaries(
        {}, optional={q.code: answer_values(q) for q in definition.questions}
    )


@cache
def default_definition():
    return load_definition(load_default())


@cache
def default_answers():
    return answer_sets(default_definition())


categories = st.sampled_from(Category.values)


def assert_bounded(definition, result):
    for axis in result.axes.values():
        assert axis.score is None or 0 <= axis.score <= 100
        assert axis.counted <= axis.applicable
        assert (axis.score is None) == (axis.counted == 0) or axis.counted > 0
    if result.overall is None:
        assert result.level is None
        scored = sum(axis.score is not None for axis in result.axes.values())
        assert scored == 0 or scored < definition.scoring.min_axes_share * result.axes_assessed
    else:
        assert 0 <= result.overall <= 100
        assert result.level == definition.level_for(result.overall)
        scores = [axis.score for axis in result.axes.values() if axis.score is not None]
        assert min(scores) - 0.05 <= result.overall <= max(scores) + 0.05
    priorities = [rule.priority for rule in result.recommendations]
    assert priorities == sorted(priorities)


def assert_dont_know_scores_like_no_answer(definition, dont_know, unanswered):
    assert (dont_know.axes, dont_know.overall) == (unanswered.axes, unanswered.overall)
    if definition.scoring.dont_know_fires_advice:
        # "Je ne sais pas" may add advice to check, never take advice away.
        codes = {rule.code for rule in dont_know.recommendations}
        assert {rule.code for rule in unanswered.recommendations} <= codes
        assert dont_know.to_check <= codes
    else:
        assert dont_know == unanswered


def monotone_cases(definition):
    """(question, worse option, better option) for single-valued scored questions that no
    condition refers to (a better answer there cannot open new questions)."""
    cases = []
    for question in definition.questions:
        if (
            not question.scored
            or question.type == "multiple"
            or question.code in definition.condition_questions
        ):
            continue
        counted = [o for o in question.options if not o.not_applicable]
        for low in counted:
            for high in counted:
                if low.code != high.code and low.points <= high.points:
                    cases.append((question.code, low.code, high.code))
    return cases


def assert_not_lower(definition, worse, better):
    for code, axis in worse.axes.items():
        if axis.score is not None:
            assert better.axes[code].score >= axis.score, code
    if worse.overall is not None:
        assert better.overall >= worse.overall


def inapplicable_extras(definition, answers, category, data):
    applicable = {q.code for q in applicable_questions(definition, answers, category=category)}
    extra = {}
    for question in definition.questions:
        if question.code not in applicable and data.draw(st.booleans()):
            extra[question.code] = data.draw(answer_values(question))
    return extra


def random_topological_order(questions, rnd):
    """Shuffle a section's questions, keeping each after the questions its condition
    looks at (a condition only looks back)."""
    inside = {q["code"] for q in questions}
    remaining, placed = list(questions), []
    while remaining:
        done = {q["code"] for q in placed}
        ready = [q for q in remaining if referenced_questions(q.get("when")) & inside <= done]
        pick = rnd.choice(ready)
        placed.append(pick)
        remaining.remove(pick)
    return placed


def shuffled_definition(data_dict, rnd):
    shuffled = copy.deepcopy(data_dict)
    for section in shuffled["sections"]:
        section["questions"] = random_topological_order(section["questions"], rnd)
    return load_definition(shuffled)


def shuffled_keys(answers, rnd):
    keys = list(answers)
    rnd.shuffle(keys)
    return {key: answers[key] for key in keys}


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestDefaultQuestionnaireProperties:
    @PROPERTY
    @given(data=st.data(), category=categories)
    def test_scores_are_bounded(self, data, category):
        definition = default_definition()
        answers = data.draw(default_answers())
        assert_bounded(definition, score(definition, answers, category=category))

    @PROPERTY
    @given(data=st.data(), category=categories)
    def test_a_better_answer_never_lowers_a_score(self, data, category):
        definition = default_definition()
        answers = data.draw(default_answers())
        code, low, high = data.draw(st.sampled_from(monotone_cases(definition)))
        worse = score(definition, {**answers, code: low}, category=category)
        better = score(definition, {**answers, code: high}, category=category)
        assert_not_lower(definition, worse, better)

    @PROPERTY
    @given(data=st.data(), category=categories)
    def test_an_extra_option_never_lowers_a_score(self, data, category):
        definition = default_definition()
        answers = data.draw(default_answers())
        multiples = [
            q
            for q in definition.questions
            if q.type == "multiple" and q.scored and q.code not in definition.condition_questions
        ]
        question = data.draw(st.sampled_from(multiples))
        others = [o.code for o in question.options if not o.exclusive and o.points >= 0]
        before = data.draw(st.lists(st.sampled_from(others), min_size=1, unique=True))
        added = data.draw(st.sampled_from(others))
        worse = score(definition, {**answers, question.code: before}, category=category)
        better = score(definition, {**answers, question.code: [*before, added]}, category=category)
        assert_not_lower(definition, worse, better)

    @PROPERTY
    @given(data=st.data(), category=categories, rnd=st.randoms(use_true_random=False))
    def test_independent_of_the_order_of_answers(self, data, category, rnd):
        definition = default_definition()
        answers = data.draw(default_answers())
        assert score(definition, answers, category=category) == score(
            definition, shuffled_keys(answers, rnd), category=category
        )

    @settings(max_examples=40, deadline=None)
    @given(data=st.data(), category=categories, rnd=st.randoms(use_true_random=False))
    def test_independent_of_the_order_of_questions_within_sections(self, data, category, rnd):
        definition = default_definition()
        answers = data.draw(default_answers())
        shuffled = shuffled_definition(definition.model_dump(), rnd)
        assert score(shuffled, answers, category=category) == score(
            definition, answers, category=category
        )

    @PROPERTY
    @given(data=st.data(), category=categories)
    def test_answers_to_questions_that_do_not_apply_change_nothing(self, data, category):
        definition = default_definition()
        answers = data.draw(default_answers())
        expected = score(definition, answers, category=category)
        extra = inapplicable_extras(definition, answers, category, data)
        assert score(definition, {**answers, **extra}, category=category) == expected
        effective = effective_answers(definition, answers, category=category)
        assert score(definition, effective, category=category) == expected

    @PROPERTY
    @given(data=st.data(), category=categories)
    def test_dont_know_scores_like_no_answer(self, data, category):
        definition = default_definition()
        answers = data.draw(default_answers())
        question = data.draw(st.sampled_from([q for q in definition.questions if q.dont_know]))
        unanswered = {k: v for k, v in answers.items() if k != question.code}
        assert_dont_know_scores_like_no_answer(
            definition,
            score(definition, {**answers, question.code: DONT_KNOW}, category=category),
            score(definition, unanswered, category=category),
        )


# Small generated questionnaires ---------------------------------------------------------

POINTS = st.sampled_from([-1, 0, 0, 0.5, 1, 1, 2, 3, 5])


@st.composite
def conditions_on(draw, earlier):
    """A condition on the provider's category or on one of the ``earlier`` questions."""
    kinds = ["category"] + (["answer"] * 3 if earlier else [])
    if draw(st.sampled_from(kinds)) == "category":
        groups = draw(st.lists(st.sampled_from(CategoryGroup.values), min_size=1, unique=True))
        condition = {"category_group": groups}
    else:
        question = draw(st.sampled_from(earlier))
        codes_ = [o["code"] for o in question.get("options", [])]
        if question["type"] == "number":
            test = draw(st.sampled_from(["at_least", "below"]))
            condition = {"answer": question["code"], test: draw(st.integers(0, 20))}
        elif question["type"] == "multiple":
            values = draw(st.lists(st.sampled_from(codes_), min_size=1, unique=True))
            condition = {"answer": question["code"], "includes": values}
        else:
            values = draw(st.lists(st.sampled_from(codes_), min_size=1, unique=True))
            condition = {"answer": question["code"], "in": values}
    if draw(st.integers(0, 4)) == 0:
        condition = {"not": condition}
    return condition


@st.composite
def generated_definitions(draw):
    axes = [
        {"code": f"a{n}", "title": text(f"Axe {n}"), "weight": draw(st.sampled_from([0.5, 1, 3]))}
        for n in range(draw(st.integers(1, 3)))
    ]
    thresholds = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
    levels = [
        {"number": n + 1, "min_score": value, "name": text(f"N{n}"), "description": text("…")}
        for n, value in enumerate([0, *thresholds])
    ]
    sections, before_section = [], []
    for s in range(draw(st.integers(1, 3))):
        questions = []
        for k in range(draw(st.integers(1, 4))):
            kind = draw(
                st.sampled_from(["single", "multiple", "yes_partly_no", "scale5", "number"])
            )
            question = {
                "code": f"s{s}.q{k}",
                "type": kind,
                "label": text(f"Q{s}.{k}"),
                "dont_know": draw(st.booleans()),
                "weight": draw(st.sampled_from([0.5, 1, 2])),
            }
            if kind != "number":
                question["axis"] = draw(st.sampled_from([None, *[a["code"] for a in axes]]))
                names = {
                    "yes_partly_no": ["oui", "en_partie", "non"],
                    "scale5": ["p1", "p2", "p3", "p4", "p5"],
                }.get(kind) or [f"o{n}" for n in range(draw(st.integers(2, 4)))]
                question["options"] = [option(name, draw(POINTS)) for name in names]
                if kind == "multiple":
                    if draw(st.booleans()):
                        question["options"].append(option("aucun", exclusive=True))
                    question["max_points"] = draw(st.none() | st.sampled_from([1, 2, 4]))
                elif kind == "single" and draw(st.integers(0, 3)) == 0:
                    question["options"].append(option("sans_objet", not_applicable=True))
            earlier = before_section + questions
            if draw(st.integers(0, 2)) == 0:
                question["when"] = draw(conditions_on(earlier))
            questions.append(question)
        section = {"code": f"s{s}", "title": text(f"S{s}"), "questions": questions}
        if before_section and draw(st.integers(0, 3)) == 0:
            section["when"] = draw(conditions_on(before_section))
        sections.append(section)
        before_section = before_section + questions
    rules = []
    for r in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            when = draw(conditions_on(before_section))
        else:
            test = draw(st.sampled_from(["below", "at_least"]))
            axis = draw(st.sampled_from([a["code"] for a in axes]))
            when = {"axis": axis, test: draw(st.integers(0, 100))}
        rules.append(
            {
                "code": f"r{r}",
                "priority": draw(st.integers(1, 5)),
                "when": when,
                "title": text(f"R{r}"),
                "advice": text("…"),
            }
        )
    data = {
        "code": "genere",
        "title": text("Généré"),
        "axes": axes,
        "levels": levels,
        "sections": sections,
        "recommendations": rules,
    }
    return data, load_definition(data)


class TestGeneratedQuestionnaireProperties:
    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_scores_are_bounded(self, generated, data, category):
        _, definition = generated
        answers = data.draw(answer_sets(definition))
        assert_bounded(definition, score(definition, answers, category=category))

    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_a_better_answer_never_lowers_a_score(self, generated, data, category):
        _, definition = generated
        cases = monotone_cases(definition)
        assume(cases)
        answers = data.draw(answer_sets(definition))
        code, low, high = data.draw(st.sampled_from(cases))
        worse = score(definition, {**answers, code: low}, category=category)
        better = score(definition, {**answers, code: high}, category=category)
        assert_not_lower(definition, worse, better)

    @PROPERTY
    @given(
        generated=generated_definitions(),
        data=st.data(),
        category=categories,
        rnd=st.randoms(use_true_random=False),
    )
    def test_independent_of_question_and_answer_order(self, generated, data, category, rnd):
        raw, definition = generated
        answers = data.draw(answer_sets(definition))
        expected = score(definition, answers, category=category)
        assert score(shuffled_definition(raw, rnd), answers, category=category) == expected
        assert score(definition, shuffled_keys(answers, rnd), category=category) == expected

    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_answers_to_questions_that_do_not_apply_change_nothing(self, generated, data, category):
        _, definition = generated
        answers = data.draw(answer_sets(definition))
        expected = score(definition, answers, category=category)
        extra = inapplicable_extras(definition, answers, category, data)
        assert score(definition, {**answers, **extra}, category=category) == expected

    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_dont_know_scores_like_no_answer(self, generated, data, category):
        _, definition = generated
        allowing = [q for q in definition.questions if q.dont_know]
        assume(allowing)
        answers = data.draw(answer_sets(definition))
        question = data.draw(st.sampled_from(allowing))
        unanswered = {k: v for k, v in answers.items() if k != question.code}
        assert_dont_know_scores_like_no_answer(
            definition,
            score(definition, {**answers, question.code: DONT_KNOW}, category=category),
            score(definition, unanswered, category=category),
        )

    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_score_agrees_with_the_public_helpers(self, generated, data, category):
        """score() inlines the path and the points: check it against the slow way."""
        _, definition = generated
        answers = data.draw(answer_sets(definition))
        result = score(definition, answers, category=category)
        effective = effective_answers(definition, answers, category=category)
        for axis in definition.axes:
            earned = possible = 0.0
            counted = 0
            for question in applicable_questions(definition, answers, category=category):
                if question.axis != axis.code or question.max_score <= 0:
                    continue
                points = question_points(question, effective.get(question.code))
                if points is not None:
                    earned += question.weight * points
                    possible += question.weight * question.max_score
                    counted += 1
            assert result.axes[axis.code].counted == counted
            if possible:
                assert abs(result.axes[axis.code].score - 100 * earned / possible) <= 0.05 + 1e-9
            else:
                assert result.axes[axis.code].score is None


def test_random_valid_paths_of_the_default_questionnaire():
    """The bench's kind of answer sets: each question answered as the respondent meets it."""
    definition = default_definition()
    rnd = random.Random(7)
    for index in range(100):
        category = Category.values[index % len(Category.values)]
        answers = {}
        for question in definition.questions:
            applicable = applicable_questions(definition, answers, category=category)
            if question.code not in {q.code for q in applicable} or not question.options:
                continue
            chosen = rnd.choice(question.options).code
            answers[question.code] = [chosen] if question.type == "multiple" else chosen
        result = score(definition, answers, category=category)
        assert_bounded(definition, result)
        assert result.overall is not None
        assert effective_answers(definition, answers, category=category) == answers
