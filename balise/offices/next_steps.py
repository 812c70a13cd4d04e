"""What the office's home page says to do next: the work waiting in each part of Balise.

Each figure is the one the page where the work is done shows (the campaign's follow-up,
the sessions, the audits list, the import), computed by the same functions, so the home
page never disagrees with them. About ten queries whatever the office's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from balise.audits.gaps import open_gaps
from balise.diagnostics.followup import participation, providers_to_phone
from balise.diagnostics.invitation_mail import due_reminders
from balise.diagnostics.models import Campaign, CampaignStatus
from balise.members.models import ImportBatch
from balise.workshops.models import RegistrationStatus, Session, SessionStatus

from .models import Office

SESSIONS_SHOWN = 3


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    completed: int
    total: int
    rate: float | None
    to_remind: int
    to_phone: int


@dataclass(frozen=True)
class NextSteps:
    campaign: CampaignProgress | None
    other_open_campaigns: list[Campaign]
    sessions_with_places: list[Session]  # the next few, each with ``places_left``
    sessions_with_places_count: int
    open_gaps: int
    providers_with_gaps: int
    failed_imports: list[ImportBatch]

    def __bool__(self) -> bool:
        return bool(
            self.campaign
            or self.sessions_with_places_count
            or self.open_gaps
            or self.failed_imports
        )


def _campaign_progress(campaign: Campaign) -> CampaignProgress:
    overall = participation(campaign).overall
    return CampaignProgress(
        campaign=campaign,
        completed=overall.completed,
        total=overall.total,
        rate=overall.rate,
        to_remind=due_reminders(campaign).count(),
        to_phone=providers_to_phone(campaign).count(),
    )


def _sessions_with_places(office: Office) -> list[Session]:
    """Published sessions still to come that have free places, soonest first."""
    confirmed = Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED))
    return list(
        Session.objects.filter(
            office=office, status=SessionStatus.PUBLISHED, starts_at__gte=timezone.now()
        )
        .select_related("theme")
        .annotate(
            places_left=ExpressionWrapper(F("capacity") - confirmed, output_field=IntegerField())
        )
        .filter(places_left__gt=0)
        .order_by("starts_at", "pk")
    )


def _failed_imports(office: Office) -> list[ImportBatch]:
    """Imports that failed since the office's last successful one: a later import that
    went through means the file was fixed and loaded."""
    last_applied = (
        ImportBatch.objects.filter(office=OuterRef("office"), status=ImportBatch.Status.APPLIED)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return list(
        ImportBatch.objects.filter(office=office, status=ImportBatch.Status.FAILED)
        .annotate(last_applied=Subquery(last_applied))
        .filter(Q(last_applied__isnull=True) | Q(created_at__gt=F("last_applied")))
        .order_by("-created_at")
    )


def next_steps(office: Office) -> NextSteps:
    """Gather what is waiting: the open campaign's progress (the latest one when several
    are open), sessions with free places, gaps to review, failed imports. Reads only."""
    open_campaigns = list(
        Campaign.objects.filter(office=office, status=CampaignStatus.OPEN).order_by(
            "-starts_on", "-pk"
        )
    )
    sessions = _sessions_with_places(office)
    gaps = open_gaps(office).aggregate(gaps=Count("pk"), providers=Count("provider", distinct=True))
    return NextSteps(
        campaign=_campaign_progress(open_campaigns[0]) if open_campaigns else None,
        other_open_campaigns=open_campaigns[1:],
        sessions_with_places=sessions[:SESSIONS_SHOWN],
        sessions_with_places_count=len(sessions),
        open_gaps=gaps["gaps"],
        providers_with_gaps=gaps["providers"],
        failed_imports=_failed_imports(office),
    )
