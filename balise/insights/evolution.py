"""The study's comparison with an earlier campaign: scores on the providers who answered
both and on everyone, and the measured effect of the workshops (functions of
:class:`~balise.insights.data.StudyData`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from balise.lib.charts import radar

from .data import StudyData
from .tables import MASKED, MIN_GROUP, Column, StudyTable


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


def evolution_tables(data: StudyData) -> list[StudyTable]:
    """Overall and axis scores before and after, on the providers who answered both
    campaigns, then on all the respondents of each (none without a compared campaign)."""
    compare = data.compare
    if compare is None or data.panel is None or data.previous is None:
        return []
    previous_axes = {axis.code for axis in compare.version.parsed.axes}
    axes = [(code, title) for code, title in data.axes if code in previous_axes]
    tables = []
    # On all respondents, this campaign's figures are the study's own: only the compared
    # campaign's were read.
    everyone = (
        [*data.previous[0], data.overall],
        [*data.previous[1]]
        + [
            {"response__campaign": data.campaign.pk, "axis": axis, **sums}
            for axis, sums in data.territory.items()
        ],
    )
    for key, title, (overall, by_axis) in (
        (
            "evolution_panel",
            _("Évolution sur les prestataires ayant répondu aux deux campagnes"),
            data.panel,
        ),
        ("evolution_all", _("Évolution sur l'ensemble des répondants"), everyone),
    ):
        sizes = {row["campaign"]: row for row in overall}
        sums = {(row["response__campaign"], row["axis"]): row for row in by_axis}
        before_n = sizes.get(compare.pk, {}).get("n", 0)
        after_n = sizes.get(data.campaign.pk, {}).get("n", 0)
        masked = before_n < MIN_GROUP or after_n < MIN_GROUP

        scored = {
            campaign_id: {"n": row["scored"], "total": row["total"]}
            for campaign_id, row in sizes.items()
        }
        pairs = [(_("Score global"), scored.get(compare.pk), scored.get(data.campaign.pk))]
        pairs += [
            (axis_title, sums.get((compare.pk, code)), sums.get((data.campaign.pk, code)))
            for code, axis_title in axes
        ]
        rows = [evolution_line(label, before, after, masked) for label, before, after in pairs]
        charts = []
        if not masked and len(axes) >= 3:
            charts.append(
                radar(
                    [(row[0], row[2]) for row in rows[1:]],
                    title=title,
                    series_name=data.campaign.name,
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
                    Column("after", data.campaign.name, "score"),
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


def workshops_table(data: StudyData) -> StudyTable | None:
    """The workshops' measured effect between the compared campaign and this one:
    score change on each theme's axes, attendees against the others
    (:func:`balise.workshops.progress.theme_progress`, masked under MIN_GROUP). Only
    without filters: the comparison groups are the whole panel of the office."""
    if data.workshops is None:
        return None
    rows, masked = [], 0
    for progress in data.workshops:
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
