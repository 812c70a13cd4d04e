"""Staff workflows on sessions: the list, creating, publishing and cancelling, the
feedback summary, the attendance sheet.

Registering and cancelling a registration are in :mod:`.registrations` (capacity held
under a row lock, whose lock cancelling a session takes too); the animator's appointment
slots are in :mod:`.appointments`. Every function takes keyword-only arguments, except the
read-only queries.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from balise.members.models import Provider
from balise.offices.models import Office

from . import alerts
from .mail import send_workshop_mail
from .models import (
    Feedback,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionStatus,
    Theme,
)
from .registrations import lock_session

logger = logging.getLogger(__name__)

UPCOMING = "a-venir"
PAST = "passees"


def sessions_for_list(
    office: Office, *, period: str = UPCOMING, theme: Theme | None = None, status: str = ""
) -> QuerySet[Session]:
    """The office's sessions with their counts (:meth:`SessionQuerySet.with_counts`), in one
    query.

    ``period`` is :data:`UPCOMING` (not ended yet, soonest first) or :data:`PAST` (latest
    first); ``theme`` and ``status`` filter further."""
    now = timezone.now()
    qs = Session.objects.filter(office=office).select_related("theme", "venue").with_counts()
    if period == PAST:
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if theme is not None:
        qs = qs.filter(theme=theme)
    if status:
        qs = qs.filter(status=status)
    return qs


def default_capacity(theme: Theme, venue=None) -> int:
    """The theme's default capacity, capped by the room's."""
    capacity = theme.default_capacity
    if venue is not None:
        capacity = min(capacity, venue.capacity)
    return capacity


def create_session(*, office: Office, **fields) -> Session:
    """Create a session of the office from validated data (``SessionForm``, the API).

    Side effects: one Session row (status "Proposée" unless ``status`` is given); created
    published, the « prévenez-moi » of its theme are announced (a background job)."""
    session = Session.objects.create(office=office, **fields)
    if session.status == SessionStatus.PUBLISHED:
        alerts.announce_published([session.pk])
    return session


def publish_session(*, session: Session) -> bool:
    """A proposed session becomes published (shown on the public programme page).

    Returns False when it was not a proposal (already published or cancelled). Side
    effects: ``status`` saved; the « prévenez-moi » of its theme announced (a background
    job)."""
    if session.status != SessionStatus.DRAFT:
        return False
    session.status = SessionStatus.PUBLISHED
    session.save(update_fields=["status"])
    alerts.announce_published([session.pk])
    return True


def cancel_session(*, session: Session, reason: str = "", user=None) -> int:
    """Cancel a session and tell everyone registered (confirmed or waiting).

    Does nothing on a session already cancelled (returns 0). Side effects: the session
    marked cancelled (``cancelled_at``, ``cancel_reason``); one e-mail per confirmed or
    waiting registration; registrations keep their status, so the office still sees who
    was expected. Returns how many people were e-mailed.
    """
    with transaction.atomic():
        locked = lock_session(session)
        if locked.status == SessionStatus.CANCELLED:
            return 0
        locked.status = SessionStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = (reason or "").strip()[:300]
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        registrations = list(
            Registration.objects.filter(
                session=locked,
                status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING],
            ).order_by("created_at", "pk")
        )
    session.status, session.cancelled_at = locked.status, locked.cancelled_at
    session.cancel_reason = locked.cancel_reason
    if user is not None:
        logger.info("Session %s cancelled by user %s", locked.pk, user.pk)
    notified = 0
    for registration in registrations:
        registration.session = locked
        sent = send_workshop_mail(
            "session_cancelled",
            to=registration.email,
            office=locked.office,
            context={
                "registration": registration,
                "session": locked,
                "programme_link": settings.SITE_URL
                + reverse("ateliers:programme", args=[locked.office.slug]),
            },
        )
        notified += int(sent)
    return notified


@dataclass
class FeedbackSummary:
    count: int = 0
    average: float | None = None
    useful_percent: int | None = None
    comments: list[str] = field(default_factory=list)


def feedback_summary(session: Session) -> FeedbackSummary:
    """Average rating, share of "useful" among those who answered it, comments. 2 queries."""
    rows = Feedback.objects.filter(registration__session=session)
    figures = rows.aggregate(
        count=Count("pk"),
        average=Avg("rating"),
        useful_yes=Count("pk", filter=Q(useful=True)),
        answered=Count("pk", filter=Q(useful__isnull=False)),
    )
    summary = FeedbackSummary(count=figures["count"])
    if figures["count"]:
        summary.average = round(figures["average"], 1)
        summary.comments = list(
            rows.exclude(comment="").order_by("created_at").values_list("comment", flat=True)
        )
    if figures["answered"]:
        summary.useful_percent = round(100 * figures["useful_yes"] / figures["answered"])
    return summary


def registrations_by_status(session: Session) -> dict[str, list[Registration]]:
    """The session's registrations grouped by status, with ``has_feedback``. One query."""
    groups: dict[str, list[Registration]] = {value: [] for value in RegistrationStatus.values}
    rows = (
        Registration.objects.filter(session=session)
        .select_related("provider")
        .annotate(has_feedback=Exists(Feedback.objects.filter(registration=OuterRef("pk"))))
    )
    for row in rows:
        groups[row.status].append(row)
    return groups


# --- Attendance --------------------------------------------------------------------------


def attendance_rows(session: Session) -> list[Registration]:
    """The confirmed registrants, in name order, for the attendance sheet."""
    return list(
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("provider")
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class AttendanceCounts:
    expected: int
    present: int
    absent: int

    @property
    def unmarked(self) -> int:
        return self.expected - self.present - self.absent


def attendance_counts(session: Session) -> AttendanceCounts:
    figures = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).aggregate(
        expected=Count("pk"),
        present=Count("pk", filter=Q(attended=True)),
        absent=Count("pk", filter=Q(attended=False)),
    )
    return AttendanceCounts(**figures)


def parse_attended(value: str | None) -> bool | None:
    """ "1" → present, "0" → absent, anything else → not marked."""
    return {"1": True, "0": False}.get(value or "")


def set_attendance(*, registration: Registration, attended: bool | None) -> Registration:
    """Mark a confirmed registrant present (True), absent (False) or not marked (None).

    Side effect: ``attended`` saved. Raises ValueError for a registration that is not
    confirmed (nobody waiting or cancelled is expected at the session)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValueError("only confirmed registrations have an attendance")
    if registration.attended != attended:
        registration.attended = attended
        registration.save(update_fields=["attended"])
    return registration


def record_sheet(*, session: Session, marks: dict[int, bool | None]) -> int:
    """Save the whole sheet: ``marks`` maps registration ids to present/absent/None.

    Ids that are not confirmed registrations of this session are ignored (a forged id
    changes nothing). Returns how many rows changed. Side effect: ``attended`` saved."""
    changed = 0
    with transaction.atomic():
        for registration in Registration.objects.filter(
            session=session, status=RegistrationStatus.CONFIRMED, pk__in=list(marks)
        ):
            if registration.attended != marks[registration.pk]:
                registration.attended = marks[registration.pk]
                registration.save(update_fields=["attended"])
                changed += 1
    return changed


def add_walk_in(
    *, session: Session, name: str, email: str, provider: Provider | None = None
) -> Registration:
    """Record someone who came without registering, as present.

    The person is in the room, so capacity is not checked and no e-mail is sent. Someone
    already registered with this e-mail (waiting, cancelled or confirmed) gets that row
    back, confirmed and present. Side effect: a Registration row (source "Par l'office").
    """
    email = email.strip().lower()
    with transaction.atomic():
        registration = Registration.objects.filter(session=session, email__iexact=email).first()
        if registration is None:
            return Registration.objects.create(
                office=session.office,
                session=session,
                provider=provider,
                name=name,
                email=email,
                business=provider.name if provider else "",
                status=RegistrationStatus.CONFIRMED,
                source=RegistrationSource.STAFF,
                attended=True,
            )
        registration.status = RegistrationStatus.CONFIRMED
        registration.attended = True
        registration.cancelled_at = None
        if provider is not None and registration.provider_id is None:
            registration.provider = provider
        registration.save(update_fields=["status", "attended", "cancelled_at", "provider"])
        return registration
