"""Mailing the personal links: first invitations and reminders.

Who may receive mail (link not revoked, provider active with an address, diagnostic not
completed), how often (:data:`REMINDER_MIN_INTERVAL`), and sending each message so that a
double click or two workers never mail anyone twice.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .invitations import invitation_url
from .models import Campaign, Invitation, Response

logger = logging.getLogger(__name__)

# A reminder never follows the invitation or the previous reminder closer than this: a
# second click on "Relancer" (or a second worker) must not mail anyone twice.
REMINDER_MIN_INTERVAL = timedelta(hours=12)


def _completed(campaign: Campaign):
    return Exists(
        Response.objects.filter(
            campaign=campaign, provider=OuterRef("provider"), completed_at__isnull=False
        )
    )


def _mailable(campaign: Campaign) -> QuerySet[Invitation]:
    """Invitations that may receive mail: link not revoked, provider active with an
    address, diagnostic not completed."""
    return (
        Invitation.objects.usable()
        .filter(campaign=campaign, provider__archived_at__isnull=True)
        .exclude(provider__email="")
        .exclude(_completed(campaign))
    )


def pending_invitations(campaign: Campaign) -> QuerySet[Invitation]:
    """What "Envoyer les invitations" would mail now."""
    return _mailable(campaign).filter(sent_at__isnull=True)


def due_reminders(campaign: Campaign) -> QuerySet[Invitation]:
    """What "Relancer" would mail now: invited, not completed, not mailed recently."""
    recent = timezone.now() - REMINDER_MIN_INTERVAL
    return (
        _mailable(campaign)
        .filter(sent_at__lte=recent)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=recent))
    )


def _message(invitation: Invitation, *, reminder: bool) -> EmailMessage:
    campaign = invitation.campaign
    office = campaign.office
    context = {
        "provider": invitation.provider,
        "office": office,
        "campaign": campaign,
        "link": invitation_url(invitation),
        "started": Response.objects.filter(
            campaign=campaign, provider_id=invitation.provider_id
        ).exists()
        if reminder
        else False,
    }
    kind = "reminder" if reminder else "invitation"
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/diagnostic_{kind}_subject.txt", context)
        body = render_to_string(f"emails/diagnostic_{kind}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.provider.email],
        reply_to=[office.email] if office.email else None,
    )


def _send_each(ids: list[int], *, due: QuerySet[Invitation], reminder: bool) -> int:
    """Mail each invitation of ``ids`` that is still in ``due``, one locked row at a time.

    The row is locked and checked again before sending, and stamped in the same
    transaction: a double click, or two workers, mail nobody twice. A failing address is
    logged and skipped; the others still go.
    """
    sent = 0
    connection = get_connection()
    with connection:
        for pk in ids:
            with transaction.atomic():
                invitation = (
                    due.select_for_update(of=("self",))
                    .select_related("provider", "campaign__office")
                    .filter(pk=pk)
                    .first()
                )
                if invitation is None:
                    continue
                message = _message(invitation, reminder=reminder)
                message.connection = connection
                try:
                    message.send(fail_silently=False)
                except (smtplib.SMTPException, OSError) as error:
                    logger.warning("Diagnostic e-mail to invitation %s failed: %s", pk, error)
                    continue
                now = timezone.now()
                if reminder:
                    invitation.reminder_count += 1
                    invitation.last_reminded_at = now
                    fields = ["reminder_count", "last_reminded_at", "email"]
                else:
                    invitation.sent_at = now
                    fields = ["sent_at", "email"]
                invitation.email = invitation.provider.email
                invitation.save(update_fields=fields)
            sent += 1
    return sent


def send_invitations(*, campaign: Campaign, invitation_ids: list[int] | None = None) -> int:
    """E-mail their personal link to panel providers who have not received it yet.

    The invitation is a service message about the office's own diagnostic of its members,
    not marketing: it goes to every targeted provider with an e-mail address, whatever
    their consent to information e-mails. Providers without an address get nothing and are
    not counted: :func:`.followup.providers_to_phone` lists them for the animator to call.

    Side effects: one e-mail per invitation (French, with the link, the office's name, the
    end date and the campaign's message; replies go to the office's address), ``sent_at``
    and ``email`` recorded. Returns how many e-mails left. Raises ValidationError when the
    campaign is not open.
    """
    if not campaign.is_open:
        raise ValidationError(
            _("La campagne n'est pas ouverte : ouvrez-la avant d'envoyer les invitations.")
        )
    due = pending_invitations(campaign)
    ids = due.values_list("pk", flat=True)
    if invitation_ids is not None:
        ids = ids.filter(pk__in=invitation_ids)
    return _send_each(list(ids.order_by("pk")), due=due, reminder=False)


def send_reminders(*, campaign: Campaign) -> int:
    """Remind invited providers who have not completed (see :func:`due_reminders`).

    Same audience rules as :func:`send_invitations`. Side effects: one e-mail each,
    ``reminder_count`` and ``last_reminded_at`` recorded. Returns how many left. Raises
    ValidationError when the campaign is not open.
    """
    if not campaign.is_open:
        raise ValidationError(_("La campagne n'est pas ouverte : aucune relance n'est possible."))
    due = due_reminders(campaign)
    ids = list(due.values_list("pk", flat=True).order_by("pk"))
    return _send_each(ids, due=due, reminder=True)
