"""Build the territory study of a campaign: the tables, the key findings and the method.

:func:`build_study` reads the SQL aggregates of :mod:`balise.insights.aggregates` (a
constant number of GROUP BY queries, whatever the number of providers), masks every group
under :data:`MIN_GROUP` completed responses, writes the findings as sentences and caches
the result. The cache key holds a cheap "data version" (responses, invitations, latest
audit), so a new or changed answer gives a new key: the study is rebuilt, never stale.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from balise.diagnostics.definition import Definition
from balise.diagnostics.models import Campaign
from balise.lib.charts import Chart, bars, format_value, radar
from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup, choice_labels
from balise.workshops.progress import theme_progress

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
from .filters import StudyFilters
from .tables import MASKED, MIN_GROUP, Column, Finding, Study, StudyTable

CACHE_SECONDS = 24 * 3600
CACHE_PREFIX = "balise:study:v1"
PERCENT = "\u00a0%"

# --- Small helpers ----------------------------------------------------------------------


def share(count: float | None, base: float | None) -> float | None:
    return 100.0 * count / base if base and count is not None else None


def percent_text(value: float) -> str:
    return format_value(value, unit=PERCENT)


def group_of(category: str) -> str:
    return str(CATEGORY_GROUP.get(category, CategoryGroup.OTHER).value)


def language() -> str:
    return (get_language() or "fr")[:2]


def _visible(charts: list[Chart | None]) -> list[Chart]:
    return [chart for chart in charts if chart is not None]


def evolution_line(label: str, before: dict | None, after: dict | None, masked: bool) -> list:
    """A row of an evolution table: before, after, delta and the number of scores behind
    each (a side with fewer than MIN_GROUP scores has no average)."""
    if masked:
        return [label, MASKED, MASKED, MASKED, MASKED, MASKED]
    values = []
    for row in (before, after):
        if row and row["n"] >= MIN_GROUP and row["total"] is not None:
            values.append((row["total"] / row["n"], row["n"]))
        else:
            values.append((None, row["n"] if row else 0))
    (previous, previous_n), (current, current_n) = values
    delta = current - previous if current is not None and previous is not None else None
    return [label, previous, current, delta, previous_n, current_n]


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


# --- Building ---------------------------------------------------------------------------


class Builder:
    """Reads the aggregates once and writes each view of the study."""

    def __init__(self, campaign: Campaign, filters: StudyFilters, compare: Campaign | None):
        self.campaign = campaign
        self.filters = filters
        self.compare = compare
        self.lang = language()
        self.definition: Definition = campaign.version.parsed
        self.sample = aggregates.Sample(campaigns=(campaign.pk,), filters=filters)
        self.group_labels = choice_labels(CategoryGroup)
        self.category_labels = choice_labels(Category)
        self.axes = [(axis.code, axis.title.get(self.lang)) for axis in self.definition.axes]

        participation = aggregates.participation(campaign, filters)
        self.invited = sum(row["invited"] for row in participation)
        self.completed = sum(row["completed"] for row in participation)
        self.participation_rows = participation
        # Completed responses by group: the size every masking decision looks at.
        self.by_group: dict[str, int] = defaultdict(int)
        self.by_category: dict[str, int] = defaultdict(int)
        self.by_commune: dict[int | None, int] = defaultdict(int)
        self.commune_names: dict[int | None, str] = {}
        for row in participation:
            self.by_group[group_of(row["category"])] += row["completed"]
            self.by_category[row["category"]] += row["completed"]
            self.by_commune[row["commune_id"]] += row["completed"]
            self.commune_names[row["commune_id"]] = row["commune__name"] or _(
                "Commune non renseignée"
            )

    # Participation ---------------------------------------------------------------------

    def participation_table(self, key, title, groups, note="") -> StudyTable:
        """``groups``: (label, invited, completed) rows; a row under MIN_GROUP completed
        responses is masked entirely (its invited count too)."""
        columns = [
            Column("label", _("Groupe")),
            Column("invited", _("Sollicités"), "count"),
            Column("completed", _("Réponses complètes"), "count"),
            Column("rate", _("Taux de réponse"), "percent"),
        ]
        rows, masked = [], 0
        for label, invited, completed in groups:
            if completed < MIN_GROUP:
                rows.append([label, MASKED, MASKED, MASKED])
                masked += 1
            else:
                rate = None if self.filters.size else share(completed, invited)
                rows.append([label, invited, completed, rate])
        chart = None
        visible = [(row[0], row[3]) for row in rows if row[3] is not MASKED and row[3] is not None]
        if visible:
            chart = bars(
                visible,
                title=title,
                series_name=_("Taux de réponse"),
                unit=PERCENT,
                label_header=_("Groupe"),
            )
        return StudyTable(
            key=key,
            title=title,
            columns=columns,
            rows=rows,
            section="participation",
            note=note,
            charts=_visible([chart]),
            masked_groups=masked,
        )

    def participation_tables(self) -> list[StudyTable]:
        invited_group: dict[str, int] = defaultdict(int)
        invited_category: dict[str, int] = defaultdict(int)
        invited_commune: dict[int | None, int] = defaultdict(int)
        for row in self.participation_rows:
            invited_group[group_of(row["category"])] += row["invited"]
            invited_category[row["category"]] += row["invited"]
            invited_commune[row["commune_id"]] += row["invited"]
        note = _(
            "Sollicités : prestataires invités (lien personnel non révoqué) ou ayant répondu "
            "avec l'animateur. Un groupe de moins de %(min)s réponses complètes est masqué."
        ) % {"min": MIN_GROUP}
        if self.filters.size:
            note += " " + _(
                "La taille n'est connue que des répondants : le taux de réponse n'est pas "
                "calculé avec ce filtre."
            )
        groups = [(_("Ensemble"), self.invited, self.completed)] + [
            (str(self.group_labels[code]), invited_group[code], self.by_group[code])
            for code in self.group_labels
            if invited_group[code]
        ]
        categories = sorted(
            (
                (self.category_labels.get(code, code), invited, self.by_category[code])
                for code, invited in invited_category.items()
            ),
            key=lambda row: row[0],
        )
        communes = sorted(
            (
                (self.commune_names[commune], invited_commune[commune], self.by_commune[commune])
                for commune in invited_commune
            ),
            key=lambda row: row[0],
        )
        return [
            self.participation_table(
                "participation_by_group", _("Participation par famille d'activité"), groups, note
            ),
            self.participation_table(
                "participation_by_category", _("Participation par catégorie"), categories, note
            ),
            self.participation_table(
                "participation_by_commune", _("Participation par commune"), communes, note
            ),
        ]

    # Maturity --------------------------------------------------------------------------

    def levels_table(self) -> StudyTable:
        rows_by_level = {row["level"]: row for row in aggregates.levels(self.sample)}
        total = sum(row["n"] for row in rows_by_level.values())
        scored = sum(row["scored"] for row in rows_by_level.values())
        score_sum = sum(row["total"] or 0 for row in rows_by_level.values())
        self.overall_score = score_sum / scored if scored else None
        self.overall_row = {"campaign": self.campaign.pk, "n": total, "scored": scored}
        self.overall_row["total"] = score_sum
        rows = []
        for level in self.definition.levels:
            n = rows_by_level.get(level.number, {}).get("n", 0)
            rows.append([f"{level.number}. {level.name.get(self.lang)}", n, share(n, total)])
        chart = bars(
            [(row[0], row[2]) for row in rows],
            title=_("Répartition des prestataires par niveau"),
            series_name=_("Part des répondants"),
            unit=PERCENT,
            label_header=_("Niveau"),
        )
        return StudyTable(
            key="levels",
            title=_("Niveaux de maturité"),
            columns=[
                Column("label", _("Niveau")),
                Column("count", _("Prestataires"), "count"),
                Column("share", _("Part"), "percent"),
            ],
            rows=rows,
            section="maturity",
            note=_("Score global moyen : %(score)s sur 100, sur %(n)s réponses complètes.")
            % {
                "score": format_value(self.overall_score),
                "n": total,
            },
            charts=[chart],
        )

    def axes_table(self) -> StudyTable:
        territory: dict[str, dict] = {}
        self.territory = territory
        for row in self.axis_cells:
            cell = territory.setdefault(row["axis"], {"n": 0, "total": 0.0})
            cell["n"] += row["n"]
            cell["total"] += row["total"] or 0
        network = {row["axis"]: row for row in aggregates.network_axes(self.campaign, self.filters)}
        has_network = bool(network)
        rows, masked = [], 0
        self.axis_means: dict[str, float] = {}
        for code, title in self.axes:
            row = territory.get(code, {"n": 0, "total": None})
            n = row["n"]
            if n < MIN_GROUP:
                value: object = MASKED if n else None
                masked += 1 if n else 0
            else:
                value = row["total"] / n
                self.axis_means[code] = value
            line = [title, value, n if n >= MIN_GROUP or not n else MASKED]
            if has_network:
                other = network.get(code)
                line.append(
                    other["total"] / other["n"] if other and other["n"] >= MIN_GROUP else None
                )
            rows.append(line)
        columns = [
            Column("label", _("Axe")),
            Column("score", _("Score moyen"), "score"),
            Column("answers", _("Réponses"), "count"),
        ]
        if has_network:
            columns.append(Column("network", _("Moyenne du réseau"), "score"))
        charts = []
        if len(rows) >= 3:
            values = [(row[0], row[1] if isinstance(row[1], float) else None) for row in rows]
            compare = [(_("Moyenne du réseau"), [row[3] for row in rows])] if has_network else []
            charts.append(
                radar(
                    values,
                    title=_("Score moyen par axe"),
                    series_name=_("Territoire"),
                    compare=compare,
                    label_header=_("Axe"),
                )
            )
        note = _(
            "Score de 0 à 100 par axe ; « Réponses » : prestataires dont l'axe a pu être "
            "noté (les « je ne sais pas » et les questions sans objet ne comptent pas)."
        )
        if has_network:
            note += " " + _(
                "Moyenne du réseau : tous les offices du réseau, campagnes de la même année, "
                "avec les mêmes filtres."
            )
        return StudyTable(
            key="axes",
            title=_("Scores moyens par axe"),
            columns=columns,
            rows=rows,
            section="maturity",
            note=note,
            charts=charts,
            masked_groups=masked,
        )

    # Heatmaps --------------------------------------------------------------------------

    def heatmap(self, key, title, label, groups, rows_of_query) -> StudyTable:
        """Groups as rows (label, responses, one score per axis); a group under
        MIN_GROUP responses is masked entirely, a cell with fewer scores too."""
        sums: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
        for group, row in rows_of_query:
            cell = sums[(group, row["axis"])]
            cell[0] += row["n"]
            cell[1] += row["total"] or 0
        rows, masked = [], 0
        for group, group_label, size in groups:
            if size < MIN_GROUP:
                rows.append([group_label, MASKED] + [MASKED] * len(self.axes))
                masked += 1
                continue
            line: list = [group_label, size]
            for code, _title in self.axes:
                n, total = sums.get((group, code), (0, 0.0))
                line.append(total / n if n >= MIN_GROUP else (MASKED if n else None))
            rows.append(line)
        return StudyTable(
            key=key,
            title=title,
            columns=[Column("label", label), Column("responses", _("Réponses"), "count")]
            + [Column(code, axis_title, "score") for code, axis_title in self.axes],
            rows=rows,
            section="heatmaps",
            note=_("Score moyen de 0 à 100. « — » : moins de %(min)s réponses, chiffre masqué.")
            % {"min": MIN_GROUP},
            masked_groups=masked,
        )

    def heatmaps(self) -> list[StudyTable]:
        by_category = by_commune = self.axis_cells
        groups = [
            (code, str(label), self.by_group[code])
            for code, label in self.group_labels.items()
            if self.by_group.get(code)
        ]
        communes = sorted(
            (
                (commune, self.commune_names[commune], size)
                for commune, size in self.by_commune.items()
                if size
            ),
            key=lambda row: row[1],
        )
        return [
            self.heatmap(
                "heatmap_category_group",
                _("Scores par axe et par famille d'activité"),
                _("Famille"),
                groups,
                ((group_of(row["response__provider__category"]), row) for row in by_category),
            ),
            self.heatmap(
                "heatmap_commune",
                _("Scores par axe et par commune"),
                _("Commune"),
                communes,
                ((row["response__provider__commune"], row) for row in by_commune),
            ),
        ]

    # Answers: indicators, needs, findings ----------------------------------------------

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

    # Evolution -------------------------------------------------------------------------

    def evolution_tables(self) -> list[StudyTable]:
        compare = self.compare
        if compare is None:
            return []
        previous_axes = {axis.code for axis in compare.version.parsed.axes}
        axes = [(code, title) for code, title in self.axes if code in previous_axes]
        tables = []
        both = (self.campaign.pk, compare.pk)
        for key, title, sample in (
            (
                "evolution_panel",
                _("Évolution sur les prestataires ayant répondu aux deux campagnes"),
                aggregates.Sample(campaigns=both, filters=self.filters, panel=both),
            ),
            (
                "evolution_all",
                _("Évolution sur l'ensemble des répondants"),
                # This campaign's figures are known already: only read the other one's.
                aggregates.Sample(campaigns=(compare.pk,), filters=self.filters),
            ),
        ):
            overall, by_axis = aggregates.by_campaign(sample)
            if key == "evolution_all":
                overall.append(self.overall_row)
                by_axis += [
                    {"response__campaign": self.campaign.pk, "axis": axis, **sums}
                    for axis, sums in self.territory.items()
                ]
            sizes = {row["campaign"]: row for row in overall}
            sums = {(row["response__campaign"], row["axis"]): row for row in by_axis}
            before_n = sizes.get(compare.pk, {}).get("n", 0)
            after_n = sizes.get(self.campaign.pk, {}).get("n", 0)
            masked = before_n < MIN_GROUP or after_n < MIN_GROUP

            scored = {
                campaign_id: {"n": row["scored"], "total": row["total"]}
                for campaign_id, row in sizes.items()
            }
            pairs = [(_("Score global"), scored.get(compare.pk), scored.get(self.campaign.pk))]
            pairs += [
                (axis_title, sums.get((compare.pk, code)), sums.get((self.campaign.pk, code)))
                for code, axis_title in axes
            ]
            rows = [evolution_line(label, before, after, masked) for label, before, after in pairs]
            charts = []
            if not masked and len(axes) >= 3:
                charts.append(
                    radar(
                        [(row[0], row[2]) for row in rows[1:]],
                        title=title,
                        series_name=self.campaign.name,
                        compare=[(compare.name, [row[1] for row in rows[1:]])],
                        label_header=_("Axe"),
                    )
                )
            if key == "evolution_panel":
                note = _(
                    "%(n)s prestataires ont terminé le diagnostic dans les deux campagnes "
                    "(avec les filtres choisis)."
                ) % {"n": after_n if not masked else _("moins de %s") % MIN_GROUP}
            else:
                note = _("Tous les répondants de chaque campagne : l'échantillon change.")
            tables.append(
                StudyTable(
                    key=key,
                    title=title,
                    columns=[
                        Column("label", _("Score")),
                        Column("before", compare.name, "score"),
                        Column("after", self.campaign.name, "score"),
                        Column("delta", _("Écart (points)"), "delta"),
                        Column("before_n", _("Réponses avant"), "count"),
                        Column("after_n", _("Réponses après"), "count"),
                    ],
                    rows=rows,
                    section="evolution",
                    note=note,
                    charts=charts,
                    masked_groups=1 if masked else 0,
                )
            )
        return tables

    def workshops_table(self) -> StudyTable | None:
        """The workshops' measured effect between the compared campaign and this one:
        score change on each theme's axes, attendees against the others
        (:func:`balise.workshops.progress.theme_progress`, masked under MIN_GROUP). Only
        without filters: the comparison groups are the whole panel of the office."""
        compare = self.compare
        if compare is None or not self.filters.is_empty:
            return None
        before, after = sorted((compare, self.campaign), key=lambda c: (c.starts_on, c.pk))
        themes = theme_progress(office=self.campaign.office, before=before, after=after)
        rows, masked = [], 0
        for progress in themes:
            for line in progress.axes:
                if line.attendees.masked or line.others.masked:
                    masked += 1
                rows.append(
                    [
                        progress.theme.title,
                        line.title,
                        line.attendees.count,
                        line.attendees.change,
                        line.others.count,
                        line.others.change,
                        line.difference,
                    ]
                )
        if not rows:
            return None
        return StudyTable(
            key="workshops_effect",
            title=_("Ateliers suivis et progression"),
            columns=[
                Column("theme", _("Atelier")),
                Column("axis", _("Axe")),
                Column("attendees", _("Participants"), "count"),
                Column("attendees_change", _("Évolution des participants"), "delta"),
                Column("others", _("Autres prestataires"), "count"),
                Column("others_change", _("Évolution des autres"), "delta"),
                Column("difference", _("Écart (points)"), "delta"),
            ],
            rows=rows,
            section="evolution",
            note=_(
                "Prestataires ayant terminé les deux diagnostics ; participants : présents à "
                "une séance du thème entre leurs deux diagnostics. Les participants ont "
                "choisi de venir : l'écart est une indication, pas une preuve."
            ),
            masked_groups=masked,
        )

    # Method ----------------------------------------------------------------------------

    def method(self) -> list[str]:
        campaign = self.campaign
        paragraphs = [
            _(
                "Campagne « %(name)s », du %(start)s au %(end)s : %(invited)s prestataires "
                "sollicités, %(completed)s diagnostics complets (taux de réponse : %(rate)s)."
            )
            % {
                "name": campaign.name,
                "start": date_format(campaign.starts_on, "DATE_FORMAT"),
                "end": date_format(campaign.ends_on, "DATE_FORMAT"),
                "invited": self.invited,
                "completed": self.completed,
                "rate": percent_text(share(self.completed, self.invited))
                if self.invited and not self.filters.size
                else "—",
            },
            _(
                "Chaque prestataire a répondu au questionnaire « %(title)s ». Chaque réponse "
                "rapporte des points ; le score d'un axe (0 à 100) est la part des points "
                "possibles obtenus, sans compter les « je ne sais pas » ni les questions sans "
                "objet. Le score global est la moyenne pondérée des axes, et donne un niveau "
                "de 1 à 5."
            )
            % {"title": self.definition.title.get(self.lang)},
            _(
                "Secret statistique : tout groupe (famille, catégorie, commune…) de moins de "
                "%(min)s réponses complètes est masqué (« — ») dans chaque tableau, "
                "graphique et export, effectifs compris."
            )
            % {"min": MIN_GROUP},
            _(
                "Déclaré et observé : les indicateurs « déclarés » viennent des réponses ; "
                "les indicateurs « observés » viennent du dernier audit automatique du site "
                "web de chaque répondant (ce qu'un visiteur voit de l'extérieur)."
            ),
        ]
        if self.filters.describe():
            paragraphs.append(_("Filtres appliqués : %s.") % self.filters.describe())
        if self.compare is not None:
            paragraphs.append(
                _(
                    "Comparaison avec la campagne « %(name)s » : d'une part sur les "
                    "prestataires ayant répondu aux deux campagnes, d'autre part sur tous les "
                    "répondants ; écarts en points de score."
                )
                % {"name": self.compare.name}
            )
        return paragraphs

    def build(self) -> Study:
        study = Study(
            title=_("Étude du numérique sur le territoire"),
            office_name=self.campaign.office.name,
            campaign_name=self.campaign.name,
            generated_at=timezone.now(),
            invited=self.invited,
            completed=self.completed,
            filters_text=self.filters.describe(),
            compare_name=self.compare.name if self.compare else "",
        )
        study.method = self.method()
        if self.completed < MIN_GROUP:
            study.method.insert(
                0,
                _(
                    "Moins de %(min)s diagnostics complets pour cette sélection : les "
                    "résultats ne sont pas affichés, pour protéger les répondants."
                )
                % {"min": MIN_GROUP},
            )
            return study
        self.load_answers()
        # Axis sums by category and commune: the axes, both heatmaps, in one query.
        self.axis_cells = aggregates.axes_by(self.sample, "provider__category", "provider__commune")
        tables = self.participation_tables()
        tables += [self.levels_table(), self.axes_table()]
        tables += self.heatmaps()
        tables.append(self.indicators_table())
        tables += self.needs_tables()
        tables += self.evolution_tables()
        workshops = self.workshops_table()
        if workshops is not None:
            tables.append(workshops)
        study.tables = tables
        study.findings = self.findings()
        return study


def cache_key(campaign: Campaign, filters: StudyFilters, compare: Campaign | None) -> str:
    """The cache key of a study: what is asked (campaign, comparison, filters, language)
    and the version of the data (see :func:`aggregates.data_version`)."""
    ids = [campaign.pk] + ([compare.pk] if compare else [])
    version = aggregates.data_version(campaign.office_id, ids).key()
    parts = "§".join(
        [
            str(campaign.pk),
            str(compare.pk if compare else ""),
            filters.cache_key(),
            language(),
            version,
        ]
    )
    return f"{CACHE_PREFIX}:{hashlib.sha256(parts.encode()).hexdigest()}"


def build_study(
    campaign: Campaign, *, filters: StudyFilters | None = None, compare: Campaign | None = None
) -> Study:
    """The territory study of ``campaign``, for the providers matching ``filters``, compared
    with the earlier campaign ``compare`` (same office only; otherwise ignored).

    Side effects: reads the cache and stores the built study in it (Django cache, one day,
    under a key that changes as soon as responses, invitations or audits change).
    """
    filters = filters or StudyFilters()
    if compare is not None and (
        compare.pk == campaign.pk or compare.office_id != campaign.office_id
    ):
        compare = None
    key = cache_key(campaign, filters, compare)
    study = cache.get(key)
    if study is None:
        study = Builder(campaign, filters, compare).build()
        cache.set(key, study, CACHE_SECONDS)
    return study
