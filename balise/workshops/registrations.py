"""Registrations to sessions (with a waiting list), the day-before reminders and the
feedback requests: the workflows behind the public pages (cancelling a whole session is in
:mod:`.sessions`, individual appointments in :mod:`.appointments`; both share the session
lock and the refusal here, and every e-mail leaves through :mod:`.mail`).

Capacity is held under a row lock: every function that changes who holds a place first
locks the session row (``select_for_update()`` inside ``transaction.atomic()``), then
counts and writes, so two people taking the last place at the same moment cannot both get
it (PostgreSQL). On SQLite ``select_for_update`` does nothing, but ``transaction_mode:
IMMEDIATE`` (settings) takes the write lock when the transaction begins, which serialises
the same code.

E-mails leave after the transaction that decided them has ended, so no SMTP exchange ever
holds a lock; links start with ``settings.SITE_URL``.

Every function takes keyword-only arguments and raises :class:`RegistrationRefused` (a
``ValueError`` with a French message for the person) when the request cannot be honoured.
"""

import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from balise.jobs import outbox
from balise.members.models import Provider

from . import calendar
from .mail import send_now, workshop_message
from .models import (
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionStatus,
)

# What the outbox calls these e-mails (an operator reads them in the admin).
REMINDER_MAIL = "workshops.reminder"
FEEDBACK_REQUEST_MAIL = "workshops.feedback_request"


class RegistrationRefused(ValueError):
    """The registration or booking cannot be made; ``str(error)`` is for the person."""


# --- Links and e-mails ----------------------------------------------------------------


def registration_url(registration: Registration) -> str:
    """The registrant's personal page, absolute (status, calendar, cancel, feedback)."""
    return f"{settings.SITE_URL}{reverse('ateliers:registration', args=[registration.token])}"


def _registration_context(registration: Registration) -> dict:
    return {
        "registration": registration,
        "session": registration.session,
        "link": registration_url(registration),
        "position": waiting_position(registration),
    }


def _registration_message(
    kind: str, registration: Registration, *, with_calendar: bool = True
) -> EmailMessage:
    """The e-mail ``kind`` about a registration, with the session's calendar file."""
    return workshop_message(
        kind,
        to=registration.email,
        office=registration.session.office,
        context=_registration_context(registration),
        attachment=calendar.session_ics(registration.session, registration=registration)
        if with_calendar
        else None,
    )


def _send_confirmation(registration: Registration) -> bool:
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    return send_now(_registration_message("registration", registration, with_calendar=confirmed))


def _send_promoted(registration: Registration) -> bool:
    return send_now(_registration_message("promoted", registration))


# --- Places ---------------------------------------------------------------------------


def confirmed_count(session: Session) -> int:
    return Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).count()


def places_left(session: Session) -> int:
    return max(session.capacity - confirmed_count(session), 0)


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list (order of ``created_at``), None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id, status=RegistrationStatus.WAITING
    ).filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def lock_session(session: Session) -> Session:
    """The session row, locked until the end of the caller's transaction: taken first by
    everything that changes who holds a place or whether the session takes place."""
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("office", "theme", "venue")
        .get(pk=session.pk)
    )


def _check_open(session: Session, *, source: str) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise RegistrationRefused(_("Cette séance est annulée : les inscriptions sont closes."))
    if session.status != SessionStatus.PUBLISHED and source != RegistrationSource.STAFF:
        raise RegistrationRefused(_("Les inscriptions à cette séance ne sont pas ouvertes."))
    if session.starts_at <= timezone.now():
        raise RegistrationRefused(
            _("Cette séance a déjà commencé : il n'est plus possible de s'y inscrire.")
        )


def match_provider(*, office, email: str) -> Provider | None:
    """The office's active provider with this e-mail address (case-insensitive), if any."""
    if not email:
        return None
    return (
        Provider.objects.filter(office=office, email__iexact=email, archived_at__isnull=True)
        .order_by("pk")
        .first()
    )


def register(
    *,
    session: Session,
    name: str,
    email: str,
    provider: Provider | None = None,
    business: str = "",
    source: str = RegistrationSource.PUBLIC,
    notify: bool = True,
) -> tuple[Registration, bool]:
    """Register ``email`` to ``session``: a place if one is left, else the waiting list.

    Same e-mail address twice (case-insensitive) gives back the existing registration
    (``created`` False); a cancelled one is re-activated (confirmed if a place is left,
    else at the end of the waiting list). The provider is the one given, else the office's
    provider with this address. Refuses (:class:`RegistrationRefused`) a cancelled
    session, one that has started, and an unpublished one unless ``source`` is staff.

    Side effects: one ``Registration`` row written or updated under the session's row
    lock; when ``notify``, the confirmation e-mail (with the calendar invitation when a
    place is held, the waiting-list position otherwise; sent again when the person
    registers a second time, so a lost link can be found again, but not when the office
    registers someone already registered).
    """
    email = (email or "").strip().lower()
    name = (name or "").strip()[:150]
    business = (business or "").strip()[:200]
    if not email or not name:
        raise RegistrationRefused(_("Indiquez votre nom et votre adresse e-mail."))
    if provider is not None and provider.office_id != session.office_id:
        raise RegistrationRefused(_("Ce prestataire n'appartient pas à cet office."))
    with transaction.atomic():
        session = lock_session(session)
        _check_open(session, source=source)
        registration = Registration.objects.filter(session=session, email=email).first()
        created = registration is None
        changed = created or registration.status == RegistrationStatus.CANCELLED
        free = session.capacity - confirmed_count(session) > 0
        status = RegistrationStatus.CONFIRMED if free else RegistrationStatus.WAITING
        if created:
            registration = Registration.objects.create(
                office=session.office,
                session=session,
                provider=provider or match_provider(office=session.office, email=email),
                name=name,
                email=email,
                business=business,
                status=status,
                source=source,
            )
        elif registration.status == RegistrationStatus.CANCELLED:
            # Back at the end of the queue: a re-registration does not jump ahead of
            # people who waited.
            registration.status = status
            registration.name = name
            registration.business = business or registration.business
            registration.provider = (
                provider
                or registration.provider
                or match_provider(office=session.office, email=email)
            )
            registration.created_at = timezone.now()
            registration.cancelled_at = None
            registration.promoted_at = None
            registration.reminder_sent_at = None
            registration.save()
        registration.session = session
    # A person registering again has lost the link: it goes to the address again. The
    # office's own double click mails nobody twice.
    if notify and (changed or source != RegistrationSource.STAFF):
        _send_confirmation(registration)
    return registration, created


def _promote(session: Session) -> list[Registration]:
    """Give the free places to the first waiting registrations; the session row is locked."""
    free = session.capacity - confirmed_count(session)
    if free <= 0 or session.status == SessionStatus.CANCELLED:
        return []
    if session.starts_at <= timezone.now():
        return []
    waiting = list(
        Registration.objects.select_for_update(of=("self",))
        .filter(session=session, status=RegistrationStatus.WAITING)
        .order_by("created_at", "pk")[:free]
    )
    now = timezone.now()
    for registration in waiting:
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        registration.session = session
    return waiting


def promote_waiting(*, session: Session) -> list[Registration]:
    """Fill the session's free places from its waiting list (after a capacity increase).

    Side effects: the first waiting registrations confirmed (``promoted_at`` set), each
    told by e-mail with the calendar invitation. Returns them, first first.
    """
    with transaction.atomic():
        promoted = _promote(lock_session(session))
    for registration in promoted:
        _send_promoted(registration)
    return promoted


def cancel_registration(*, registration: Registration) -> Registration | None:
    """Cancel a registration; the place goes to the first on the waiting list.

    Does nothing on a registration already cancelled. Side effects: the registration
    marked cancelled; when it held a place in a session still to come, the first waiting
    registration is confirmed and e-mailed (with the calendar invitation). Returns the
    promoted registration, or None.
    """
    with transaction.atomic():
        session = lock_session(registration.session)
        current = (
            Registration.objects.select_for_update(of=("self",)).filter(pk=registration.pk).first()
        )
        if current is None or current.status == RegistrationStatus.CANCELLED:
            return None
        held_place = current.status == RegistrationStatus.CONFIRMED
        current.status = RegistrationStatus.CANCELLED
        current.cancelled_at = timezone.now()
        current.save(update_fields=["status", "cancelled_at"])
        registration.status, registration.cancelled_at = current.status, current.cancelled_at
        promoted = _promote(session) if held_place else []
    for other in promoted:
        _send_promoted(other)
    return promoted[0] if promoted else None


# --- Reminders ------------------------------------------------------------------------


def end_of_tomorrow(now: datetime.datetime) -> datetime.datetime:
    """The end of the reminders' window: a daily job (whatever its hour) reminds everything
    starting from now to the end of tomorrow, local time, so nothing falls between runs."""
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.max))


def due_reminders(*, now: datetime.datetime | None = None):
    """Confirmed registrations not reminded yet, of published sessions starting between
    ``now`` and the end of tomorrow (local time): what the daily job mails."""
    now = now or timezone.now()
    return Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        session__status=SessionStatus.PUBLISHED,
        session__starts_at__gt=now,
        session__starts_at__lte=end_of_tomorrow(now),
    )


def send_reminders(*, now: datetime.datetime | None = None) -> int:
    """The day-before reminder: one e-mail per confirmed registration, at most once.

    Each registration is locked, checked again and stamped (``reminder_sent_at``) with an
    outbox claim before its e-mail leaves (:func:`balise.jobs.outbox.send_once`), so a
    job run twice, two workers, or a job resumed after its worker died remind nobody
    twice; a refused address is tried again at the next run. The sessions concerned get
    ``reminder_sent_at`` too. Returns how many e-mails left.
    """
    now = now or timezone.now()
    due = due_reminders(now=now).select_related(
        "session__office", "session__theme", "session__venue"
    )
    sent, session_ids = 0, set()
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        registration = outbox.send_once(
            due,
            pk,
            kind=REMINDER_MAIL,
            fields=["reminder_sent_at"],
            stamp=outbox.now_in("reminder_sent_at"),
            build=partial(_registration_message, "reminder"),
        )
        if registration is not None:
            sent += 1
            session_ids.add(registration.session_id)
    if session_ids:
        Session.objects.filter(pk__in=session_ids, reminder_sent_at__isnull=True).update(
            reminder_sent_at=timezone.now()
        )
    return sent


FEEDBACK_WINDOW = datetime.timedelta(days=3)


def due_feedback_requests(*, now: datetime.datetime | None = None):
    """Registrations marked present at a session that ended in the last three days, not
    asked for their opinion yet and who have not given it: what the daily job mails."""
    now = now or timezone.now()
    return Registration.objects.filter(
        attended=True,
        feedback_requested_at__isnull=True,
        feedback__isnull=True,
        session__status=SessionStatus.PUBLISHED,
        session__ends_at__lte=now,
        session__ends_at__gt=now - FEEDBACK_WINDOW,
    )


def _feedback_request_message(registration: Registration) -> EmailMessage:
    context = _registration_context(registration)
    context["feedback_link"] = (
        f"{settings.SITE_URL}{reverse('ateliers:feedback', args=[registration.token])}"
    )
    return workshop_message(
        "feedback_request",
        to=registration.email,
        office=registration.session.office,
        context=context,
    )


def send_feedback_requests(*, now: datetime.datetime | None = None) -> int:
    """The day-after e-mail asking attendees for their opinion (the short satisfaction
    form of their personal page), at most once per registration, under the same
    stamp-before-sending rule as the reminders. Returns how many e-mails left."""
    now = now or timezone.now()
    due = due_feedback_requests(now=now).select_related(
        "session__office", "session__theme", "session__venue"
    )
    sent = 0
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        sent += bool(
            outbox.send_once(
                due,
                pk,
                kind=FEEDBACK_REQUEST_MAIL,
                fields=["feedback_requested_at"],
                stamp=outbox.now_in("feedback_requested_at"),
                build=_feedback_request_message,
            )
        )
    return sent
