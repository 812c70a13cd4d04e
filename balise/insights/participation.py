"""The study's participation tables: invited and completed providers by family, category
and commune, each group under :data:`MIN_GROUP` completed responses masked entirely."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from balise.lib.charts import bars

from .data import StudyData
from .figures import PERCENT, group_of, present, share
from .tables import MASKED, MIN_GROUP, Column, StudyTable


def participation_table(
    data: StudyData, key: str, title: str, groups: list[tuple], note: str = ""
) -> StudyTable:
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
            rate = None if data.filters.size else share(completed, invited)
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


def participation_tables(data: StudyData) -> list[StudyTable]:
    """Participation by family, by category and by commune."""
    invited_group: dict[str, int] = defaultdict(int)
    invited_category: dict[str, int] = defaultdict(int)
    invited_commune: dict[int | None, int] = defaultdict(int)
    for row in data.participation:
        invited_group[group_of(row["category"])] += row["invited"]
        invited_category[row["category"]] += row["invited"]
        invited_commune[row["commune_id"]] += row["invited"]
    note = _(
        "Sollicités : prestataires invités (lien personnel non révoqué) ou ayant répondu "
        "avec l'animateur. Un groupe de moins de %(min)s réponses complètes est masqué."
    ) % {"min": MIN_GROUP}
    if data.filters.size:
        note += " " + _(
            "La taille n'est connue que des répondants : le taux de réponse n'est pas "
            "calculé avec ce filtre."
        )
    groups = [(_("Ensemble"), data.invited, data.completed)] + [
        (str(data.group_labels[code]), invited_group[code], data.by_group.get(code, 0))
        for code in data.group_labels
        if invited_group[code]
    ]
    categories = sorted(
        (
            (data.category_labels.get(code, code), invited, data.by_category.get(code, 0))
            for code, invited in invited_category.items()
        ),
        key=lambda row: row[0],
    )
    communes = sorted(
        (
            (data.commune_names[commune], invited_commune[commune], data.by_commune[commune])
            for commune in invited_commune
        ),
        key=lambda row: row[0],
    )
    return [
        participation_table(
            data,
            "participation_by_group",
            _("Participation par famille d'activité"),
            groups,
            note,
        ),
        participation_table(
            data, "participation_by_category", _("Participation par catégorie"), categories, note
        ),
        participation_table(
            data, "participation_by_commune", _("Participation par commune"), communes, note
        ),
    ]
