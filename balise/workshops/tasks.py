"""Background jobs of the workshops (Tasks API): thin, they call a service."""

from django_tasks import task

from balise.offices.models import User

from . import alerts, appointments, invitations, registrations
from .models import Session, SessionStatus


@task()
def send_workshop_reminders() -> int:
    """The day-before reminders of the sessions and of the individual appointments, and
    the day-after feedback requests of the sessions; returns how many e-mails left."""
    return (
        registrations.send_reminders()
        + appointments.send_appointment_reminders()
        + registrations.send_feedback_requests()
    )


@task()
def send_session_invitations(session_id: int, user_id: int | None = None) -> int:
    """Mail the unsent invitations of a published session; returns how many left."""
    session = (
        Session.objects.select_related("theme", "venue", "office")
        .filter(pk=session_id, status=SessionStatus.PUBLISHED)
        .first()
    )
    if session is None:
        return 0
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return invitations.send_invitations(session=session, user=user)


@task()
def send_theme_alerts(session_ids: list[int]) -> int:
    """Announce newly published sessions to the « prévenez-moi » of their themes; returns
    how many e-mails left."""
    return alerts.notify_published(session_ids=session_ids)
