"""The individual report under the shipped questionnaire's stricter rules: advice to check
after "je ne sais pas", axes not assessed, the axes the overall score rests on, strengths
that sit below the territory, and changes computed from the figures shown."""

import pytest

from balise.diagnostics.answering import complete
from balise.diagnostics.conditions import DONT_KNOW
from balise.diagnostics.models import FiredRecommendation, Response
from balise.diagnostics.report_comparisons import AxisChange, Change
from balise.diagnostics.report_delivery import render_report_html
from balise.diagnostics.reports import AxisLine, _strengths, build_report
from balise.diagnostics.scoring import applicable_questions
from balise.diagnostics.versions import ensure_default_version
from balise.members.models import Category

from ..factories import ProviderFactory
from .report_questionnaire import make_campaign

pytestmark = pytest.mark.django_db

SECURITY_DONT_KNOW = [
    "secu.sauvegardes",
    "secu.mots_de_passe_2fa",
    "secu.mises_a_jour",
    "secu.vigilance",
]


def answers_of_a_restaurant(definition):
    """A restaurant that answers everything at its best, except four of the five security
    questions, to which it says "je ne sais pas"."""
    answers = dict.fromkeys(SECURITY_DONT_KNOW, DONT_KNOW)
    while True:
        open_ = [
            question
            for question in applicable_questions(definition, answers, category="restaurant")
            if question.scored and question.code not in answers
        ]
        if not open_:
            return answers
        answers[open_[0].code] = definition.best_answers[open_[0].code]


@pytest.fixture
def response(office):
    version = ensure_default_version()
    campaign = make_campaign(office, version)
    provider = ProviderFactory(office=office, category=Category.RESTAURANT)
    created = Response.objects.create(
        office=office,
        campaign=campaign,
        provider=provider,
        version=version,
        answers=answers_of_a_restaurant(version.parsed),
    )
    return complete(response=created)


def test_dont_know_gives_advice_marked_to_check(response):
    stored = dict(
        FiredRecommendation.objects.filter(response=response).values_list("code", "to_check")
    )
    assert stored["pas_de_sauvegarde"] is True  # "je ne sais pas" on backups
    assert "rgpd_a_commencer" not in stored  # answered at its best: no advice at all
    to_check = {code for code, flag in stored.items() if flag}

    report = build_report(response)
    shown = {priority.code for priority in report.priorities if priority.to_check}
    assert shown and shown <= to_check
    html = render_report_html(report)
    assert "À vérifier" in html
    assert "Vous avez répondu « je ne sais pas »" in html


def test_an_axis_with_too_few_answers_is_not_assessed_and_the_overall_score_says_so(response):
    report = build_report(response)
    security = next(axis for axis in report.axes if axis.code == "donnees_securite")
    # One real answer out of five: not assessed, and never a flattering 100.
    assert security.score is None and security.counted == 1
    assert report.overall == 100.0
    assert report.rests_on_some_axes
    assert len(report.scored_axes) < report.axes_assessed
    html = render_report_html(report)
    assert "non évalué" in html
    assert f"sur {len(report.scored_axes)} axes sur {report.axes_assessed}" in html


def line(code, score, territory):
    return AxisLine(
        code=code, title=code, description="", score=score, counted=2, territory=territory
    )


def test_a_strength_below_the_territory_average_says_so():
    strengths = _strengths(
        [line("a", 45.0, 60.0), line("b", 40.0, 30.0), line("c", 35.0, None), line("d", 10, 5)]
    )
    assert [(s.code, s.territory_above) for s in strengths] == [
        ("a", 60.0),
        ("b", None),
        ("c", None),
    ]


def test_changes_are_the_difference_of_the_figures_shown():
    # 43.6 → 46.4 is shown "from 44 to 46": the change is +2, not +3 (2.8 rounded).
    assert AxisChange(code="a", title="a", before=43.6, after=46.4).delta == 2.0
    change = Change(
        campaign_name="2025",
        completed_on=None,
        overall_before=43.6,
        overall_after=46.4,
        axes=[],
    )
    assert change.overall_delta == 2.0
    axis = AxisLine(code="a", title="a", description="", score=46.4, counted=1, previous=43.6)
    assert axis.change == 2.0
