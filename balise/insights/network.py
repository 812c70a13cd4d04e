"""The network comparison: each member office side by side on the shared core.

For each office of a network, the latest campaign with completed responses (or the latest
of a given year) is compared on the axes and key indicators whose codes exist in every
compared campaign's questionnaire. An office with fewer than :data:`MIN_GROUP` completed
responses is masked, like any small group. Coordinators only ever see these aggregates.
The result is a :class:`~balise.insights.tables.Study`, so exports can reuse it.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from balise.diagnostics.models import Answer, AxisScore, Campaign, Invitation, Response
from balise.lib.charts import bars
from balise.offices.models import Network

from .aggregates import Sample, analytic_reads
from .definitions import INDICATORS
from .figures import language, share
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
    """The offices of ``network`` side by side (six queries whatever the number of
    offices). Tables: "network_participation", "network_axes", "network_indicators"."""
    campaigns = compared_campaigns(network, year)
    axes, indicators = shared_core(campaigns)
    ids = [campaign.pk for campaign in campaigns]

    sample = Sample(campaigns=tuple(ids))
    done = sample.responses()
    overall = {
        row["campaign"]: row
        for row in done.order_by()
        .values("campaign")
        .annotate(n=Count("pk"), scored=Count("overall_score"), total=Sum("overall_score"))
    }
    usable = Invitation.objects.filter(revoked_at__isnull=True)
    invited = defaultdict(int)
    for row in (
        usable.filter(campaign_id__in=ids).order_by().values("campaign").annotate(n=Count("pk"))
    ):
        invited[row["campaign"]] += row["n"]
    # Responses without a usable invitation (filled in with the animator) count too.
    for row in (
        Response.objects.filter(campaign_id__in=ids)
        .exclude(
            Exists(usable.filter(campaign=OuterRef("campaign"), provider=OuterRef("provider")))
        )
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
    ):
        invited[row["campaign"]] += row["n"]
    axis_sums = {
        (row["response__campaign"], row["axis"]): row
        for row in AxisScore.objects.filter(
            sample.q("response__"),
            score__isnull=False,
            axis__in=[code for code, _title in axes],
        )
        .order_by()
        .values("response__campaign", "axis")
        .annotate(n=Count("pk"), total=Sum("score"))
    }
    questions = [indicator.question for indicator in indicators]
    answers = Answer.objects.filter(sample.q("response__"), question__in=questions).order_by()
    options = {
        (row["response__campaign"], row["question"], row["option"]): row["n"]
        for row in answers.values("response__campaign", "question", "option").annotate(
            n=Count("response_id", distinct=True)
        )
    }
    bases = {
        (row["response__campaign"], row["question"]): row["n"]
        for row in answers.values("response__campaign", "question").annotate(
            n=Count("response_id", distinct=True)
        )
    }

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
            base = bases.get((campaign.pk, indicator.question), 0)
            if indicator.none:
                yes = base - sum(
                    options.get((campaign.pk, indicator.question, option), 0)
                    for option in indicator.none
                )
            else:
                yes = sum(
                    options.get((campaign.pk, indicator.question, option), 0)
                    for option in indicator.yes
                )
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
