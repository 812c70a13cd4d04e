"""Measured progress: did the providers who attended a workshop progress more, on the axes
the workshop addresses, than those who did not?

Between two campaigns of the office (``before`` and ``after``), only the providers who
completed both count. For each theme with sessions held, they are split into attendees
(present at a session of the theme held between their two diagnostics: after their
``before`` response was completed and before their ``after`` response was) and the
others. For each axis of the theme, the mean change of the axis score is computed in the
database (one query per theme). A group under :data:`~balise.insights.tables.MIN_GROUP`
providers is masked (``MASKED``), and so is the difference.

The result is plain data (:class:`ThemeProgress`), shown on the programme's progress page
and reusable by the territory study.
"""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from balise.diagnostics.models import AxisScore, Campaign, Response
from balise.insights.tables import MASKED, MIN_GROUP, Masked
from balise.offices.models import Office

from .models import Registration, Session, SessionStatus, Theme


@dataclass
class GroupChange:
    """One group's figures on one axis: how many providers, their mean change in points."""

    count: int
    change: float | Masked | None  # MASKED under MIN_GROUP, None when nobody

    @property
    def masked(self) -> bool:
        return self.change is MASKED


@dataclass
class AxisProgress:
    axis: str
    title: str
    attendees: GroupChange
    others: GroupChange

    @property
    def difference(self) -> float | Masked | None:
        a, b = self.attendees.change, self.others.change
        if a is MASKED or b is MASKED:
            return MASKED
        if a is None or b is None:
            return None
        return round(a - b, 1)

    @property
    def difference_masked(self) -> bool:
        return self.difference is MASKED


@dataclass
class ThemeProgress:
    theme: Theme
    sessions_held: int
    axes: list[AxisProgress] = field(default_factory=list)

    @property
    def masked(self) -> bool:
        return any(line.attendees.masked or line.others.masked for line in self.axes)

    @property
    def sentences(self) -> list[str]:
        """One French sentence per axis whose two groups are both shown."""
        out = []
        for line in self.axes:
            a, b = line.attendees.change, line.others.change
            if a is MASKED or b is MASKED or a is None or b is None:
                continue
            out.append(
                _(
                    "Les participants à « %(theme)s » ont progressé de %(a)s points sur "
                    "l'axe %(axis)s, contre %(b)s points pour les autres."
                )
                % {
                    "theme": self.theme.title,
                    "a": _points(a),
                    "b": _points(b),
                    "axis": line.title,
                }
            )
        return out


def _points(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def campaigns_with_results(office: Office):
    """The office's campaigns that have at least one completed response, latest first."""
    return (
        Campaign.objects.filter(office=office)
        .filter(
            Exists(Response.objects.filter(campaign=OuterRef("pk"), completed_at__isnull=False))
        )
        .order_by("-starts_on", "-pk")
    )


def default_campaigns(office: Office) -> tuple[Campaign | None, Campaign | None]:
    """(before, after): the two latest campaigns with completed responses, or Nones."""
    latest = list(campaigns_with_results(office)[:2])
    if len(latest) < 2:
        return None, None
    return latest[1], latest[0]


def _group(count: int, change: float | None) -> GroupChange:
    if count == 0:
        return GroupChange(count=0, change=None)
    if count < MIN_GROUP:
        return GroupChange(count=count, change=MASKED)
    return GroupChange(count=count, change=round(change, 1))


def _held_themes(office: Office) -> dict[int, int]:
    """{theme id: sessions held} for sessions not cancelled, started before now."""
    rows = (
        Session.objects.filter(office=office, starts_at__lt=timezone.now())
        .exclude(status=SessionStatus.CANCELLED)
        .values("theme_id")
        .annotate(n=Count("pk"))
    )
    return {row["theme_id"]: row["n"] for row in rows}


def theme_progress(*, office: Office, before: Campaign, after: Campaign) -> list[ThemeProgress]:
    """Score change on each theme's axes, attendees against the others (see module doc).

    ``before`` and ``after`` must be campaigns of ``office`` (ValueError otherwise).
    Themes without axes or without held sessions are left out. Queries: two, plus one per
    theme. Read-only.
    """
    if before.office_id != office.pk or after.office_id != office.pk:
        raise ValueError("campaigns of another office")
    held = _held_themes(office)
    themes = Theme.objects.filter(office=office, pk__in=list(held)).order_by("title", "pk")
    definition = after.version.parsed
    language = translation.get_language()
    before_response = Response.objects.filter(
        campaign=before, provider=OuterRef("response__provider"), completed_at__isnull=False
    )
    results = []
    for theme in themes:
        axes = [axis for axis in theme.axes or [] if isinstance(axis, str)]
        if not axes:
            continue
        attended = Registration.objects.filter(
            provider=OuterRef("response__provider"),
            attended=True,
            session__office=office,
            session__theme=theme,
            session__starts_at__gte=OuterRef("before_completed"),
            session__starts_at__lte=OuterRef("response__completed_at"),
        ).exclude(session__status=SessionStatus.CANCELLED)
        rows = (
            AxisScore.objects.filter(
                response__campaign=after,
                response__completed_at__isnull=False,
                axis__in=axes,
                score__isnull=False,
            )
            .annotate(
                before_completed=Subquery(before_response.values("completed_at")[:1]),
                before_score=Subquery(
                    AxisScore.objects.filter(
                        response__campaign=before,
                        response__completed_at__isnull=False,
                        response__provider=OuterRef("response__provider"),
                        axis=OuterRef("axis"),
                    ).values("score")[:1]
                ),
            )
            .filter(before_score__isnull=False)
            .annotate(attended=Exists(attended))
            .values("axis", "attended")
            .annotate(
                n=Count("response__provider", distinct=True),
                change=Avg(F("score") - F("before_score")),
            )
            .order_by()
        )
        figures = {(row["axis"], row["attended"]): row for row in rows}
        lines = []
        for code in axes:
            axis = definition.axis(code)
            with_row = figures.get((code, True), {"n": 0, "change": None})
            without_row = figures.get((code, False), {"n": 0, "change": None})
            lines.append(
                AxisProgress(
                    axis=code,
                    title=axis.title.get(language) if axis else code,
                    attendees=_group(with_row["n"], with_row["change"]),
                    others=_group(without_row["n"], without_row["change"]),
                )
            )
        results.append(ThemeProgress(theme=theme, sessions_held=held[theme.pk], axes=lines))
    return results
