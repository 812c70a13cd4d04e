"""Individual appointments (rendez-vous individuels): the animator's slots (creating,
deleting a free one, marking who came), booking a slot, cancelling from either side, and
the day-before reminder.

A slot is held the way a session's places are (:mod:`.registrations`): a lock on the slot
row inside the booking's transaction, backed by the partial unique constraint
``one_booking_per_slot``. E-mails leave after the transaction that decided them, through
:func:`.mail.send_workshop_mail`, never to an empty or erased address.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from balise.jobs import outbox
from balise.members.models import Provider
from balise.offices.models import Office
from balise.privacy.erasure import ERASED_DOMAIN

from . import calendar
from .mail import is_mailable, send_workshop_mail, workshop_message
from .models import Appointment, AppointmentSlot, AppointmentStatus, Theme
from .registrations import RegistrationRefused, end_of_tomorrow, match_provider

logger = logging.getLogger(__name__)

# What the outbox calls these e-mails (an operator reads them in the admin).
REMINDER_MAIL = "workshops.appointment_reminder"


# --- The animator's slots ---------------------------------------------------------------

RECENT_DAYS = 30


def live_bookings() -> Prefetch:
    return Prefetch(
        "bookings",
        queryset=Appointment.objects.filter(status=AppointmentStatus.BOOKED).select_related(
            "theme", "provider"
        ),
        to_attr="live_bookings",
    )


def upcoming_slots(office: Office) -> QuerySet[AppointmentSlot]:
    """Slots not ended yet, with their live booking (``live_bookings``). Two queries."""
    return (
        AppointmentSlot.objects.filter(office=office, ends_at__gte=timezone.now())
        .prefetch_related(live_bookings())
        .order_by("starts_at", "pk")
    )


def recent_appointments(office: Office) -> QuerySet[Appointment]:
    """Booked appointments of the last :data:`RECENT_DAYS` days, to mark who came."""
    now = timezone.now()
    return (
        Appointment.objects.filter(
            office=office,
            status=AppointmentStatus.BOOKED,
            slot__ends_at__lt=now,
            slot__ends_at__gte=now - datetime.timedelta(days=RECENT_DAYS),
        )
        .select_related("slot", "theme", "provider")
        .order_by("-slot__starts_at", "pk")
    )


def create_appointment_slots(
    *,
    office: Office,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    count: int = 1,
    place: str = "",
    video_url: str = "",
    animator=None,
) -> list[AppointmentSlot]:
    """Create ``count`` consecutive slots of the same length, the first from ``starts_at``.

    Side effect: AppointmentSlot rows. Raises ValueError when the end is not after the
    start or the count is below 1."""
    length = ends_at - starts_at
    if length <= datetime.timedelta(0) or count < 1:
        raise ValueError("a slot must end after it starts")
    slots = [
        AppointmentSlot(
            office=office,
            animator=animator,
            starts_at=starts_at + n * length,
            ends_at=starts_at + (n + 1) * length,
            place=place,
            video_url=video_url,
        )
        for n in range(count)
    ]
    return AppointmentSlot.objects.bulk_create(slots)


def delete_free_slot(*, slot: AppointmentSlot) -> bool:
    """Delete a slot nobody booked. Returns False (and deletes nothing) when it has a live
    booking; cancelled bookings go with the slot. Side effect: rows deleted."""
    with transaction.atomic():
        locked = AppointmentSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is None:
            return True
        if locked.bookings.filter(status=AppointmentStatus.BOOKED).exists():
            return False
        locked.delete()
    return True


def set_appointment_attended(*, appointment: Appointment, attended: bool | None) -> Appointment:
    """Record whether the provider came. Side effect: ``attended`` saved."""
    appointment.attended = attended
    appointment.save(update_fields=["attended"])
    return appointment


# --- Booking and cancelling ----------------------------------------------------------------


def appointment_url(appointment: Appointment) -> str:
    return f"{settings.SITE_URL}{reverse('ateliers:appointment', args=[appointment.token])}"


def free_slots(office):
    """The office's appointment slots still to come and not booked."""
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    return (
        AppointmentSlot.objects.filter(office=office, starts_at__gt=timezone.now())
        .exclude(pk__in=booked.values("slot_id"))
        .order_by("starts_at", "pk")
    )


def book_appointment(
    *,
    slot: AppointmentSlot,
    name: str,
    email: str,
    provider: Provider | None = None,
    theme: Theme | None = None,
    note: str = "",
) -> Appointment:
    """Book an individual appointment in ``slot``.

    Refuses (:class:`RegistrationRefused`) a slot that has started or is already booked
    (also when two people click at the same moment: the slot row is locked, and the
    partial unique constraint backs it) and a theme of another office. The provider is
    the one given, else the office's provider with this address.

    Side effects: one ``Appointment`` row; the confirmation e-mail with its calendar file
    and personal link (to cancel).
    """
    email = (email or "").strip().lower()
    name = (name or "").strip()[:150]
    if not email or not name:
        raise RegistrationRefused(_("Indiquez votre nom et votre adresse e-mail."))
    if theme is not None and theme.office_id != slot.office_id:
        raise RegistrationRefused(_("Ce sujet n'est pas proposé par cet office."))
    taken = _("Ce créneau vient d'être réservé : choisissez-en un autre.")
    with transaction.atomic():
        slot = (
            AppointmentSlot.objects.select_for_update(of=("self",))
            .select_related("office")
            .get(pk=slot.pk)
        )
        if slot.starts_at <= timezone.now():
            raise RegistrationRefused(_("Ce créneau est passé : choisissez-en un autre."))
        if slot.bookings.filter(status=AppointmentStatus.BOOKED).exists():
            raise RegistrationRefused(taken)
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    office=slot.office,
                    slot=slot,
                    provider=provider or match_provider(office=slot.office, email=email),
                    name=name,
                    email=email,
                    theme=theme,
                    note=(note or "").strip(),
                )
        except IntegrityError:
            raise RegistrationRefused(taken) from None
    send_workshop_mail(
        "appointment",
        to=appointment.email,
        office=slot.office,
        context={
            "appointment": appointment,
            "slot": slot,
            "link": appointment_url(appointment),
        },
        attachment=calendar.appointment_ics(appointment),
    )
    return appointment


def _other_slots_url(appointment: Appointment) -> str:
    """The office's booking page when a slot other than this appointment's is free, else
    "" (the mail then points to the office's contact details only)."""
    office = appointment.office
    if not free_slots(office).exclude(pk=appointment.slot_id).exists():
        return ""
    return f"{settings.SITE_URL}{reverse('ateliers:appointments', args=[office.slug])}"


def _staff_addresses(slot: AppointmentSlot) -> list[str]:
    """Who at the office hears of a provider's cancellation: the office's contact address
    and the slot's animator (an active account), each once."""
    candidates = [slot.office.email]
    if slot.animator is not None and slot.animator.is_active:
        candidates.append(slot.animator.email)
    addresses: list[str] = []
    for address in candidates:
        if is_mailable(address) and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def _send_appointment_cancelled(appointment: Appointment, *, by_staff: bool) -> None:
    slot, office = appointment.slot, appointment.office
    context = {
        "appointment": appointment,
        "slot": slot,
        "by_staff": by_staff,
        "book_link": _other_slots_url(appointment),
    }
    if is_mailable(appointment.email):
        send_workshop_mail(
            "appointment_cancelled",
            to=appointment.email,
            office=office,
            context=context,
            attachment=calendar.appointment_ics(appointment),
        )
    if by_staff:
        return  # the office made the change: it needs no notice of it
    context["slots_link"] = (
        f"{settings.SITE_URL}{reverse('workshops:appointment_slots', args=[office.slug])}"
    )
    for address in _staff_addresses(slot):
        send_workshop_mail(
            "appointment_cancelled_staff", to=address, office=office, context=context
        )


def cancel_appointment(
    *, appointment: Appointment, by_staff: bool = False, user=None
) -> Appointment:
    """Cancel an appointment; its slot is free again. ``by_staff``: the office cancels it
    (``user`` is logged), else the person did, from their personal link.

    Does nothing, and sends nothing, on an appointment already cancelled (a double click,
    both sides at once). Side effects: the appointment marked cancelled (``cancelled_at``);
    when it had not started yet, once the transaction has committed: an e-mail to the
    person (the cancellation confirmed, or the office's apology) with the calendar
    cancellation (.ics, same UID as the booking's) and the link to book another slot when
    one is free; and when the person cancelled, a notice to the office's contact address
    and to the slot's animator.
    """
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("office", "slot__office", "slot__animator", "theme")
            .get(pk=appointment.pk)
        )
        if current.status != AppointmentStatus.CANCELLED:
            current.status = AppointmentStatus.CANCELLED
            current.cancelled_at = timezone.now()
            current.save(update_fields=["status", "cancelled_at"])
            if user is not None:
                logger.info("Appointment %s cancelled by user %s", current.pk, user.pk)
            # A past appointment is gone from everyone's agenda already: no news to give.
            if current.slot.starts_at > current.cancelled_at:
                # robust: a mail that cannot be rendered or sent must not turn a
                # cancellation that is already committed into an error page.
                transaction.on_commit(
                    lambda: _send_appointment_cancelled(current, by_staff=by_staff), robust=True
                )
    appointment.status, appointment.cancelled_at = current.status, current.cancelled_at
    return appointment


def due_appointment_reminders(*, now: datetime.datetime | None = None):
    """Booked appointments not reminded yet, starting between ``now`` and the end of
    tomorrow (local time, the sessions' window), with an address to write to: what the
    daily job mails."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            reminded_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=end_of_tomorrow(now),
        )
        .exclude(email="")
        .exclude(email__iendswith=ERASED_DOMAIN)
    )


def _reminder_message(appointment: Appointment) -> EmailMessage:
    return workshop_message(
        "appointment_reminder",
        to=appointment.email,
        office=appointment.office,
        context={
            "appointment": appointment,
            "slot": appointment.slot,
            "link": appointment_url(appointment),
        },
        attachment=calendar.appointment_ics(appointment),
    )


def _stamp_reminder(appointment: Appointment) -> bool:
    """Stamp a booked, not yet reminded appointment (checked again under the lock)."""
    if appointment.status != AppointmentStatus.BOOKED or appointment.reminded_at is not None:
        return False
    appointment.reminded_at = timezone.now()
    return True


def send_appointment_reminders(*, now: datetime.datetime | None = None) -> int:
    """The day-before reminder of individual appointments: one e-mail per booked
    appointment, at most once, with the calendar file and the personal link (to cancel).

    Each appointment is locked, checked again (still booked, not reminded) and stamped
    (``reminded_at``) with an outbox claim before its e-mail leaves
    (:func:`balise.jobs.outbox.send_once`): a job run twice, two workers at once, or a job
    resumed after its worker died remind nobody twice, and no lock is held while the mail
    server answers. An e-mail the server refuses gives the stamp back, so the next run
    tries again. Returns how many e-mails left.
    """
    now = now or timezone.now()
    due = due_appointment_reminders(now=now).select_related("office", "slot", "theme")
    sent = 0
    for pk in list(due.order_by("slot__starts_at", "pk").values_list("pk", flat=True)):
        sent += bool(
            outbox.send_once(
                due,
                pk,
                kind=REMINDER_MAIL,
                fields=["reminded_at"],
                stamp=_stamp_reminder,
                build=_reminder_message,
            )
        )
    return sent
