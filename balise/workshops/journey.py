"""A provider's journey on one page: diagnostics, audits, workshops, appointments, advice.

:func:`build_journey` gathers it in a fixed number of queries (eight), whatever the
provider's history, and merges the dated events into a timeline (newest first).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from balise.audits.models import SiteAudit
from balise.diagnostics.models import AxisScore, FiredRecommendation, Response
from balise.members.models import Provider

from .models import Appointment, Feedback, Registration

AUDIT_HISTORY = 5


@dataclass
class AxisLine:
    title: str
    score: float | None


@dataclass
class DiagnosticStep:
    response: Response
    completed_at: datetime.datetime
    campaign_name: str
    overall: float | None
    level_name: str
    axes: list[AxisLine]
    report_url: str


@dataclass
class Advice:
    code: str
    title: str
    priority: int


@dataclass
class Event:
    when: datetime.datetime
    kind: str  # diagnostic, audit, workshop, appointment
    kind_label: str
    title: str
    detail: str = ""
    url: str = ""


@dataclass
class Journey:
    provider: Provider
    diagnostics: list[DiagnosticStep] = field(default_factory=list)
    audits: list[SiteAudit] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.diagnostics or self.audits or self.registrations or self.appointments)


def _diagnostics(provider: Provider, language: str) -> list[DiagnosticStep]:
    responses = (
        Response.objects.filter(provider=provider, completed_at__isnull=False)
        .select_related("campaign", "version")
        .prefetch_related(
            Prefetch("axis_scores", queryset=AxisScore.objects.order_by("pk")),
            Prefetch(
                "recommendations", queryset=FiredRecommendation.objects.order_by("priority", "pk")
            ),
        )
        .order_by("-completed_at", "-pk")
    )
    steps = []
    office_slug = provider.office.slug
    for response in responses:
        definition = response.version.parsed
        scores = {row.axis: row.score for row in response.axis_scores.all()}
        level_name = ""
        if response.overall_score is not None:
            number = response.level or definition.level_for(response.overall_score).number
            level = next((lv for lv in definition.levels if lv.number == number), None)
            level_name = level.name.get(language) if level else ""
        steps.append(
            DiagnosticStep(
                response=response,
                completed_at=response.completed_at,
                campaign_name=response.campaign.name,
                overall=response.overall_score,
                level_name=level_name,
                axes=[
                    AxisLine(title=axis.title.get(language), score=scores.get(axis.code))
                    for axis in definition.axes
                    if axis.code in scores
                ],
                report_url=reverse("diagnostics:report", args=[office_slug, response.pk]),
            )
        )
    return steps


def _advice(step: DiagnosticStep | None, language: str) -> list[Advice]:
    if step is None:
        return []
    definition = step.response.version.parsed
    titles = {rec.code: rec.title.get(language) for rec in definition.recommendations}
    return [
        Advice(code=rec.code, title=titles.get(rec.code, rec.code), priority=rec.priority)
        for rec in step.response.recommendations.all()
    ]


def build_journey(provider: Provider, *, language: str | None = None) -> Journey:
    """Everything the office did with ``provider``, for the journey page. Read-only."""
    language = (language or translation.get_language() or "fr")[:2]
    journey = Journey(provider=provider)
    journey.diagnostics = _diagnostics(provider, language)
    journey.advice = _advice(journey.diagnostics[0] if journey.diagnostics else None, language)
    journey.audits = list(
        SiteAudit.objects.filter(provider=provider).order_by("-fetched_at", "-pk")[:AUDIT_HISTORY]
    )
    journey.registrations = list(
        Registration.objects.filter(provider=provider)
        .select_related("session", "session__theme", "session__venue")
        .annotate(has_feedback=Exists(Feedback.objects.filter(registration=OuterRef("pk"))))
        .order_by("-session__starts_at", "-pk")
    )
    journey.appointments = list(
        Appointment.objects.filter(provider=provider)
        .select_related("slot", "theme")
        .order_by("-slot__starts_at", "-pk")
    )
    journey.timeline = _timeline(journey)
    return journey


def _timeline(journey: Journey) -> list[Event]:
    slug = journey.provider.office.slug
    events = []
    for step in journey.diagnostics:
        detail = ""
        if step.overall is not None:
            detail = _("score global %(score)s / 100") % {"score": round(step.overall)}
        events.append(
            Event(
                when=step.completed_at,
                kind="diagnostic",
                kind_label=_("Diagnostic"),
                title=step.campaign_name,
                detail=detail,
                url=step.report_url,
            )
        )
    audit_url = reverse("audits:provider_audit", args=[slug, journey.provider.pk])
    for audit in journey.audits:
        events.append(
            Event(
                when=audit.fetched_at,
                kind="audit",
                kind_label=_("Audit du site"),
                title=audit.url,
                detail=_("%(ok)s OK, %(improve)s à améliorer, %(missing)s absents")
                % {
                    "ok": audit.ok_count,
                    "improve": audit.to_improve_count,
                    "missing": audit.missing_count,
                },
                url=audit_url,
            )
        )
    for registration in journey.registrations:
        session = registration.session
        if registration.attended:
            detail = _("présent")
        elif registration.attended is False:
            detail = _("absent")
        else:
            detail = registration.get_status_display()
        events.append(
            Event(
                when=session.starts_at,
                kind="workshop",
                kind_label=_("Atelier"),
                title=session.display_title,
                detail=detail,
                url=reverse("workshops:session_detail", args=[slug, session.pk]),
            )
        )
    for appointment in journey.appointments:
        events.append(
            Event(
                when=appointment.slot.starts_at,
                kind="appointment",
                kind_label=_("Rendez-vous individuel"),
                title=appointment.theme.title if appointment.theme else _("Rendez-vous"),
                detail=appointment.get_status_display(),
            )
        )
    events.sort(key=lambda event: event.when, reverse=True)
    return events
