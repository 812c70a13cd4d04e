"""The study's sections read from the answers: key indicators (declared and observed),
needs, and the strengths and weaknesses written as sentences.

Each is a function of :class:`~balise.insights.data.StudyData`, whose ``counts`` hold the
option counts read once; any group under MIN_GROUP respondents is masked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balise.lib.charts import bars, format_value

from .data import StudyData
from .definitions import (
    FINDING_SHARE,
    FINDINGS_PER_KIND,
    GROUP_GAP,
    GROUP_PLURAL,
    INDICATORS,
    NEEDS,
    TELLING,
)
from .figures import PERCENT, percent_text, share
from .tables import MASKED, MIN_GROUP, Column, Finding, StudyTable


def indicators_table(data: StudyData) -> StudyTable:
    """Each key indicator as declared (share of the respondents to its question) and as
    observed (share of the respondents' audited sites with a correct outcome)."""
    indicators = [i for i in INDICATORS if data.definition.question(i.question) is not None]
    rows = []
    for indicator in indicators:
        yes, base = data.counts.indicator(indicator)
        declared: object = share(yes, base) if base >= MIN_GROUP else MASKED
        if not base:
            declared = None
        seen = data.observed.get(indicator.check) if indicator.check else None
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


def needs_tables(data: StudyData) -> list[StudyTable]:
    """One table per needs question: each option's share overall and in each family."""
    tables = []
    groups = [code for code in data.group_labels if data.by_group.get(code)]
    for key, code, title in NEEDS:
        question = data.definition.question(code)
        if question is None:
            continue
        base = data.counts.base(code)
        group_bases = {group: data.counts.base(code, group) for group in groups}
        masked_columns = [group for group in groups if group_bases[group] < MIN_GROUP]
        rows = []
        for option in question.options:
            count = data.counts.count(code, (option.code,))
            line = [option.label.get(data.lang), count, share(count, base)]
            for group in groups:
                if group in masked_columns:
                    line.append(MASKED)
                else:
                    chosen = data.counts.count(code, (option.code,), group)
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
                + [Column(group, str(data.group_labels[group]), "percent") for group in groups],
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


def findings(data: StudyData) -> list[Finding]:
    """The best and worst axes, then the telling answers given by at least
    FINDING_SHARE of the sample or of a family (at most FINDINGS_PER_KIND of each kind)."""
    findings: list[Finding] = []
    if data.axis_means:
        ranked = sorted(data.axis_means.items(), key=lambda item: item[1])
        titles = dict(data.axes)
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
        if data.definition.question(spec.question) is None:
            continue
        base = data.counts.base(spec.question)
        if base < MIN_GROUP:
            continue
        overall = share(data.counts.count(spec.question, spec.options), base)
        cited = [("", overall, base)]
        for group in data.group_labels:
            group_base = data.counts.base(spec.question, group)
            if group_base < MIN_GROUP or group_base == base:
                continue
            value = share(data.counts.count(spec.question, spec.options, group), group_base)
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
