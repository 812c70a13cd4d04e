"""The network comparison: each member office side by side on the shared core.

For each office of a network, the latest campaign with completed responses (or the latest
of a given year) is compared on the axes and key indicators whose codes exist in every
compared campaign's questionnaire. An office with fewer than :data:`MIN_GROUP` completed
responses is masked, like any small group. Coordinators only ever see these aggregates.
The result is a :class:`~balise.insights.tables.Study`, so exports can reuse it.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from balise.diagnostics.models import Campaign
from balise.lib.charts import bars
from balise.offices.models import Network

from . import aggregates
from .aggregates import Sample, analytic_reads
from .data import read_counts
from .definitions import INDICATORS
from .figures import language, share
from .filters import StudyFilters
from .tables import MASKED, MIN_GROUP, Column, Study, StudyTable


def years(network: Network) -> list[int]:
    """Years in which an office of the network has a campaign with completed responses."""
    dates = Campaign.objects.filter(
        office__network=network, responses__completed_at__isnull=False
    ).dates("starts_on", "year", order="DESC")
    return [day.year for day in dates]


def compared_campaigns(network: Network, year: int | None = None) -> list[Campaign]:
    """The campaign compared for each office (latest with completed responses), by office
    name; offices without one are left out."""
    candidates = (
        Campaign.objects.filter(office__network=network, responses__completed_at__isnull=False)
        .select_related("office", "version")
        .distinct()
        .order_by("office__name", "office_id", "-starts_on", "-pk")
    )
    if year is not None:
        candidates = candidates.filter(starts_on__year=year)
    chosen: dict[int, Campaign] = {}
    for campaign in candidates:
        chosen.setdefault(campaign.office_id, campaign)
    return list(chosen.values())


def shared_core(campaigns: list[Campaign]) -> tuple[list[tuple[str, str]], list]:
    """Axes (code, title) and indicators whose codes exist in every campaign's version."""
    if not campaigns:
        return [], []
    lang = language()
    definitions = [campaign.version.parsed for campaign in campaigns]
    axes = [
        (axis.code, axis.title.get(lang))
        for axis in definitions[0].axes
        if all(d.axis(axis.code) is not None for d in definitions)
    ]
    indicators = [
        indicator
        for indicator in INDICATORS
        if all(d.question(indicator.question) is not None for d in definitions)
    ]
    return axes, indicators


@analytic_reads()
def build_network_study(network: Network, *, year: int | None = None) -> Study:
    """The offices of ``network`` side by side (five queries whatever the number of
    offices), counted as in each office's own study: the same participation, axis sums
    and question bases (:mod:`.aggregates`). Tables: "network_participation",
    "network_axes", "network_indicators"."""
    campaigns = compared_campaigns(network, year)
    axes, indicators = shared_core(campaigns)
    sample = Sample(campaigns=tuple(campaign.pk for campaign in campaigns))
    invited: dict[int, int] = defaultdict(int)
    if campaigns:
        for row in aggregates.participation(campaigns, StudyFilters()):
            invited[row["campaign"]] += row["invited"]
    overall_rows, axis_rows = aggregates.by_campaign(sample) if campaigns else ([], [])
    overall = {row["campaign"]: row for row in overall_rows}
    axis_sums = {(row["response__campaign"], row["axis"]): row for row in axis_rows}
    counts = (
        read_counts(
            sample,
            campaigns[0].version.parsed,
            [indicator.question for indicator in indicators],
            by="campaign",
            group=lambda campaign_id: campaign_id,
        )
        if indicators
        else None
    )

    participation_rows, axes_rows, indicator_rows = [], [], []
    masked = 0
    for campaign in campaigns:
        label = f"{campaign.office.name} — {campaign.name}"
        row = overall.get(campaign.pk, {"n": 0, "scored": 0, "total": None})
        if row["n"] < MIN_GROUP:
            masked += 1
            participation_rows.append([label, MASKED, MASKED, MASKED, MASKED])
            axes_rows.append([label] + [MASKED] * len(axes))
            indicator_rows.append([label] + [MASKED] * len(indicators))
            continue
        participation_rows.append(
            [
                label,
                invited[campaign.pk],
                row["n"],
                share(row["n"], invited[campaign.pk]),
                row["total"] / row["scored"] if row["scored"] else None,
            ]
        )
        line: list = [label]
        for code, _title in axes:
            cell = axis_sums.get((campaign.pk, code))
            if cell is None:
                line.append(None)
            else:
                line.append(cell["total"] / cell["n"] if cell["n"] >= MIN_GROUP else MASKED)
        axes_rows.append(line)
        line = [label]
        for indicator in indicators:
            yes, base = counts.indicator(indicator, campaign.pk)
            line.append(share(yes, base) if base >= MIN_GROUP else (MASKED if base else None))
        indicator_rows.append(line)

    note = _(
        "Dernière campagne de chaque office (ou de l'année choisie). Un office de moins de "
        "%(min)s diagnostics complets est masqué (« — »)."
    ) % {"min": MIN_GROUP}
    scores = [(row[0], row[4]) for row in participation_rows if isinstance(row[4], float)]
    tables = [
        StudyTable(
            key="network_participation",
            title=_("Participation et score global par office"),
            columns=[
                Column("label", _("Office et campagne")),
                Column("invited", _("Sollicités"), "count"),
                Column("completed", _("Réponses complètes"), "count"),
                Column("rate", _("Taux de réponse"), "percent"),
                Column("score", _("Score global moyen"), "score"),
            ],
            rows=participation_rows,
            section="network",
            note=note,
            charts=[
                bars(
                    scores,
                    title=_("Score global moyen par office"),
                    series_name=_("Score global moyen"),
                    label_header=_("Office"),
                )
            ]
            if scores
            else [],
            masked_groups=masked,
        ),
        StudyTable(
            key="network_axes",
            title=_("Scores moyens par axe et par office"),
            columns=[Column("label", _("Office et campagne"))]
            + [Column(code, title, "score") for code, title in axes],
            rows=axes_rows,
            section="network",
            note=_("Axes présents dans le questionnaire de chaque campagne comparée.") + " " + note,
            masked_groups=masked,
        ),
        StudyTable(
            key="network_indicators",
            title=_("Indicateurs clés déclarés, par office"),
            columns=[Column("label", _("Office et campagne"))]
            + [Column(indicator.key, str(indicator.label), "percent") for indicator in indicators],
            rows=indicator_rows,
            section="network",
            note=_(
                "Part des répondants à la question ; questions communes à toutes les "
                "campagnes comparées."
            )
            + " "
            + note,
            masked_groups=masked,
        ),
    ]
    return Study(
        title=_("Comparaison des offices du réseau"),
        office_name=network.name,
        campaign_name=str(year) if year else _("Dernière campagne de chaque office"),
        generated_at=timezone.now(),
        invited=sum(invited.values()),
        completed=sum(row["n"] for row in overall.values()),
        tables=tables,
        method=[note],
    )
