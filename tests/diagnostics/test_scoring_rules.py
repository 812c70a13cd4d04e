"""The stricter scoring rules a version opts into (``scoring:`` in its document): axes
scored on too few answers are "non évalué", a weaker answer never raises a score by closing
questions, and "je ne sais pas" fires the advice marked "à vérifier"."""

import copy

from hypothesis import assume, given
from hypothesis import strategies as st

from balise.diagnostics.conditions import DONT_KNOW
from balise.diagnostics.definition import load_default, load_definition
from balise.diagnostics.scoring import applicable_questions, score

from .test_scoring import (
    PROPERTY,
    WORKED,
    answer_sets,
    assert_bounded,
    categories,
    generated_definitions,
    option,
    single,
    text,
)

STRICT = {
    "min_answered_share": 0.5,
    "min_axes_share": 0.5,
    "closed_questions_count": True,
    "dont_know_fires_advice": True,
}


def strict(data, **rules):
    data = copy.deepcopy(data)
    data["scoring"] = {**STRICT, **rules}
    return load_definition(data)


LENIENT = load_definition(WORKED)
DEFINITION = strict(WORKED)

# One axis of five questions the respondent can say "je ne sais pas" to.
FIVE = {
    "code": "cinq",
    "title": text("Cinq"),
    "axes": [{"code": "secu", "title": text("Sécurité")}, {"code": "avis", "title": text("Avis")}],
    "levels": WORKED["levels"],
    "sections": [
        {
            "code": "secu",
            "title": text("Sécurité"),
            "questions": [
                single(f"q{n}", "secu", [option("oui", 2), option("non")], dont_know=True)
                for n in range(5)
            ]
            + [single("q.avis", "avis", [option("oui", 2), option("non")])],
        }
    ],
}


class TestAnAxisNeedsEnoughAnswers:
    def test_one_yes_and_four_dont_know_leave_the_axis_unscored(self):
        answers = {"q0": "oui", **{f"q{n}": DONT_KNOW for n in range(1, 5)}, "q.avis": "non"}
        lenient = score(load_definition(FIVE), answers, category="hotel")
        assert lenient.axes["secu"].score == 100.0  # what the first versions do

        result = score(strict(FIVE), answers, category="hotel")
        assert result.axes["secu"].score is None
        assert (result.axes["secu"].counted, result.axes["secu"].applicable) == (1, 5)
        # The overall score rests on the one axis left, and says so.
        assert result.overall == 0.0
        assert (result.axes_scored, result.axes_assessed) == (1, 2)

    def test_half_of_the_answers_is_enough(self):
        answers = {"q0": "oui", "q1": "non", "q2": "oui", "q3": DONT_KNOW, "q.avis": "oui"}
        result = score(strict(FIVE), answers, category="hotel")
        assert result.axes["secu"].score == round(100 * 4 / 6, 1)
        assert (result.axes_scored, result.axes_assessed) == (2, 2)

    def test_the_overall_score_says_on_how_many_axes_it_rests(self):
        answers = {"q0": "oui", **{f"q{n}": DONT_KNOW for n in range(1, 5)}, "q.avis": "oui"}
        result = score(strict(FIVE, min_axes_share=0.5), answers, category="hotel")
        assert (result.axes_scored, result.axes_assessed) == (1, 2)
        assert result.overall == 100.0
        assert score(strict(FIVE, min_axes_share=0.75), answers, category="hotel").overall is None


class TestAWeakerAnswerNeverRaisesAScore:
    def test_a_site_being_built_scores_below_a_real_but_poor_site(self):
        def website_axis(definition, site):
            answers = {"web.site_dedie": site}
            for question in applicable_questions(definition, answers, category="gite"):
                if question.scored and question.code.startswith("web."):
                    answers.setdefault(question.code, definition.worst_answers[question.code])
            return score(definition, answers, category="gite").axes["site_web"].score

        # The first versions: "being built" leaves the website questions out and beats a
        # real site that is poor on every count.
        first_rules = {key: value for key, value in load_default().items() if key != "scoring"}
        lenient = load_definition(first_rules)
        assert website_axis(lenient, "en_cours") > website_axis(lenient, "oui")
        # Stricter: the website questions closed by "being built" count as zero.
        definition = load_definition(load_default())
        assert website_axis(definition, "en_cours") < website_axis(definition, "oui")
        assert website_axis(definition, "non") == 0.0

    def test_the_closed_questions_count_as_zero_out_of_their_points(self):
        result = score(DEFINITION, {"q.site": "en_cours", "q.resa": "non"}, category="hotel")
        # q.mobile (2 points), closed by "en cours", counts as zero.
        assert result.axes["site"].score == round(100 * (2 * 1) / (2 * 3 + 2 + 2), 1)
        assert result.axes["site"].counted == 3

    def test_a_question_closed_by_the_category_does_not_count(self):
        # q.resa is asked of accommodation only: a restaurant is not marked down for it.
        result = score(DEFINITION, {"q.site": "oui", "q.mobile": "oui"}, category="restaurant")
        assert result.axes["site"].score == 100.0


class TestDontKnowIsANeed:
    def test_dont_know_fires_the_advice_marked_to_check(self):
        answers = {"q.site": "oui", "q.mobile": "oui", "q.sauvegarde": DONT_KNOW}
        lenient = score(LENIENT, answers, category="restaurant")
        assert "r.sauvegarde" not in {rule.code for rule in lenient.recommendations}

        result = score(DEFINITION, answers, category="restaurant")
        assert "r.sauvegarde" in {rule.code for rule in result.recommendations}
        assert result.to_check == {"r.sauvegarde"}

    def test_a_known_bad_answer_is_advice_not_a_check(self):
        answers = {"q.site": "oui", "q.mobile": "oui", "q.sauvegarde": "non"}
        result = score(DEFINITION, answers, category="restaurant")
        assert "r.sauvegarde" in {rule.code for rule in result.recommendations}
        assert result.to_check == frozenset()

    def test_recommendations_stay_in_priority_order(self):
        answers = {"q.site": "non", "q.reponse": "jamais", "q.sauvegarde": DONT_KNOW}
        result = score(DEFINITION, answers, category="hotel")
        priorities = [rule.priority for rule in result.recommendations]
        assert priorities == sorted(priorities)


def complete_answers(definition, category, data, *, fixed=None):
    """Answer every question that applies, in order, with a scored option (no "je ne sais
    pas", nothing skipped): the answers of a respondent who went to the end."""
    answers = dict(fixed or {})
    while True:
        open_ = [
            q
            for q in applicable_questions(definition, answers, category=category)
            if q.code not in answers and q.scored
        ]
        if not open_:
            return answers
        question = open_[0]
        counted = [o.code for o in question.options if not o.not_applicable]
        if question.type == "multiple":
            answers[question.code] = data.draw(
                st.lists(st.sampled_from(counted), min_size=1, max_size=3, unique=True)
            )
        else:
            answers[question.code] = data.draw(st.sampled_from(counted))


class TestStrictRulesProperties:
    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_scores_are_bounded(self, generated, data, category):
        raw, _ = generated
        definition = strict(raw)
        answers = data.draw(answer_sets(definition))
        result = score(definition, answers, category=category)
        for axis in result.axes.values():
            assert axis.score is None or 0 <= axis.score <= 100
            assert axis.score is None or axis.counted >= 0.5 * axis.applicable
        if result.overall is not None:
            assert_bounded(definition, result)
        assert result.to_check <= {rule.code for rule in result.recommendations}

    @PROPERTY
    @given(generated=generated_definitions(), data=st.data(), category=categories)
    def test_a_better_answer_never_lowers_a_score_even_when_it_opens_questions(
        self, generated, data, category
    ):
        """A complete respondent improves one answer (a question others depend on
        included) and answers whatever it opens: no score goes down, provided the better
        answer closes no scored question (a questionnaire that asks scored questions only
        after a weaker answer cannot be monotone, and the shipped one does not)."""
        raw, _ = generated
        definition = strict(raw, min_answered_share=0, min_axes_share=0)
        before = complete_answers(definition, category, data)
        single_valued = [
            q
            for q in applicable_questions(definition, before, category=category)
            if q.scored and q.type != "multiple"
        ]
        assume(single_valued)
        question = data.draw(st.sampled_from(single_valued))
        points = question.option_points
        better = [
            code
            for code, value in points.items()
            if value is not None and value > (points.get(before[question.code]) or 0)
        ]
        assume(better)
        improved = {**before, question.code: data.draw(st.sampled_from(better))}
        scored_before = {
            q.code for q in applicable_questions(definition, before, category=category) if q.scored
        }
        applicable_now = {
            q.code for q in applicable_questions(definition, improved, category=category)
        }
        assume(scored_before <= applicable_now)
        after = complete_answers(definition, category, data, fixed=improved)
        worse_result = score(definition, before, category=category)
        better_result = score(definition, after, category=category)
        for code, axis in worse_result.axes.items():
            if axis.score is not None:
                assert better_result.axes[code].score >= axis.score - 1e-9, code
        if worse_result.overall is not None:
            assert better_result.overall >= worse_result.overall - 1e-9
