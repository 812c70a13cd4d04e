"""The SQL aggregates behind the territory study.

Every function here is one GROUP BY query (ORM ``values().annotate()`` with conditional
counts): the database counts the answers, Python only reads the few dozen result rows.
Nothing here masks or formats: :mod:`balise.insights.study` turns these raw figures into
tables, masking any group under :data:`~balise.insights.tables.MIN_GROUP` providers.

A :class:`Sample` says which completed responses a figure is computed on (campaigns,
filters, panel); each function puts it as a condition on the rows it counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from balise.audits.checks.base import Verdict
from balise.audits.models import CheckOutcome, SiteAudit
from balise.diagnostics.models import Answer, AxisScore, Campaign, Invitation, Response
from balise.members.models import Provider
from balise.workshops.models import Registration

from .filters import SIZE_QUESTION, StudyFilters


@contextmanager
def analytic_reads() -> Iterator[None]:
    """Wrap the reading of a study's aggregates.

    On PostgreSQL, the planner estimates these GROUP BY queries costly enough to compile
    them just in time, which costs more per query than it saves at this size (measured by
    bench/bench_study.py). ``SET LOCAL`` turns it off for this transaction only, which
    also works behind a transaction-pooling connection pooler. SQLite needs nothing, and
    is left outside a transaction: Balise opens SQLite transactions IMMEDIATE, which would
    lock out writers for a read.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


@dataclass(frozen=True)
class Sample:
    """Which completed responses a figure is computed on, as a condition that can be put
    on any model related to ``Response`` (``q("response__")``). Written as joins rather
    than ``IN (subquery)``, so the database can start from the campaign's responses.

    ``campaigns``: the campaign ids; or ``network_id`` and ``year``: every campaign of the
    network's offices starting that year. ``panel``: (a, b) keeps only the providers who
    completed both campaigns a and b."""

    campaigns: tuple[int, ...] = ()
    filters: StudyFilters = field(default_factory=StudyFilters)
    network_id: int | None = None
    year: int | None = None
    panel: tuple[int, int] | None = None

    def scope(self, prefix: str = "") -> Q:
        """The campaigns' responses, completed or not, on ``Response`` (through ``prefix``)."""
        if self.network_id is not None:
            return Q(
                **{
                    f"{prefix}office__network_id": self.network_id,
                    f"{prefix}campaign__starts_on__year": self.year,
                }
            )
        if len(self.campaigns) == 1:
            return Q(**{f"{prefix}campaign_id": self.campaigns[0]})
        return Q(**{f"{prefix}campaign_id__in": list(self.campaigns)})

    def q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}completed_at__isnull": False}) & self.scope(prefix)
        q &= self.filters.provider_q(prefix=f"{prefix}provider__")
        if self.filters.size:
            # "IN (subquery)", not a correlated EXISTS: the database reads the responses of
            # that size once (SQLite builds a temporary index, PostgreSQL a hash), instead
            # of probing once per counted row.
            sized = Answer.objects.filter(
                self.scope("response__"), question=SIZE_QUESTION, option=self.filters.size
            ).values("response_id")
            q &= Q(**{f"{prefix}pk__in": sized})
        if self.panel is not None:
            first, second = self.panel
            both = Response.objects.filter(
                campaign_id=first,
                completed_at__isnull=False,
                provider_id__in=Response.objects.filter(
                    campaign_id=second, completed_at__isnull=False
                ).values("provider_id"),
            ).values("provider_id")
            q &= Q(**{f"{prefix}provider_id__in": both})
        return q

    def responses(self) -> QuerySet[Response]:
        return Response.objects.filter(self.q())


# --- Participation ----------------------------------------------------------------------


def participation(campaigns: Sequence[Campaign], filters: StudyFilters, *keys: str) -> list[dict]:
    """Invited and completed providers by campaign and by ``keys`` (provider fields such
    as "category", "commune_id"), in one query.

    ``campaigns`` holds at most one campaign per office (the study's campaign, or the
    campaign compared for each office of a network): a provider is then counted in its
    office's campaign. A provider counts as invited when it has a usable invitation or a
    response (a diagnostic filled in with the animator needs no invitation). With a size
    filter, only respondents are known to have that size: the invited count is then
    respondents. Rows: {"campaign", <keys>..., "invited", "completed"}.
    """
    by_office = {campaign.office_id: campaign.pk for campaign in campaigns}
    if len(by_office) != len(campaigns):
        raise ValueError("one campaign per office")
    if len(campaigns) == 1:
        # The campaign as a constant: the database probes the invitations of one campaign.
        campaign_id: Any = Value(campaigns[0].pk)
        reference: Any = campaigns[0].pk
    else:
        campaign_id = Case(
            *[When(office_id=office, then=Value(pk)) for office, pk in by_office.items()],
            output_field=IntegerField(),
        )
        reference = OuterRef("campaign")
    invitations = Invitation.objects.filter(
        campaign_id=reference, provider=OuterRef("pk"), revoked_at__isnull=True
    )
    responses = Response.objects.filter(campaign_id=reference, provider=OuterRef("pk"))
    providers = (
        Provider.objects.filter(office_id__in=list(by_office))
        .filter(filters.provider_q(prefix=""))
        .annotate(
            campaign=campaign_id,
            is_invited=Exists(invitations),
            has_response=Exists(responses),
            is_done=Exists(responses.filter(completed_at__isnull=False)),
        )
        .filter(Q(is_invited=True) | Q(has_response=True))
    )
    if filters.size:
        providers = providers.filter(
            Exists(
                Answer.objects.filter(
                    response__campaign_id=reference,
                    response__provider=OuterRef("pk"),
                    question=SIZE_QUESTION,
                    option=filters.size,
                )
            )
        )
    rows = (
        providers.order_by()
        .values("campaign", *keys)
        .annotate(
            invited=Count("pk", distinct=True),
            completed=Count("pk", distinct=True, filter=Q(is_done=True)),
        )
    )
    return list(rows)


# --- Maturity ---------------------------------------------------------------------------


def levels(sample: Sample) -> list[dict]:
    """Responses by level, with the sum of their overall scores.
    Rows: {"level", "n", "scored", "total"}."""
    return list(
        sample.responses()
        .order_by()
        .values("level")
        .annotate(n=Count("pk"), scored=Count("overall_score"), total=Sum("overall_score"))
    )


def axes_by(sample: Sample, *keys: str) -> list[dict]:
    """Sum and number of the axis scores (non-null only), by axis and by ``keys`` (field
    paths from the response such as "provider__category"; none for the whole sample).
    Rows: {"axis", "response__<key>"..., "n", "total"}."""
    fields = ["axis"] + [f"response__{key}" for key in keys]
    return list(
        AxisScore.objects.filter(sample.q("response__"), score__isnull=False)
        .order_by()
        .values(*fields)
        .annotate(n=Count("pk"), total=Sum("score"))
    )


def network_axes(campaign: Campaign, filters: StudyFilters) -> list[dict]:
    """Axis sums over every office of the campaign office's network, on campaigns that
    start the same year (one query; empty without a network)."""
    network_id = campaign.office.network_id
    if network_id is None:
        return []
    sample = Sample(filters=filters, network_id=network_id, year=campaign.starts_on.year)
    return axes_by(sample)


# --- Answers ----------------------------------------------------------------------------


def option_counts(
    sample: Sample, questions: Iterable[str], by: str = "provider__category"
) -> list[dict]:
    """How many responses chose each option of ``questions``, by ``by`` (a field path from
    the response: the provider's category, or "campaign"); an option is one row per
    response. Rows: {"question", "option", "key", "n"}."""
    return list(
        Answer.objects.filter(sample.q("response__"), question__in=list(questions))
        .order_by()
        .values("question", "option", key=F(f"response__{by}"))
        .annotate(n=Count("pk"))
    )


def question_bases(
    sample: Sample, questions: Iterable[str], by: str = "provider__category"
) -> list[dict]:
    """How many responses answered each of ``questions`` ("je ne sais pas" included, and a
    multiple choice left with no option ticked), by ``by`` (as in :func:`option_counts`),
    read from the responses' answers (one row per response, not per chosen option).
    Rows: {"question", "key", "n"}."""
    codes = sorted(questions)
    if not codes:
        return []
    counts = {
        f"q{index}": Count("pk", filter=Q(answers__has_key=code))
        for index, code in enumerate(codes)
    }
    rows = sample.responses().order_by().values(key=F(by)).annotate(**counts)
    return [
        {"question": code, "key": row["key"], "n": row[f"q{index}"]}
        for row in rows
        for index, code in enumerate(codes)
    ]


# --- Audits -----------------------------------------------------------------------------


def observed(sample: Sample, codes: Iterable[str]) -> dict[str, dict]:
    """For each check code: how many of the respondents' latest audits have an outcome
    for it ("audited", verdict unknown left out) and how many are ok.
    Returns {code: {"audited": n, "ok": n}} (one query)."""
    newest = (
        SiteAudit.objects.filter(provider=OuterRef("provider"))
        .order_by("-fetched_at", "-pk")
        .values("pk")[:1]
    )
    latest = SiteAudit.objects.filter(
        provider__in=sample.responses().order_by().values("provider_id"), pk=Subquery(newest)
    ).values("pk")
    rows = (
        CheckOutcome.objects.filter(audit__in=latest, code__in=list(codes))
        .exclude(verdict=Verdict.UNKNOWN)
        .order_by()
        .values("code")
        .annotate(audited=Count("pk"), ok=Count("pk", filter=Q(verdict=Verdict.OK)))
    )
    return {row["code"]: row for row in rows}


# --- Evolution --------------------------------------------------------------------------


def by_campaign(sample: Sample) -> tuple[list[dict], list[dict]]:
    """Overall score and axis sums by campaign (two queries).
    Returns (rows {"campaign", "n", "scored", "total"}, rows {"response__campaign", "axis",
    "n", "total"})."""
    overall = list(
        sample.responses()
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"), scored=Count("overall_score"), total=Sum("overall_score"))
    )
    return overall, axes_by(sample, "campaign")


# --- Cache ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataVersion:
    responses: tuple
    invitations: tuple
    audit: int | None
    providers: str = ""
    attendance: tuple = ()

    def key(self) -> str:
        return (
            f"{self.responses}|{self.invitations}|{self.audit}|{self.providers}|{self.attendance}"
        )


def data_version(office_id: int, campaign_ids: list[int]) -> DataVersion:
    """What changes when a study's figures may change (five cheap queries): responses
    (count, latest save), invitations (count, latest id, revocations), the latest audit of
    the office, the latest edit of its directory (a provider moved to another category or
    commune changes the groups) and the workshop attendance marked (the workshops' effect
    table)."""
    providers = Provider.objects.filter(office_id=office_id).aggregate(latest=Max("updated_at"))
    attendance = Registration.objects.filter(office_id=office_id).aggregate(
        n=Count("pk"), attended=Count("pk", filter=Q(attended=True)), latest=Max("pk")
    )
    responses = Response.objects.filter(campaign_id__in=campaign_ids).aggregate(
        n=Count("pk"), latest=Max("updated_at"), done=Count("completed_at")
    )
    invitations = Invitation.objects.filter(campaign_id__in=campaign_ids).aggregate(
        n=Count("pk"), latest=Max("pk"), revoked=Count("revoked_at")
    )
    audit = SiteAudit.objects.filter(office_id=office_id).aggregate(latest=Max("pk"))["latest"]
    return DataVersion(
        responses=(responses["n"], str(responses["latest"]), responses["done"]),
        invitations=(invitations["n"], invitations["latest"], invitations["revoked"]),
        audit=audit,
        providers=str(providers["latest"]),
        attendance=(attendance["n"], attendance["attended"], attendance["latest"]),
    )
