"""The study's views read from the answers: key indicators (declared and observed), needs,
and the strengths and weaknesses written as sentences.

:class:`AnswerViews` is a part of :class:`balise.insights.study.Builder`: it reads the
option counts once (:meth:`AnswerViews.load_answers`, two GROUP BY queries) and writes each
table from them, masking any group under MIN_GROUP respondents.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balise.diagnostics.definition import Definition
from balise.lib.charts import bars, format_value

from . import aggregates
from .definitions import (
    FINDING_SHARE,
    FINDINGS_PER_KIND,
    GROUP_GAP,
    GROUP_PLURAL,
    INDICATORS,
    NEEDS,
    TELLING,
)
from .figures import PERCENT, group_of, percent_text, share
from .tables import MASKED, MIN_GROUP, Column, Finding, StudyTable


class Counts:
    """Option counts and bases of some questions, by category, summed into groups.

    A single-choice answer is one row per response, so its base is the sum of its option
    counts; ``bases`` give the base of the multiple-choice questions."""

    def __init__(self, options: list[dict], bases: list[dict], multiple: set[str]):
        self.options: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.bases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in options:
            group = group_of(row["category"])
            counts = self.options[(row["question"], row["option"])]
            counts[""] += row["n"]
            counts[group] += row["n"]
            if row["question"] not in multiple:
                self.bases[row["question"]][""] += row["n"]
                self.bases[row["question"]][group] += row["n"]
        for row in bases:
            counts = self.bases[row["question"]]
            counts[""] += row["n"]
            counts[group_of(row["category"])] += row["n"]

    def count(self, question: str, options: tuple[str, ...], group: str = "") -> int:
        return sum(self.options.get((question, option), {}).get(group, 0) for option in options)

    def base(self, question: str, group: str = "") -> int:
        return self.bases.get(question, {}).get(group, 0)


class AnswerViews:
    """Indicators, needs and findings: the part of the study builder that reads answers.

    Uses from the builder: ``definition``, ``sample``, ``lang``, ``group_labels``,
    ``by_group`` (completed responses by family), ``axes`` and ``axis_means``."""

    definition: Definition
    sample: aggregates.Sample
    lang: str
    group_labels: dict
    by_group: dict[str, int]
    axes: list[tuple[str, str]]
    axis_means: dict[str, float]
    counts: Counts

    def load_answers(self) -> None:
        questions = {spec.question for spec in TELLING}
        questions |= {indicator.question for indicator in INDICATORS}
        questions |= {question for _key, question, _title in NEEDS}
        questions = {code for code in questions if self.definition.question(code) is not None}
        multiple = {code for code in questions if self.definition.question(code).type == "multiple"}
        self.counts = Counts(
            aggregates.option_counts(self.sample, questions),
            aggregates.question_bases(self.sample, multiple),
            multiple,
        )

    def indicators_table(self) -> StudyTable:
        indicators = [i for i in INDICATORS if self.definition.question(i.question) is not None]
        observed = aggregates.observed(self.sample, [i.check for i in indicators if i.check])
        rows = []
        for indicator in indicators:
            base = self.counts.base(indicator.question)
            if indicator.none:
                yes = base - self.counts.count(indicator.question, indicator.none)
            else:
                yes = self.counts.count(indicator.question, indicator.yes)
            declared: object = share(yes, base) if base >= MIN_GROUP else MASKED
            if not base:
                declared = None
            seen = observed.get(indicator.check) if indicator.check else None
            if not indicator.check:
                observed_share: object = None
                audited: object = None
            elif not seen or not seen["audited"]:
                observed_share, audited = None, 0
            elif seen["audited"] < MIN_GROUP:
                observed_share, audited = MASKED, MASKED
            else:
                observed_share, audited = share(seen["ok"], seen["audited"]), seen["audited"]
            rows.append(
                [
                    str(indicator.label),
                    declared,
                    base if base >= MIN_GROUP or not base else MASKED,
                    observed_share,
                    audited,
                ]
            )
        chart_rows = [row for row in rows if isinstance(row[1], float)]
        charts = []
        if chart_rows:
            charts.append(
                bars(
                    [(row[0], row[1]) for row in chart_rows],
                    title=_("Indicateurs clés, déclaré et observé"),
                    series_name=_("Déclaré"),
                    compare=[
                        (
                            _("Observé"),
                            [row[3] if isinstance(row[3], float) else None for row in chart_rows],
                        )
                    ],
                    unit=PERCENT,
                    label_header=_("Indicateur"),
                )
            )
        return StudyTable(
            key="indicators",
            title=_("Indicateurs clés : déclaré et observé"),
            columns=[
                Column("label", _("Indicateur")),
                Column("declared", _("Déclaré"), "percent"),
                Column("declared_base", _("Base déclarée"), "count"),
                Column("observed", _("Observé"), "percent"),
                Column("observed_base", _("Sites audités"), "count"),
            ],
            rows=rows,
            section="indicators",
            note=_(
                "Déclaré : part des répondants ayant répondu à la question (les « je ne sais "
                "pas » comptent dans la base). Observé : part des sites des répondants dont "
                "le dernier audit donne un résultat correct sur ce point ; vide quand un "
                "audit ne peut pas le voir."
            ),
            charts=charts,
        )

    def needs_tables(self) -> list[StudyTable]:
        tables = []
        groups = [code for code in self.group_labels if self.by_group.get(code)]
        for key, code, title in NEEDS:
            question = self.definition.question(code)
            if question is None:
                continue
            base = self.counts.base(code)
            group_bases = {group: self.counts.base(code, group) for group in groups}
            masked_columns = [group for group in groups if group_bases[group] < MIN_GROUP]
            rows = []
            for option in question.options:
                count = self.counts.count(code, (option.code,))
                line = [option.label.get(self.lang), count, share(count, base)]
                for group in groups:
                    if group in masked_columns:
                        line.append(MASKED)
                    else:
                        chosen = self.counts.count(code, (option.code,), group)
                        line.append(share(chosen, group_bases[group]))
                rows.append(line)
            if key in ("needs_themes", "needs_obstacles"):
                rows.sort(key=lambda line: -line[1])
            charts = []
            if base:
                charts.append(
                    bars(
                        [(line[0], line[2]) for line in rows],
                        title=str(title),
                        series_name=_("Part des répondants"),
                        unit=PERCENT,
                        label_header=_("Réponse"),
                    )
                )
            tables.append(
                StudyTable(
                    key=key,
                    title=str(title),
                    columns=[
                        Column("label", _("Réponse")),
                        Column("count", _("Prestataires"), "count"),
                        Column("share", _("Part"), "percent"),
                    ]
                    + [Column(group, str(self.group_labels[group]), "percent") for group in groups],
                    rows=rows,
                    section="needs",
                    note=ngettext(
                        "Plusieurs réponses possibles ; part calculée sur %(n)s répondant à la "
                        "question, puis dans chaque famille.",
                        "Plusieurs réponses possibles ; parts calculées sur les %(n)s "
                        "répondants à la question, puis dans chaque famille.",
                        base,
                    )
                    % {"n": base},
                    charts=charts,
                    masked_groups=len(masked_columns),
                )
            )
        return tables

    def findings(self) -> list[Finding]:
        findings: list[Finding] = []
        if self.axis_means:
            ranked = sorted(self.axis_means.items(), key=lambda item: item[1])
            titles = dict(self.axes)
            best, worst = ranked[-1], ranked[0]
            findings.append(
                Finding(
                    "strength",
                    _("Axe le plus avancé : %(axis)s, score moyen %(score)s sur 100")
                    % {"axis": titles[best[0]], "score": format_value(best[1])},
                    value=best[1],
                )
            )
            if worst[0] != best[0]:
                findings.append(
                    Finding(
                        "weakness",
                        _("Axe le plus en retrait : %(axis)s, score moyen %(score)s sur 100")
                        % {"axis": titles[worst[0]], "score": format_value(worst[1])},
                        value=worst[1],
                    )
                )
        candidates: dict[str, list[Finding]] = {"strength": [], "weakness": []}
        for spec in TELLING:
            if self.definition.question(spec.question) is None:
                continue
            base = self.counts.base(spec.question)
            if base < MIN_GROUP:
                continue
            overall = share(self.counts.count(spec.question, spec.options), base)
            cited = [("", overall, base)]
            for group in self.group_labels:
                group_base = self.counts.base(spec.question, group)
                if group_base < MIN_GROUP or group_base == base:
                    continue
                value = share(self.counts.count(spec.question, spec.options, group), group_base)
                if abs(value - overall) >= GROUP_GAP:
                    cited.append((group, value, group_base))
            for group, value, group_base in cited:
                if value < FINDING_SHARE:
                    continue
                text = str(spec.sentence) % {
                    "share": percent_text(value),
                    "who": GROUP_PLURAL.get(group, GROUP_PLURAL[""]),
                }
                text += " " + _("(base : %(n)s réponses)") % {"n": group_base}
                candidates[spec.kind].append(Finding(spec.kind, text, value=value, base=group_base))
        for kind in ("strength", "weakness"):
            ranked = sorted(candidates[kind], key=lambda finding: -(finding.value or 0))
            findings.extend(ranked[:FINDINGS_PER_KIND])
        return findings
