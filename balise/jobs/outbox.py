"""E-mails sent at most once, even when the task sending them dies and is run again.

Sending used to be "lock the row, send, stamp, commit": a worker killed after the mail
server took the message but before the commit left the row unstamped, and the resumed
task sent it again. The rule is now *claim, commit, send, record*:

1. in the transaction that finds a message due, the caller stamps its object (say
   ``Invitation.sent_at``) and :func:`claim` writes an :class:`~.models.OutboxMessage`;
   both are committed before the mail server is contacted, so a resumed or concurrent
   run sees the stamp and skips the object;
2. :func:`deliver` sends, outside any transaction, then records the outcome:

   - sent: the claim is deleted (the stamp says "sent");
   - refused by the mail server (an SMTP error reply, a refused connection): ``undo``
     clears the stamp and the claim is deleted, in one transaction, so the next run
     tries again;
   - anything else (a timeout, a connection lost while the message was in flight): the
     message may have left. The claim stays, :class:`UncertainDelivery` is raised (the
     task fails, the rest of the batch waits for the next run).

A claim left behind (the process was killed, or an uncertain outcome) is *uncertain*
after :data:`UNCERTAIN_AFTER`: ``/sante/`` counts it and the operators' admin lists it
("E-mails en cours d'envoi"). It is never sent again on its own: a second copy of a
personal e-mail is a worse failure than one that an operator checks in the mail server's
log and, if it never left, sends again from the object's page. So each message leaves at
most once, and a message whose fate is unknown is reported, never resent blindly.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.core.mail import BadHeaderError, EmailMessage
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

# Longer than any send (the SMTP timeout, BALISE_EMAIL_TIMEOUT, is 30 s by default).
UNCERTAIN_AFTER = timedelta(minutes=10)


class UncertainDelivery(Exception):
    """The message may or may not have left: its claim is kept and it is not resent."""


def refused(error: Exception) -> bool:
    """Whether ``error`` proves the message did not leave: the server answered with an
    error, could not be reached at all, or the message was refused before sending (a line
    break in a header). A lost connection proves nothing: it may have been lost after the
    server took the message."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return False
    return isinstance(
        error, smtplib.SMTPException | ConnectionRefusedError | socket.gaierror | BadHeaderError
    )


def _release(claimed: OutboxMessage, undo: Callable[[], None]) -> None:
    with transaction.atomic():
        undo()
        claimed.delete()


def claim(*, kind: str, object_id: int, office_id: int | None) -> OutboxMessage:
    """Record that the message ``kind`` about ``object_id`` is about to be sent.

    Call it inside the transaction that stamps the object. Side effect: one row.
    """
    return OutboxMessage.objects.create(kind=kind, object_id=object_id, office_id=office_id)


def deliver(
    claimed: OutboxMessage,
    build: Callable[[], EmailMessage],
    *,
    undo: Callable[[], None],
    connection=None,
) -> bool:
    """Build and send the claimed message, then record what happened (see the module).

    ``build`` makes the message (a failure there undoes the claim and is raised), ``undo``
    clears the object's stamp when the message surely did not leave. Returns whether it
    was sent; raises :class:`UncertainDelivery` when that is unknown.
    """
    try:
        message = build()
    except Exception:
        _release(claimed, undo)
        raise
    if connection is not None:
        message.connection = connection
    try:
        message.send(fail_silently=False)
    except Exception as error:
        if not refused(error):
            logger.error("E-mail %s: unknown outcome, not sent again: %s", claimed, error)
            raise UncertainDelivery(str(claimed)) from error
        _release(claimed, undo)
        logger.warning("E-mail %s refused: %s", claimed, error)
        return False
    claimed.delete()
    return True


def send_once(
    due: QuerySet[M],
    pk: int,
    *,
    kind: str,
    fields: list[str],
    stamp: Callable[[M], bool],
    build: Callable[[M], EmailMessage],
    connection=None,
) -> M | None:
    """The whole rule for one row: lock row ``pk`` if it is still in ``due``, let
    ``stamp`` set its ``fields`` (it returns False to leave the row alone), save them with a
    claim and commit; then :func:`deliver` the message ``build`` makes from the row. When
    the server refuses it, the fields get their former values back.

    Returns the row when its message left, None otherwise (not due any more, skipped,
    refused); raises :class:`UncertainDelivery` when that is unknown.
    """
    with transaction.atomic():
        row = due.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            return None
        before = {name: getattr(row, name) for name in fields}
        if not stamp(row):
            return None
        row.save(update_fields=fields)
        claimed = claim(kind=kind, object_id=pk, office_id=row.office_id)
    undo = partial(due.model.objects.filter(pk=pk).update, **before)
    sent = deliver(claimed, partial(build, row), undo=undo, connection=connection)
    return row if sent else None


def now_in(field: str) -> Callable[[Model], bool]:
    """A ``stamp`` for :func:`send_once`: the row's ``field`` set to the current time."""

    def stamp(row: Model) -> bool:
        setattr(row, field, timezone.now())
        return True

    return stamp


def uncertain(now: datetime | None = None) -> QuerySet[OutboxMessage]:
    """Claims older than :data:`UNCERTAIN_AFTER`: messages that may or may not have left."""
    return OutboxMessage.objects.filter(claimed_at__lt=(now or timezone.now()) - UNCERTAIN_AFTER)
