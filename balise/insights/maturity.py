"""The study's maturity tables: levels, mean score by axis (with the network's average)
and the heatmaps of the axes by family and by commune."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from balise.lib.charts import bars, format_value, radar

from .data import StudyData
from .figures import PERCENT, group_of, share
from .tables import MASKED, MIN_GROUP, Column, StudyTable


def levels_table(data: StudyData) -> StudyTable:
    rows_by_level = {row["level"]: row for row in data.levels}
    total = data.overall["n"]
    rows = []
    for level in data.definition.levels:
        n = rows_by_level.get(level.number, {}).get("n", 0)
        rows.append([f"{level.number}. {level.name.get(data.lang)}", n, share(n, total)])
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
        % {"score": format_value(data.overall_score), "n": total},
        charts=[chart],
    )


def axes_table(data: StudyData) -> StudyTable:
    network = {row["axis"]: row for row in data.network_axes}
    has_network = bool(network)
    rows, masked = [], 0
    for code, title in data.axes:
        row = data.territory.get(code, {"n": 0, "total": None})
        n = row["n"]
        if n < MIN_GROUP:
            value: object = MASKED if n else None
            masked += 1 if n else 0
        else:
            value = data.axis_means[code]
        line = [title, value, n if n >= MIN_GROUP or not n else MASKED]
        if has_network:
            other = network.get(code)
            line.append(other["total"] / other["n"] if other and other["n"] >= MIN_GROUP else None)
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


def heatmap(
    data: StudyData,
    key: str,
    title: str,
    label: str,
    groups: list[tuple],
    rows_of_query: Iterable[tuple],
) -> StudyTable:
    """Groups as rows (label, responses, one score per axis); a group under MIN_GROUP
    responses is masked entirely, a cell with fewer scores too."""
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
    for group, row in rows_of_query:
        cell = sums[(group, row["axis"])]
        cell[0] += row["n"]
        cell[1] += row["total"] or 0
    rows, masked = [], 0
    for group, group_label, size in groups:
        if size < MIN_GROUP:
            rows.append([group_label, MASKED] + [MASKED] * len(data.axes))
            masked += 1
            continue
        line: list = [group_label, size]
        for code, _title in data.axes:
            n, total = sums.get((group, code), (0, 0.0))
            line.append(total / n if n >= MIN_GROUP else (MASKED if n else None))
        rows.append(line)
    return StudyTable(
        key=key,
        title=title,
        columns=[Column("label", label), Column("responses", _("Réponses"), "count")]
        + [Column(code, axis_title, "score") for code, axis_title in data.axes],
        rows=rows,
        section="heatmaps",
        note=_("Score moyen de 0 à 100. « — » : moins de %(min)s réponses, chiffre masqué.")
        % {"min": MIN_GROUP},
        masked_groups=masked,
    )


def heatmaps(data: StudyData) -> list[StudyTable]:
    """The axes by family of activity and by commune."""
    groups = [
        (code, str(label), data.by_group[code])
        for code, label in data.group_labels.items()
        if data.by_group.get(code)
    ]
    communes = sorted(
        (
            (commune, data.commune_names[commune], size)
            for commune, size in data.by_commune.items()
            if size
        ),
        key=lambda row: row[1],
    )
    return [
        heatmap(
            data,
            "heatmap_category_group",
            _("Scores par axe et par famille d'activité"),
            _("Famille"),
            groups,
            ((group_of(row["response__provider__category"]), row) for row in data.axis_cells),
        ),
        heatmap(
            data,
            "heatmap_commune",
            _("Scores par axe et par commune"),
            _("Commune"),
            communes,
            ((row["response__provider__commune"], row) for row in data.axis_cells),
        ),
    ]
