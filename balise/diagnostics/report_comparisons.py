"""What a report compares the provider with: their peers and their own previous diagnostic.

- the territory (every completed response of the same campaign) and the provider's own
  category in that campaign, each shown only when at least :data:`MIN_PEERS` other
  providers answered, so that nobody's answers can be worked out from an average (the
  same rule masks an axis with too few scores);
- the provider's latest completed diagnostic in an earlier campaign of the office.

Averages come from the ``AxisScore`` and ``Response`` rows, aggregated in SQL: they cost
the same few queries whatever the size of the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from balise.lib import charts

from .models import AxisScore, Response

MIN_PEERS = 5  # other providers needed before an average is shown (re-identification)


@dataclass(frozen=True)
class Comparison:
    """Averages of a group of respondents of the same campaign, or why they are hidden."""

    scope: str  # "territory" or "category"
    label: str  # after "avec": "le territoire", "la catégorie « Hôtel »"
    title: str  # "Moyenne du territoire", "Moyenne de la catégorie « Hôtel »"
    peers: int  # other providers with a completed diagnostic in the group
    overall: float | None  # None when hidden
    axes: dict[str, float | None]  # None for an axis with fewer than MIN_PEERS other scores
    own: float | None = None  # the provider's overall score, to compare with

    @property
    def shown(self) -> bool:
        return self.peers >= MIN_PEERS

    @property
    def difference(self) -> float | None:
        if self.own is None or self.overall is None:
            return None
        return charts.shown_difference(self.overall, self.own)

    @property
    def gap(self) -> float | None:
        difference = self.difference
        return None if difference is None else abs(difference)

    @property
    def position(self) -> str:
        """ "above", "below" or "level" (within 2.5 points: no real difference)."""
        difference = self.difference
        if difference is None or abs(difference) < 2.5:
            return "level"
        return "above" if difference > 0 else "below"

    @property
    def hidden_reason(self) -> str:
        return _(
            "La comparaison avec %(group)s n'est pas affichée : elle reposerait sur moins "
            "de %(minimum)s autres prestataires, et chacun doit rester anonyme."
        ) % {"group": self.label, "minimum": MIN_PEERS}


@dataclass(frozen=True)
class AxisChange:
    code: str
    title: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return charts.shown_difference(self.before, self.after)


@dataclass(frozen=True)
class Change:
    """What moved since the provider's previous completed diagnostic."""

    campaign_name: str
    completed_on: date
    overall_before: float | None
    overall_after: float | None
    axes: list[AxisChange]

    @property
    def overall_delta(self) -> float | None:
        if self.overall_before is None or self.overall_after is None:
            return None
        return charts.shown_difference(self.overall_before, self.overall_after)

    @property
    def biggest_gain(self) -> AxisChange | None:
        """The axis that gained most (at least 5 points), if any."""
        best = max(self.axes, key=lambda axis: axis.delta, default=None)
        return best if best is not None and best.delta >= 5 else None

    @property
    def biggest_drop(self) -> AxisChange | None:
        """The axis that lost most (at least 5 points), if any."""
        worst = min(self.axes, key=lambda axis: axis.delta, default=None)
        return worst if worst is not None and worst.delta <= -5 else None


def peer_comparisons(
    response: Response, category_label: str, own: float | None
) -> tuple[Comparison, Comparison]:
    """Territory and category averages of the campaign, in two aggregate queries."""
    completed = Q(response__campaign_id=response.campaign_id, response__completed_at__isnull=False)
    others = ~Q(response_id=response.pk)
    same_category = Q(response__provider__category=response.provider.category)
    per_axis = (
        AxisScore.objects.filter(completed, score__isnull=False)
        .values("axis")
        .annotate(
            territory=Avg("score"),
            territory_n=Count("id", filter=others),
            category=Avg("score", filter=same_category),
            category_n=Count("id", filter=others & same_category),
        )
        .order_by()
    )
    scored_others = ~Q(pk=response.pk) & Q(overall_score__isnull=False)
    category = Q(provider__category=response.provider.category)
    overall = Response.objects.filter(
        campaign_id=response.campaign_id, completed_at__isnull=False
    ).aggregate(
        territory=Avg("overall_score"),
        territory_n=Count("id", filter=scored_others),
        category=Avg("overall_score", filter=category),
        category_n=Count("id", filter=scored_others & category),
    )
    rows = list(per_axis)

    def build(scope: str, label: str, title: str) -> Comparison:
        peers = overall[f"{scope}_n"]
        shown = peers >= MIN_PEERS
        return Comparison(
            scope=scope,
            label=label,
            title=title,
            peers=peers,
            overall=overall[scope] if shown else None,
            axes={
                row["axis"]: row[scope]
                for row in rows
                if shown and row[f"{scope}_n"] >= MIN_PEERS and row[scope] is not None
            },
            own=own,
        )

    return (
        build("territory", _("le territoire"), _("Moyenne du territoire")),
        build(
            "category",
            _("la catégorie « %(category)s »") % {"category": category_label},
            _("Moyenne de la catégorie « %(category)s »") % {"category": category_label},
        ),
    )


def previous_diagnostic(response: Response) -> tuple[Response | None, dict[str, float]]:
    """The provider's latest completed diagnostic in an earlier campaign of the office."""
    previous = (
        Response.objects.filter(
            office_id=response.office_id,
            provider_id=response.provider_id,
            completed_at__isnull=False,
            campaign__starts_on__lt=response.campaign.starts_on,
        )
        .exclude(pk=response.pk)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-completed_at")
        .first()
    )
    if previous is None:
        return None, {}
    scores = dict(
        AxisScore.objects.filter(response=previous, score__isnull=False).values_list(
            "axis", "score"
        )
    )
    return previous, scores
