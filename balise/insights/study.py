"""Build the territory study of a campaign: the tables, the key findings and the method.

:func:`build_study` reads the SQL aggregates of :mod:`balise.insights.aggregates` (a
constant number of GROUP BY queries, whatever the number of providers), masks every group
under :data:`MIN_GROUP` completed responses, writes the findings as sentences and caches
the result. Its sections live in :mod:`.answers` (indicators, needs, findings) and
:mod:`.evolution` (comparison with an earlier campaign). The cache key holds a cheap "data
version" (responses, invitations, latest audit), so a new or changed answer gives a new
key: the study is rebuilt, never stale.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from balise.diagnostics.definition import Definition
from balise.diagnostics.models import Campaign
from balise.lib.charts import bars, format_value, radar
from balise.members.models import Category, CategoryGroup, choice_labels

from . import aggregates
from .answers import AnswerViews
from .evolution import EvolutionViews
from .figures import PERCENT, group_of, language, percent_text, present, share
from .filters import StudyFilters
from .tables import MASKED, MIN_GROUP, Column, Study, StudyTable

CACHE_SECONDS = 24 * 3600
CACHE_PREFIX = "balise:study:v1"


# --- Building ---------------------------------------------------------------------------


class Builder(AnswerViews, EvolutionViews):
    """Reads the aggregates once and writes each view of the study (participation,
    maturity and heatmaps here; the other sections in their mixins)."""

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
            charts=present([chart]),
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
        with aggregates.analytic_reads():
            study = Builder(campaign, filters, compare).build()
        cache.set(key, study, CACHE_SECONDS)
    return study
