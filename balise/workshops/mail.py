"""The one way the workshops' e-mails are written: confirmations, promotions,
cancellations, reminders, feedback requests and appointment notices are all made by
:func:`workshop_message` (targeted invitations build their own in :mod:`.invitations`).

Messages that answer a click leave at once through :func:`send_workshop_mail`, after the
transaction that decided them has ended, so no SMTP exchange ever holds a lock. The daily
reminders and feedback requests go through :func:`balise.jobs.outbox.send_once` instead:
stamped before they leave, so a job resumed after its worker died sends none twice.

Every e-mail is rendered in ``settings.LANGUAGE_CODE`` (French), replies
go to the office's address, and nobody is written to at an empty address or at one an
erasure left behind (``privacy.erasure.ERASED_DOMAIN``).
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from balise.privacy.erasure import ERASED_DOMAIN

logger = logging.getLogger(__name__)

ICS_FILENAME = "atelier.ics"
ICS_MIMETYPE = "text/calendar"


def is_mailable(address: str) -> bool:
    """An address to write to: not empty, and not the placeholder of an erased person."""
    return bool(address) and not address.lower().endswith(ERASED_DOMAIN)


def workshop_message(
    kind: str, *, to: str, office, context: dict, attachment: bytes | None = None
) -> EmailMessage:
    """``emails/workshop_<kind>[_subject].txt`` rendered in French, replies to the office."""
    context = {"office": office, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/workshop_{kind}_subject.txt", context)
        body = render_to_string(f"emails/workshop_{kind}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[office.email] if office.email else None,
    )
    if attachment is not None:
        message.attach(ICS_FILENAME, attachment, ICS_MIMETYPE)
    return message


def send_workshop_mail(
    kind: str, *, to: str, office, context: dict, attachment: bytes | None = None
) -> bool:
    """Render :func:`workshop_message` and send it (see :func:`send_now`)."""
    return send_now(
        workshop_message(kind, to=to, office=office, context=context, attachment=attachment)
    )


def send_now(message: EmailMessage) -> bool:
    """Send ``message`` at once. A failing address is logged and skipped (returns False):
    the registration is made all the same and its page shows everything the e-mail would
    have said."""
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Workshop e-mail %r to %s failed: %s", message.subject, message.to, error)
        return False
    return True
