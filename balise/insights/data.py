"""What a study is computed from: the raw figures of its aggregates, read once.

:func:`gather` runs the study's queries (a constant number, whatever the number of
providers) and returns one :class:`StudyData`. The sections of the study
(:mod:`.participation`, :mod:`.maturity`, :mod:`.answers`, :mod:`.evolution`) are functions
of that value: they mask and write tables, and never query. Nothing here is masked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from balise.diagnostics.definition import Definition
from balise.diagnostics.models import Campaign
from balise.members.models import Category, CategoryGroup, choice_labels
from balise.workshops.progress import ThemeProgress, theme_progress

from . import aggregates
from .definitions import INDICATORS, NEEDS, TELLING, Indicator
from .figures import group_of, language
from .filters import StudyFilters
from .tables import MIN_GROUP


class Counts:
    """Option counts and bases of some questions, by key (a provider category, or a
    campaign), summed into groups by ``group`` ("" is the whole sample).

    A single-choice answer is one row per response, so its base is the sum of its option
    counts; ``bases`` give the base of the multiple-choice questions."""

    def __init__(
        self,
        options: list[dict],
        bases: list[dict],
        multiple: set[str],
        group: Callable[[object], object] = group_of,
    ):
        self.options: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(int))
        self.bases: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for row in options:
            key = group(row["key"])
            counts = self.options[(row["question"], row["option"])]
            counts[""] += row["n"]
            counts[key] += row["n"]
            if row["question"] not in multiple:
                self.bases[row["question"]][""] += row["n"]
                self.bases[row["question"]][key] += row["n"]
        for row in bases:
            counts = self.bases[row["question"]]
            counts[""] += row["n"]
            counts[group(row["key"])] += row["n"]

    def count(self, question: str, options: tuple[str, ...], group: object = "") -> int:
        return sum(self.options.get((question, option), {}).get(group, 0) for option in options)

    def base(self, question: str, group: object = "") -> int:
        return self.bases.get(question, {}).get(group, 0)

    def indicator(self, indicator: Indicator, group: object = "") -> tuple[int, int]:
        """(respondents saying yes, respondents to the question) for a key indicator:
        the "yes" options, or everyone but the "none" options of a multiple choice."""
        base = self.base(indicator.question, group)
        if indicator.none:
            return base - self.count(indicator.question, indicator.none, group), base
        return self.count(indicator.question, indicator.yes, group), base


def read_counts(
    sample: aggregates.Sample,
    definition: Definition,
    questions: Iterable[str],
    *,
    by: str = "provider__category",
    group: Callable[[object], object] = group_of,
) -> Counts:
    """The option counts and bases of ``questions`` (those of ``definition``), by ``by``
    (two queries; see :func:`aggregates.option_counts`)."""
    codes = {code for code in questions if definition.question(code) is not None}
    multiple = {code for code in codes if definition.question(code).type == "multiple"}
    return Counts(
        aggregates.option_counts(sample, codes, by=by),
        aggregates.question_bases(sample, multiple, by=by),
        multiple,
        group,
    )


@dataclass(frozen=True)
class StudyData:
    """The raw figures of one study: what is asked, what the queries returned, and the
    sums every section shares. Below :data:`MIN_GROUP` completed responses only the
    participation is read (the study shows nothing else)."""

    campaign: Campaign
    filters: StudyFilters
    compare: Campaign | None
    lang: str
    definition: Definition
    axes: list[tuple[str, str]]  # (code, title) in the questionnaire's order
    group_labels: dict
    category_labels: dict
    # Participation rows by (category, commune), and completed responses by group: the
    # size every masking decision looks at.
    participation: list[dict]
    invited: int
    completed: int
    by_group: dict[str, int]
    by_category: dict[str, int]
    by_commune: dict[int | None, int]
    commune_names: dict[int | None, str]
    # Read only when there are enough responses.
    levels: list[dict] = field(default_factory=list)
    axis_cells: list[dict] = field(default_factory=list)  # axis sums by category, commune
    network_axes: list[dict] = field(default_factory=list)
    counts: Counts | None = None
    observed: dict[str, dict] = field(default_factory=dict)
    # The compared campaign: (overall rows, axis rows) on the panel, and on all of its
    # own respondents (this campaign's side comes from ``overall`` and ``territory``).
    panel: tuple[list[dict], list[dict]] | None = None
    previous: tuple[list[dict], list[dict]] | None = None
    workshops: list[ThemeProgress] | None = None
    # Sums shared by several sections.
    territory: dict[str, dict] = field(default_factory=dict)  # axis → {"n", "total"}
    overall: dict = field(default_factory=dict)  # {"campaign", "n", "scored", "total"}
    axis_means: dict[str, float] = field(default_factory=dict)  # unmasked axes only

    @property
    def overall_score(self) -> float | None:
        scored = self.overall.get("scored")
        return self.overall["total"] / scored if scored else None

    @property
    def enough(self) -> bool:
        return self.completed >= MIN_GROUP


def _sizes(participation: list[dict]) -> dict:
    by_group: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    by_commune: dict[int | None, int] = defaultdict(int)
    commune_names: dict[int | None, str] = {}
    for row in participation:
        by_group[group_of(row["category"])] += row["completed"]
        by_category[row["category"]] += row["completed"]
        by_commune[row["commune_id"]] += row["completed"]
        commune_names[row["commune_id"]] = row["commune__name"] or _("Commune non renseignée")
    return {
        "invited": sum(row["invited"] for row in participation),
        "completed": sum(row["completed"] for row in participation),
        "by_group": by_group,
        "by_category": by_category,
        "by_commune": by_commune,
        "commune_names": commune_names,
    }


def _sums(campaign: Campaign, levels: list[dict], axis_cells: list[dict]) -> dict:
    territory: dict[str, dict] = {}
    for row in axis_cells:
        cell = territory.setdefault(row["axis"], {"n": 0, "total": 0.0})
        cell["n"] += row["n"]
        cell["total"] += row["total"] or 0
    overall = {
        "campaign": campaign.pk,
        "n": sum(row["n"] for row in levels),
        "scored": sum(row["scored"] for row in levels),
        "total": sum(row["total"] or 0 for row in levels),
    }
    means = {
        code: cell["total"] / cell["n"]
        for code, cell in territory.items()
        if cell["n"] >= MIN_GROUP
    }
    return {"territory": territory, "overall": overall, "axis_means": means}


def gather(campaign: Campaign, filters: StudyFilters, compare: Campaign | None) -> StudyData:
    """Read every figure of the study of ``campaign`` (see :class:`StudyData`).

    ``compare`` must be another campaign of the same office (see
    :func:`balise.insights.comparison.compared_campaign`). Read-only.
    """
    lang = language()
    definition: Definition = campaign.version.parsed
    participation = aggregates.participation(
        [campaign], filters, "category", "commune_id", "commune__name"
    )
    asked = {
        "campaign": campaign,
        "filters": filters,
        "compare": compare,
        "lang": lang,
        "definition": definition,
        "axes": [(axis.code, axis.title.get(lang)) for axis in definition.axes],
        "group_labels": choice_labels(CategoryGroup),
        "category_labels": choice_labels(Category),
        "participation": participation,
        **_sizes(participation),
    }
    if asked["completed"] < MIN_GROUP:
        return StudyData(**asked)
    sample = aggregates.Sample(campaigns=(campaign.pk,), filters=filters)
    questions = {spec.question for spec in TELLING}
    questions |= {indicator.question for indicator in INDICATORS}
    questions |= {question for _key, question, _title in NEEDS}
    counts = read_counts(sample, definition, questions)
    # Axis sums by category and commune: the axes, both heatmaps, in one query.
    axis_cells = aggregates.axes_by(sample, "provider__category", "provider__commune")
    levels = aggregates.levels(sample)
    checks = [
        indicator.check
        for indicator in INDICATORS
        if indicator.check and definition.question(indicator.question) is not None
    ]
    read = {
        "levels": levels,
        "axis_cells": axis_cells,
        "network_axes": aggregates.network_axes(campaign, filters),
        "counts": counts,
        "observed": aggregates.observed(sample, checks),
        **_sums(campaign, levels, axis_cells),
    }
    if compare is not None:
        both = (campaign.pk, compare.pk)
        read["panel"] = aggregates.by_campaign(
            aggregates.Sample(campaigns=both, filters=filters, panel=both)
        )
        read["previous"] = aggregates.by_campaign(
            aggregates.Sample(campaigns=(compare.pk,), filters=filters)
        )
        if filters.is_empty:
            # The workshops' effect compares the whole panel of the office: no filters.
            before, after = sorted((compare, campaign), key=lambda c: (c.starts_on, c.pk))
            read["workshops"] = theme_progress(office=campaign.office, before=before, after=after)
    return StudyData(**asked, **read)
