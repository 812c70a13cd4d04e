"""The individual report of a diagnostic: what the provider gets back for their answers.

:func:`build_report` gathers everything the report shows into a :class:`Report`, which the
web page and the PDF render with the same partial (``diagnostics/_report.html``):

- the overall score and level, the score of each axis with the number of questions behind
  it, and a radar chart;
- 3 to 5 strengths (the best axes scoring at least 60, else the best ones) and 3 to 5
  priorities (the recommendations that fired, most urgent first, with their workshop
  themes; the weakest axes fill in when fewer than 3 fired);
- the position against the territory and the provider's category, and the change since
  their previous diagnostic (both from :mod:`.report_comparisons`).

Rendering it as a PDF, zipping a campaign's reports and e-mailing one live in
:mod:`.report_delivery`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from balise.audits.gaps import observations_for
from balise.lib import charts
from balise.members.models import Category, Provider
from balise.offices.models import Office
from balise.workshops.offers import Offer, theme_offers

from .definition import Definition
from .models import AxisScore, Campaign, FiredRecommendation, Response
from .report_comparisons import (
    MIN_PEERS,
    AxisChange,
    Change,
    Comparison,
    peer_comparisons,
    previous_diagnostic,
)
from .scoring import score

STRONG_SCORE = 60  # an axis at or above this is a strength
MIN_ITEMS, MAX_ITEMS = 3, 5  # strengths and priorities shown


@dataclass(frozen=True)
class LevelInfo:
    number: int
    name: str
    description: str
    min_score: float


@dataclass(frozen=True)
class AxisLine:
    code: str
    title: str
    description: str
    score: float | None
    counted: int  # questions behind the score; a None score with questions: too few answers
    territory: float | None = None  # None: no comparison, or too few scores to show
    category: float | None = None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return charts.shown_difference(self.previous, self.score)


@dataclass(frozen=True)
class Strength:
    code: str
    title: str
    score: float
    # The territory's average on this axis when it is shown and above the provider's own
    # score: one of your better axes, yet below the territory, and the report says so.
    territory_above: float | None = None


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    # What the office offers on it (a session, an appointment, « prévenez-moi »), so the
    # recommended workshop is a link; None when the office has nothing to offer.
    offer: Offer | None = None


@dataclass(frozen=True)
class Priority:
    code: str
    title: str
    advice: str
    themes: list[Theme]
    axis: str | None = None  # set when the priority is a weak axis, not a fired rule
    to_check: bool = False  # fired because of a "je ne sais pas": to check, not a gap


@dataclass
class Report:
    response: Response
    provider: Provider
    campaign: Campaign
    office: Office
    language: str
    questionnaire_title: str
    completed_on: date | None
    overall: float | None
    level: LevelInfo | None
    levels: list[LevelInfo]
    axes: list[AxisLine]
    strengths: list[Strength]
    priorities: list[Priority]
    territory: Comparison
    category: Comparison
    change: Change | None
    chart: charts.Chart | None
    # "Ce que nous avons observé": the latest site audit (balise.audits.gaps),
    # [] when there is none; the templates show no section while it is empty.
    observations: Any = field(default_factory=list)
    axes_assessed: int = 0  # axes with a question that concerns the provider
    min_peers: int = MIN_PEERS
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def scored_axes(self) -> list[AxisLine]:
        return [axis for axis in self.axes if axis.score is not None]

    @property
    def rests_on_some_axes(self) -> bool:
        """The overall score leaves out axes that concern the provider (too few answers)."""
        return 0 < len(self.scored_axes) < self.axes_assessed

    @property
    def comparisons(self) -> list[Comparison]:
        return [self.territory, self.category]


THEMES_QUESTION = "besoins.themes"  # its options are the workshop themes, with their names


def theme_labels(definition: Definition, language: str) -> dict[str, str]:
    """Workshop theme code → name, from the questionnaire's "wished topics" question.

    The questionnaire names the themes it refers to, so a report reads them there, in the
    language of the questionnaire's texts.
    """
    question = definition.question(THEMES_QUESTION)
    if question is None:
        return {}
    return {option.code: option.label.get(language) for option in question.options}


def theme_label(code: str, labels: dict[str, str] | None = None) -> str:
    """The name of a workshop theme; its code made readable when nothing names it."""
    if labels and code in labels:
        return labels[code]
    return code.replace("_", " ").replace("-", " ").capitalize()


def loaded(response: Response) -> Response:
    """The response with its provider, campaign, office and version, in one query at most."""
    cached = all(
        descriptor.is_cached(response)
        for descriptor in (Response.provider, Response.campaign, Response.office, Response.version)
    )
    if cached:
        return response
    return Response.objects.select_related("provider", "campaign", "office", "version").get(
        pk=response.pk
    )


def _own_scores(response: Response, definition: Definition) -> tuple[dict, float | None, list]:
    """(axis code → (score, counted)), overall score, fired rules as (code, themes, to
    check).

    From the rows written when the diagnostic was completed; scored again from the
    answers when the rows are missing (a response completed before rows existed).
    """
    rows = list(AxisScore.objects.filter(response=response).values_list("axis", "score", "counted"))
    fired = list(
        FiredRecommendation.objects.filter(response=response)
        .order_by("priority", "id")
        .values_list("code", "themes", "to_check")
    )
    if rows:
        return (
            {axis: (value, counted) for axis, value, counted in rows},
            response.overall_score,
            fired,
        )
    result = score(definition, response.answers or {}, category=response.provider.category)
    return (
        {code: (axis.score, axis.counted) for code, axis in result.axes.items()},
        result.overall,
        [
            (rule.code, list(rule.themes), rule.code in result.to_check)
            for rule in result.recommendations
        ],
    )


def _levels(definition: Definition, language: str) -> list[LevelInfo]:
    return [
        LevelInfo(
            number=level.number,
            name=level.name.get(language),
            description=level.description.get(language),
            min_score=level.min_score,
        )
        for level in definition.levels
    ]


def _strengths(axes: list[AxisLine]) -> list[Strength]:
    ranked = sorted((axis for axis in axes if axis.score is not None), key=lambda axis: -axis.score)
    strong = [axis for axis in ranked if axis.score >= STRONG_SCORE][:MAX_ITEMS]
    chosen = strong if len(strong) >= MIN_ITEMS else ranked[:MIN_ITEMS]
    return [
        Strength(
            code=axis.code,
            title=axis.title,
            score=axis.score,
            territory_above=(
                axis.territory
                if axis.territory is not None
                and charts.shown_difference(axis.territory, axis.score) < 0
                else None
            ),
        )
        for axis in chosen
    ]


def _condition_axes(condition, definition: Definition) -> set[str]:
    """The axes a rule's condition looks at: directly, or through a scored question."""
    if isinstance(condition, list):
        return {axis for item in condition for axis in _condition_axes(item, definition)}
    if not isinstance(condition, dict):
        return set()
    found = set()
    if isinstance(condition.get("axis"), str):
        found.add(condition["axis"])
    for key in ("answer", "answered"):
        question = definition.question(condition[key]) if key in condition else None
        if question is not None and question.axis:
            found.add(question.axis)
    for key in ("all", "any", "not"):
        if key in condition:
            found |= _condition_axes(condition[key], definition)
    return found


def _priorities(
    definition: Definition,
    fired: list[tuple[str, list]],
    axes: list[AxisLine],
    strengths: list[Strength],
    language: str,
) -> list[Priority]:
    rules = {rule.code: rule for rule in definition.recommendations}
    labels = theme_labels(definition, language)
    priorities = []
    for code, themes, to_check in fired:
        rule = rules.get(code)
        if rule is None:  # a rule of another version: nothing to say about it
            continue
        priorities.append(
            Priority(
                code=code,
                title=rule.title.get(language),
                advice=rule.advice.get(language),
                themes=[
                    Theme(theme, theme_label(theme, labels)) for theme in (themes or rule.themes)
                ],
                to_check=to_check,
            )
        )
        if len(priorities) == MAX_ITEMS:
            return priorities
    if len(priorities) >= MIN_ITEMS:
        return priorities
    # Too few rules fired: the weakest axes complete the list, leaving out those a fired
    # rule already speaks about, and the strengths unless nothing else is left.
    covered = {
        axis
        for code, *_rest in fired
        if code in rules
        for axis in _condition_axes(rules[code].when, definition)
    }
    strong = {strength.code for strength in strengths}
    ranked = sorted(
        (axis for axis in axes if axis.score is not None and axis.code not in covered),
        key=lambda axis: axis.score,
    )
    weakest = [axis for axis in ranked if axis.code not in strong] + [
        axis for axis in ranked if axis.code in strong
    ]
    for axis in weakest[: MIN_ITEMS - len(priorities)]:
        priorities.append(
            Priority(
                code=f"axe.{axis.code}",
                title=_("Progresser en « %(axis)s »") % {"axis": axis.title},
                advice=axis.description
                or _(
                    "C'est l'un de vos axes les moins avancés (%(score)s sur 100). Parlez-en "
                    "avec l'animateur numérique de l'office pour choisir une première action."
                )
                % {"score": charts.format_value(axis.score)},
                themes=[],
                axis=axis.code,
            )
        )
    return priorities


def _with_offers(priorities: list[Priority], office: Office) -> list[Priority]:
    """Each recommended workshop with the office's next step on it
    (:func:`balise.workshops.offers.theme_offers`): the report's workshops lead somewhere,
    on the page and in the PDF alike."""
    offers = theme_offers(office, [theme.code for item in priorities for theme in item.themes])
    return [
        replace(item, themes=[replace(t, offer=offers.get(t.code)) for t in item.themes])
        for item in priorities
    ]


def build_report(response: Response, *, language: str | None = None) -> Report:
    """Everything the individual report shows for a completed ``response``.

    Texts of the questionnaire come in ``language`` (default: the active language, with
    French as the fallback). Queries: at most twelve, whatever the size of the campaign
    (three read what the office offers on the recommended workshops).
    """
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    with translation.override(language):
        return _build(loaded(response), language)


def _build(response: Response, language: str) -> Report:
    definition = response.version.parsed
    provider = response.provider
    own, overall, fired = _own_scores(response, definition)
    category_label = str(
        Category(provider.category).label
        if provider.category in Category.values
        else provider.category
    )
    territory, category = peer_comparisons(response, category_label, overall)
    previous, previous_scores = previous_diagnostic(response)

    axes = []
    for axis in definition.axes:
        value, counted = own.get(axis.code, (None, 0))
        axes.append(
            AxisLine(
                code=axis.code,
                title=axis.title.get(language),
                description=axis.description.get(language) if axis.description else "",
                score=value,
                counted=counted,
                territory=territory.axes.get(axis.code),
                category=category.axes.get(axis.code),
                previous=previous_scores.get(axis.code),
            )
        )

    levels = _levels(definition, language)
    level = None
    if overall is not None:
        number = response.level or definition.level_for(overall).number
        level = next((item for item in levels if item.number == number), None)

    change = None
    if previous is not None:
        change = Change(
            campaign_name=previous.campaign.name,
            completed_on=timezone.localdate(previous.completed_at),
            overall_before=previous.overall_score,
            overall_after=overall,
            axes=[
                AxisChange(code=line.code, title=line.title, before=line.previous, after=line.score)
                for line in axes
                if line.score is not None and line.previous is not None
            ],
        )

    strengths = _strengths(axes)
    return Report(
        response=response,
        provider=provider,
        campaign=response.campaign,
        office=response.office,
        language=language,
        questionnaire_title=definition.title.get(language),
        completed_on=timezone.localdate(response.completed_at) if response.completed_at else None,
        overall=overall,
        level=level,
        levels=levels,
        axes=axes,
        strengths=strengths,
        priorities=_with_offers(
            _priorities(definition, fired, axes, strengths, language), response.office
        ),
        territory=territory,
        category=category,
        change=change,
        chart=_chart(axes, territory, change),
        observations=observations_for(response),
        axes_assessed=score(
            definition, response.answers or {}, category=provider.category
        ).axes_assessed,
    )


def _chart(axes: list[AxisLine], territory: Comparison, change: Change | None):
    if not any(axis.score is not None for axis in axes):
        return None
    compare = []
    if territory.shown:
        compare.append((_("Moyenne du territoire"), [axis.territory for axis in axes]))
    if change is not None:
        compare.append(
            (
                _("Diagnostic précédent (%(year)s)") % {"year": change.completed_on.year},
                [axis.previous for axis in axes],
            )
        )
    kwargs = {
        "title": _("Vos scores par axe, sur 100"),
        "series_name": _("Votre score"),
        "compare": compare,
        "label_header": _("Axe"),
    }
    points = [(axis.title, axis.score) for axis in axes]
    return charts.radar(points, **kwargs) if len(points) >= 3 else charts.bars(points, **kwargs)
