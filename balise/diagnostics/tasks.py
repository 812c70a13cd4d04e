"""Background jobs of the diagnostics (Tasks API): thin, they take ids and call a service.

Sending a campaign's invitations or reminders can mean hundreds of e-mails: the page
queues the job and answers at once. A job whose worker dies is run again by another
worker (:mod:`balise.jobs.lease`); the services stamp each invitation before its e-mail
leaves (:mod:`balise.jobs.outbox`), so a job run twice sends nobody anything twice.
"""

from django.core.exceptions import ValidationError
from django_tasks import task

from . import invitation_mail
from .models import Campaign


def _campaign(campaign_id: int) -> Campaign | None:
    return Campaign.objects.select_related("office").filter(pk=campaign_id).first()


@task()
def send_invitations(campaign_id: int, invitation_ids: list[int] | None = None) -> int:
    """Mail the campaign's pending invitations; returns how many left."""
    campaign = _campaign(campaign_id)
    if campaign is None:
        return 0
    try:
        return invitation_mail.send_invitations(campaign=campaign, invitation_ids=invitation_ids)
    except ValidationError:  # closed between the click and the job: nothing to send
        return 0


@task()
def send_reminders(campaign_id: int) -> int:
    """Mail the campaign's due reminders; returns how many left."""
    campaign = _campaign(campaign_id)
    if campaign is None:
        return 0
    try:
        return invitation_mail.send_reminders(campaign=campaign)
    except ValidationError:
        return 0
