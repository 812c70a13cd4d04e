"""Background jobs of the workshops (Tasks API): thin, they call a service."""

from django_tasks import task

from . import registrations


@task()
def send_workshop_reminders() -> int:
    """The day-before reminders of the sessions; returns how many e-mails left."""
    return registrations.send_reminders()
