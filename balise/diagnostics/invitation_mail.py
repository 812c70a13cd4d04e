"""Mailing the personal links: first invitations and reminders.

Who may receive mail (link not revoked, provider active with an address, diagnostic not
completed), how often (:data:`REMINDER_MIN_INTERVAL`), and sending each message at most
once, whether the click is doubled, two workers run, or a worker dies and its task is run
again.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from balise.jobs import outbox

from .invitations import invitation_url
from .models import Campaign, Invitation, Response

# A reminder never follows the invitation or the previous reminder closer than this: a
# second click on "Relancer" (or a second worker) must not mail anyone twice.
REMINDER_MIN_INTERVAL = timedelta(hours=12)
# What the outbox calls these e-mails (an operator reads them in the admin).
INVITATION_MAIL = "diagnostics.invitation"
REMINDER_MAIL = "diagnostics.reminder"


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


def _stamp(invitation: Invitation, *, reminder: bool) -> bool:
    """Mark the invitation as mailed: its first e-mail, or one more reminder."""
    now = timezone.now()
    if reminder:
        invitation.reminder_count += 1
        invitation.last_reminded_at = now
    else:
        invitation.sent_at = now
    invitation.email = invitation.provider.email
    return True


def _send_each(ids: list[int], *, due: QuerySet[Invitation], reminder: bool) -> int:
    """Mail each invitation of ``ids`` that is still in ``due``, each at most once.

    Each row is locked, checked again and stamped together with its outbox claim, and
    that is committed before the message leaves (:func:`balise.jobs.outbox.send_once`): a
    double click, a second worker, or the same task resumed after its worker died mails
    nobody twice. A refused address gets its stamp back (the next run tries again) and
    the others still go; a send whose outcome is unknown stops the run
    (:class:`~balise.jobs.outbox.UncertainDelivery`, the task fails) and is never resent.
    """
    fields = ["reminder_count", "last_reminded_at"] if reminder else ["sent_at"]
    due = due.select_related("provider", "campaign__office")
    sent = 0
    connection = get_connection()
    with connection:
        for pk in ids:
            sent += bool(
                outbox.send_once(
                    due,
                    pk,
                    kind=REMINDER_MAIL if reminder else INVITATION_MAIL,
                    fields=[*fields, "email"],
                    stamp=partial(_stamp, reminder=reminder),
                    build=partial(_message, reminder=reminder),
                    connection=connection,
                )
            )
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
