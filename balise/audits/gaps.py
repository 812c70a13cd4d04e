"""Declared vs observed: where a provider's diagnostic answers and its site audit disagree.

:data:`COMPARISONS` is the table to maintain: for each practice a provider can declare
(a question of the default questionnaire and the answers that claim it), the audit check
that sees it from outside and the verdicts that contradict the claim. Only a clear
contradiction counts: an "unknown" verdict (site unreachable, page unreadable) never
makes a gap, and neither does "je ne sais pas".

:func:`find_gaps` is pure. :func:`sync_gaps` stores them as
:class:`~balise.audits.models.DeclaredObservedGap` rows that the animator confirms or
dismisses (:func:`decide`); a decision is never overwritten by a later sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.diagnostics.models import Response
from balise.members.models import Provider
from balise.offices.models import Office

from .checks import CHECKS
from .checks.base import Verdict
from .models import CheckOutcome, DeclaredObservedGap, GapStatus, SiteAudit


@dataclass(frozen=True)
class Comparison:
    code: str  # stable, stored in DeclaredObservedGap.code
    question: str  # questionnaire question code
    claims: frozenset[str]  # answer values that claim the practice
    check: str  # audit check code
    contradicted_by: frozenset[str]  # verdicts that contradict the claim
    label: Any  # for the animator: "Déclare …, mais …"
    declared: Any  # for the provider: "Vous avez indiqué …"
    observed: Any  # for the provider: "nous n'avons pas trouvé …"

    def claimed(self, value: Any) -> bool:
        if isinstance(value, list | tuple):
            return any(item in self.claims for item in value)
        return isinstance(value, str) and value in self.claims


def _comparison(code, question, claims, check, contradicted_by, label, declared, observed):
    return Comparison(
        code, question, frozenset(claims), check, frozenset(contradicted_by), label, declared,
        observed,
    )  # fmt: skip


COMPARISONS: tuple[Comparison, ...] = (
    _comparison(
        "site.reachable",
        "web.site_dedie",
        ["oui"],
        "site.reachable",
        [Verdict.MISSING],
        _("Déclare un site internet, mais le site n'a pas répondu lors de la vérification"),
        _("Vous avez indiqué avoir un site internet"),
        _("il n'a pas répondu lors de notre vérification"),
    ),
    _comparison(
        "security.https",
        "web.https",
        ["oui"],
        "security.https",
        [Verdict.MISSING],
        _("Déclare un site en HTTPS, mais il est servi en HTTP, sans chiffrement"),
        _("Vous avez indiqué que votre site est en « https »"),
        _("nous l'avons trouvé en http://, sans connexion sécurisée"),
    ),
    _comparison(
        "mobile.viewport",
        "web.mobile",
        ["oui"],
        "mobile.viewport",
        [Verdict.MISSING],
        _("Déclare un site adapté au mobile, mais aucune balise viewport n'a été trouvée"),
        _("Vous avez indiqué que votre site s'affiche bien sur un téléphone"),
        _("nous n'avons pas trouvé le réglage qui adapte la page aux écrans de téléphone"),
    ),
    _comparison(
        "legal.notices",
        "web.mentions_legales",
        ["oui", "en_partie"],
        "legal.notices",
        [Verdict.MISSING],
        _("Déclare des mentions légales, mais aucun lien n'a été trouvé sur la page d'accueil"),
        _("Vous avez indiqué que votre site comporte des mentions légales"),
        _("nous n'avons pas trouvé de lien vers elles sur la page d'accueil"),
    ),
    _comparison(
        "legal.privacy",
        "web.mentions_legales",
        ["oui"],
        "legal.privacy",
        [Verdict.MISSING],
        _(
            "Déclare une page sur les données personnelles, mais aucun lien n'a été trouvé "
            "sur la page d'accueil"
        ),
        _("Vous avez indiqué que votre site comporte une page sur les données personnelles"),
        _("nous n'avons pas trouvé de lien vers elle sur la page d'accueil"),
    ),
    _comparison(
        "booking.engine",
        "resa.module_en_ligne",
        ["oui"],
        "booking.engine",
        [Verdict.MISSING, Verdict.TO_IMPROVE],
        _("Déclare une réservation en ligne, mais aucun module n'a été détecté sur le site"),
        _("Vous avez indiqué que votre site propose la réservation en ligne"),
        _("nous n'avons pas détecté de module de réservation sur la page d'accueil"),
    ),
    _comparison(
        "social.links",
        "social.reseaux",
        ["facebook", "instagram", "tiktok", "linkedin", "youtube", "pinterest"],
        "social.links",
        [Verdict.MISSING],
        _("Déclare des comptes sur les réseaux sociaux, mais le site n'y renvoie pas"),
        _("Vous avez indiqué avoir des comptes sur les réseaux sociaux"),
        _("nous n'avons pas trouvé de lien vers eux sur votre page d'accueil"),
    ),
    _comparison(
        "lang.count",
        "web.langues",
        ["deux", "trois_plus"],
        "lang.count",
        [Verdict.MISSING],
        _("Déclare un site en plusieurs langues, mais une seule langue a été trouvée"),
        _("Vous avez indiqué que votre site existe en plusieurs langues"),
        _("nous n'avons trouvé qu'une seule langue depuis la page d'accueil"),
    ),
)
BY_CODE = {comparison.code: comparison for comparison in COMPARISONS}


@dataclass(frozen=True)
class Gap:
    code: str
    question: str
    declared_value: Any
    check: str
    verdict: str
    evidence: str
    comparison: Comparison

    @property
    def label(self) -> str:
        return str(self.comparison.label)

    @property
    def kindly(self) -> str:
        """For the provider: "Vous avez indiqué … ; nous n'avons pas trouvé …"."""
        return f"{self.comparison.declared} ; {self.comparison.observed}."


@dataclass(frozen=True)
class Observed:
    """What one check said, as find_gaps needs it (a CheckOutcome or a CheckResult fits)."""

    verdict: str
    evidence: str = ""


def compare(answers: Mapping[str, Any], outcomes: Mapping[str, Any] | Iterable[Any]) -> list[Gap]:
    """The gaps between ``answers`` (question code → value) and check ``outcomes``
    (code → object with ``verdict`` and ``evidence``, or an iterable of objects with
    ``code``), in the order of :data:`COMPARISONS`. Pure."""
    if not isinstance(outcomes, Mapping):
        outcomes = {outcome.code: outcome for outcome in outcomes}
    answers = answers if isinstance(answers, Mapping) else {}
    gaps = []
    for comparison in COMPARISONS:
        value = answers.get(comparison.question)
        outcome = outcomes.get(comparison.check)
        if outcome is None or not comparison.claimed(value):
            continue
        verdict = str(getattr(outcome.verdict, "value", outcome.verdict))
        if verdict in comparison.contradicted_by:
            gaps.append(
                Gap(
                    code=comparison.code,
                    question=comparison.question,
                    declared_value=value,
                    check=comparison.check,
                    verdict=verdict,
                    evidence=outcome.evidence,
                    comparison=comparison,
                )
            )
    return gaps


def find_gaps(response: Response, audit: SiteAudit) -> list[Gap]:
    """The gaps between a diagnostic and a site audit of the same provider.

    Pure but for reading ``audit.outcomes`` (prefetch it to avoid the query)."""
    return compare(response.answers or {}, audit.outcomes.all())


def _describe(row: DeclaredObservedGap, gap: Gap | None = None) -> DeclaredObservedGap:
    comparison = BY_CODE.get(row.code)
    row.label = str(comparison.label) if comparison else row.code
    row.kindly = gap.kindly if gap else ""
    row.evidence = gap.evidence if gap else ""
    return row


@transaction.atomic
def sync_gaps(*, response: Response, audit: SiteAudit) -> list[DeclaredObservedGap]:
    """Store the gaps between ``response`` and ``audit``; return their rows, table order.

    Side effects: creates the missing rows (status open, or the decision taken on the same
    answer for an earlier audit); deletes open rows that no longer
    apply (answers changed since); keeps confirmed and dismissed rows as they are. Each
    returned row carries ``label``, ``kindly`` and ``evidence`` for display.
    """
    if response.provider_id != audit.provider_id:
        raise ValueError("response and audit belong to different providers")
    gaps = find_gaps(response, audit)
    existing = {
        row.code: row for row in DeclaredObservedGap.objects.filter(response=response, audit=audit)
    }
    wanted = {gap.code for gap in gaps}
    stale = [
        row.pk
        for code, row in existing.items()
        if code not in wanted and row.status == GapStatus.OPEN
    ]
    if stale:
        DeclaredObservedGap.objects.filter(pk__in=stale).delete()
    # A decision on the same answer carries over to later audits: a gap the animator
    # dismissed last month is not raised again by this month's audit.
    earlier = {}
    for row in (
        DeclaredObservedGap.objects.filter(response=response)
        .exclude(audit=audit)
        .exclude(status=GapStatus.OPEN)
        .order_by("decided_at")
    ):
        earlier[row.code] = row
    missing = [
        DeclaredObservedGap(
            office_id=audit.office_id,
            provider_id=audit.provider_id,
            response=response,
            audit=audit,
            code=gap.code,
            status=earlier[gap.code].status if gap.code in earlier else GapStatus.OPEN,
            decided_by_id=earlier[gap.code].decided_by_id if gap.code in earlier else None,
            decided_at=earlier[gap.code].decided_at if gap.code in earlier else None,
        )
        for gap in gaps
        if gap.code not in existing
    ]
    for row in DeclaredObservedGap.objects.bulk_create(missing):
        existing[row.code] = row
    return [_describe(existing[gap.code], gap) for gap in gaps]


def decide(*, gap: DeclaredObservedGap, status: str, user) -> DeclaredObservedGap:
    """The animator confirms or dismisses a gap (or reopens it with status "open").

    Side effects: updates the row's status, decided_by and decided_at (cleared on reopen).
    """
    if status not in GapStatus.values:
        raise ValueError(f"unknown gap status: {status!r}")
    gap.status = status
    if status == GapStatus.OPEN:
        gap.decided_by, gap.decided_at = None, None
    else:
        gap.decided_by, gap.decided_at = user, timezone.now()
    gap.save(update_fields=["status", "decided_by", "decided_at"])
    return gap


def latest_audit(provider: Provider) -> SiteAudit | None:
    return (
        SiteAudit.objects.filter(provider=provider)
        .order_by("-fetched_at", "-pk")
        .prefetch_related("outcomes")
        .first()
    )


def latest_response(provider: Provider) -> Response | None:
    return (
        Response.objects.filter(provider=provider, completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .first()
    )


def open_gaps(office: Office) -> QuerySet[DeclaredObservedGap]:
    """The gaps left to review: still open, between each active provider's latest completed
    diagnostic and its latest audit, the pair its audit page shows (older pairs keep their
    rows, but nobody reviews them any more)."""
    newest_audit = (
        SiteAudit.objects.filter(provider=OuterRef("provider"))
        .order_by("-fetched_at", "-pk")
        .values("pk")[:1]
    )
    newest_response = (
        Response.objects.filter(provider=OuterRef("provider"), completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values("pk")[:1]
    )
    return DeclaredObservedGap.objects.filter(
        office=office,
        status=GapStatus.OPEN,
        provider__archived_at__isnull=True,
        audit=Subquery(newest_audit),
        response=Subquery(newest_response),
    )


def gaps_for_provider(provider: Provider) -> list[DeclaredObservedGap]:
    """The gaps between the provider's latest completed diagnostic and its latest audit
    ([] when either is missing), synced first so each can be confirmed or dismissed.

    Side effects: those of :func:`sync_gaps`. About six queries.
    """
    response = latest_response(provider)
    audit = latest_audit(provider) if response is not None else None
    if audit is None:
        return []
    return sync_gaps(response=response, audit=audit)


# --- "Ce que nous avons observé", in the individual report ------------------------------

OBSERVATION_MAX_AGE = timedelta(days=548)  # about 18 months
# The checks a provider understands without a glossary, in the report's order.
OBSERVED_CHECKS = (
    "site.reachable",
    "security.https",
    "mobile.viewport",
    "speed.response_time",
    "booking.engine",
    "legal.notices",
    "social.links",
)


@dataclass(frozen=True)
class ObservedFact:
    code: str
    label: str
    verdict: str
    verdict_label: str
    evidence: str

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.OK


@dataclass(frozen=True)
class Observations:
    """The report's "Ce que nous avons observé" section; false when there is nothing."""

    audited_on: date
    url: str
    is_demo: bool
    facts: list[ObservedFact]
    gaps: list[Gap]

    def __bool__(self) -> bool:
        return bool(self.facts or self.gaps)


def observations_for(response: Response, *, now: datetime | None = None) -> Observations | list:
    """What the provider's latest site audit (at most ~18 months old) showed, and where it
    disagrees with ``response`` (gaps the animator dismissed are left out); [] when there
    is no recent audit. Two queries at most: the outcomes with their audit, the dismissed
    gaps."""
    cutoff = (now or timezone.now()) - OBSERVATION_MAX_AGE
    latest = (
        SiteAudit.objects.filter(provider_id=response.provider_id, fetched_at__gte=cutoff)
        .order_by("-fetched_at", "-pk")
        .values("pk")[:1]
    )
    outcomes = list(CheckOutcome.objects.filter(audit_id=Subquery(latest)).select_related("audit"))
    if not outcomes:
        return []
    audit = outcomes[0].audit
    by_code = {outcome.code: outcome for outcome in outcomes}
    labels = {entry.code: entry.label for entry in CHECKS}
    verdicts = dict(Verdict.choices)
    facts = [
        ObservedFact(
            code=code,
            label=str(labels.get(code, code)),
            verdict=by_code[code].verdict,
            verdict_label=str(verdicts.get(by_code[code].verdict, by_code[code].verdict)),
            evidence=by_code[code].evidence,
        )
        for code in OBSERVED_CHECKS
        if code in by_code
    ]
    gaps = compare(response.answers or {}, by_code)
    if gaps:
        dismissed = set(
            DeclaredObservedGap.objects.filter(
                response_id=response.pk, audit_id=audit.pk, status=GapStatus.DISMISSED
            ).values_list("code", flat=True)
        )
        gaps = [gap for gap in gaps if gap.code not in dismissed]
    return Observations(
        audited_on=timezone.localdate(audit.fetched_at),
        url=audit.url_final or audit.url,
        is_demo=audit.is_demo,
        facts=facts,
        gaps=gaps,
    )
