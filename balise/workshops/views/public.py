"""The public workshop pages, under ``/ateliers/``, with no login.

- ``<office>/``: the office's published sessions still to come, its calendar feed and a
  link to individual appointments; ``<office>/seances/<id>/``: one session and its
  registration form.
- Personal links, each a random key signed for one purpose (a forged, altered or unknown
  token gets the same bare 404): ``i/<token>/`` a targeted invitation (two clicks from
  the e-mail: open, "Je m'inscris"), ``inscription/<token>/`` a registration (status,
  calendar file, cancellation, feedback after the session), ``rdv/<token>/`` an
  appointment.

Personal pages are ``Cache-Control: private, no-store`` and ``noindex``. These pages load
no script. A public registration never opens the personal page of an address registered
before (anyone can type anyone's address): that link goes to the address by e-mail.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from balise.lib.ratelimit import ratelimit
from balise.offices.models import Office
from balise.workshops import alerts, calendar, registrations
from balise.workshops import appointments as booking
from balise.workshops.forms.public import (
    AlertForm,
    AppointmentForm,
    CancelForm,
    FeedbackForm,
    RegistrationForm,
)
from balise.workshops.models import (
    Appointment,
    AppointmentStatus,
    Feedback,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
    ThemeAlert,
)

# Public POSTs are rate limited: per address for the forms anyone can fill,
# per personal link for the pages a link opens.
per_link = ratelimit(key=lambda request, token, **kwargs: token, rate="10/m", group="ateliers-link")


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _office(office_slug: str) -> Office:
    return get_object_or_404(Office, slug=office_slug)


def _by_token(model, token: str, queryset=None):
    key = model.key_from_token(token)
    if key is None:
        raise Http404
    return get_object_or_404(queryset if queryset is not None else model.objects, key=key)


def _ics(data: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _places_left(session: Session) -> int:
    """From :meth:`SessionQuerySet.with_counts` when the session was read with it."""
    if hasattr(session, "places_left"):
        return session.places_left
    return registrations.places_left(session)


# --- The programme and a session ------------------------------------------------------


def programme(request: HttpRequest, office_slug: str) -> HttpResponse:
    office = _office(office_slug)
    sessions = list(
        Session.objects.published()
        .filter(office=office, starts_at__gt=timezone.now())
        .select_related("theme", "venue")
        .with_counts()
        .order_by("starts_at", "pk")
    )
    context = {
        "office": office,
        "sessions": sessions,
        "has_slots": booking.free_slots(office).exists(),
    }
    return render(request, "workshops/public/programme.html", context)


def _register_from_form(
    request: HttpRequest, session: Session, form: RegistrationForm, *, provider, source, owner_email
):
    """Register from a valid form; a redirect, or None with the refusal in the form."""
    data = form.cleaned_data
    try:
        registration, created = registrations.register(
            session=session,
            name=data["name"],
            email=data["email"],
            business=data["business"],
            provider=provider,
            source=source,
        )
    except registrations.RegistrationRefused as refusal:
        form.add_error(None, str(refusal))
        return None
    owner = owner_email and registration.email == owner_email.strip().lower()
    if not created and not owner:
        messages.info(
            request,
            _(
                "Cette adresse e-mail est déjà inscrite à cette séance : nous venons de lui "
                "renvoyer le lien de l'inscription."
            ),
        )
        return redirect("ateliers:session", session.office.slug, session.pk)
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(request, _("Vous êtes inscrit(e). Une confirmation part par e-mail."))
    else:
        messages.warning(
            request,
            _("La séance est complète. Vous êtes sur liste d'attente (position %(position)s).")
            % {"position": registrations.waiting_position(registration)},
        )
    return redirect("ateliers:registration", registration.token)


@ratelimit(key="ip", rate="10/m", group="ateliers-register")
def session(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    office = _office(office_slug)
    item = get_object_or_404(
        Session.objects.filter(
            office=office, status__in=[SessionStatus.PUBLISHED, SessionStatus.CANCELLED]
        )
        .select_related("theme", "venue", "office")
        .with_counts(),
        pk=session_id,
    )
    is_open = item.status == SessionStatus.PUBLISHED and item.starts_at > timezone.now()
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        if not is_open:
            form.add_error(None, _("Les inscriptions à cette séance sont closes."))
        elif form.is_bot:
            messages.success(request, _("Merci, votre demande a été enregistrée."))
            return redirect("ateliers:programme", office.slug)
        elif form.is_valid():
            done = _register_from_form(
                request,
                item,
                form,
                provider=None,
                source=RegistrationSource.PUBLIC,
                owner_email=None,
            )
            if done is not None:
                return done
    context = {
        "office": office,
        "session": item,
        "places_left": _places_left(item),
        "is_open": is_open,
        "form": form,
    }
    return render(request, "workshops/public/session.html", context)


def feed(request: HttpRequest, office_slug: str) -> HttpResponse:
    office = _office(office_slug)
    response = _ics(
        calendar.programme_feed(office), f"ateliers-{office.slug}.ics", attachment=False
    )
    patch_cache_control(response, public=True, max_age=900)
    return response


# --- A targeted invitation ------------------------------------------------------------


@per_link
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invite = _by_token(
        SessionInvitation,
        token,
        SessionInvitation.objects.select_related(
            "session__office", "session__theme", "session__venue", "provider"
        ).filter(session__status__in=[SessionStatus.PUBLISHED, SessionStatus.CANCELLED]),
    )
    item, provider = invite.session, invite.provider
    office = item.office
    email = invite.email or provider.email
    existing = (
        Registration.objects.filter(session=item, email__iexact=email)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
        if email
        else None
    )
    is_open = item.status == SessionStatus.PUBLISHED and item.starts_at > timezone.now()
    initial = {
        "name": provider.contact_name or provider.name,
        "email": email,
        "business": provider.name,
    }
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not is_open:
            form.add_error(None, _("Les inscriptions à cette séance sont closes."))
        elif form.is_valid():
            done = _register_from_form(
                request,
                item,
                form,
                provider=provider,
                source=RegistrationSource.INVITATION,
                owner_email=email,
            )
            if done is not None:
                return done
    context = {
        "office": office,
        "invitation": invite,
        "provider": provider,
        "session": item,
        "places_left": _places_left(item),
        "is_open": is_open,
        "existing": existing,
        "form": form,
    }
    return _private(render(request, "workshops/public/invitation.html", context))


# --- The registrant's personal page ---------------------------------------------------


def _registration(token: str) -> Registration:
    return _by_token(
        Registration,
        token,
        Registration.objects.select_related(
            "session__office", "session__theme", "session__venue", "feedback"
        ),
    )


def _feedback_open(registration: Registration) -> bool:
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.attended is not False
        and registration.session.status != SessionStatus.CANCELLED
        and registration.session.starts_at <= timezone.now()
    )


def _page_context(registration: Registration) -> dict:
    item = registration.session
    return {
        "office": item.office,
        "registration": registration,
        "session": item,
        "position": registrations.waiting_position(registration),
        "is_upcoming": item.starts_at > timezone.now(),
        "feedback_open": _feedback_open(registration),
        "feedback_given": hasattr(registration, "feedback"),
    }


def registration(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    return _private(render(request, "workshops/public/registration.html", _page_context(reg)))


def registration_ics(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    return _private(_ics(calendar.session_ics(reg.session, registration=reg), "atelier.ics"))


@per_link
def registration_cancel(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    if reg.status == RegistrationStatus.CANCELLED:
        return redirect("ateliers:registration", token)
    if reg.session.starts_at <= timezone.now():
        messages.info(request, _("La séance a commencé : l'inscription ne peut plus être annulée."))
        return redirect("ateliers:registration", token)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registrations.cancel_registration(registration=reg)
        messages.success(
            request, _("Votre inscription est annulée. Merci d'avoir libéré votre place.")
        )
        return redirect("ateliers:registration", token)
    context = {**_page_context(reg), "form": form}
    return _private(render(request, "workshops/public/registration_cancel.html", context))


@per_link
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    if not _feedback_open(reg):
        messages.info(
            request,
            _("Vous pourrez donner votre avis sur cette séance une fois qu'elle aura eu lieu."),
        )
        return redirect("ateliers:registration", token)
    instance = getattr(reg, "feedback", None) or Feedback(registration=reg)
    form = FeedbackForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Merci pour votre avis !"))
        return redirect("ateliers:registration", token)
    context = {**_page_context(reg), "form": form}
    return _private(render(request, "workshops/public/feedback.html", context))


# --- Individual appointments ----------------------------------------------------------


@ratelimit(key="ip", rate="10/m", group="ateliers-booking")
def appointments(request: HttpRequest, office_slug: str) -> HttpResponse:
    office = _office(office_slug)
    slots = booking.free_slots(office)
    themes = Theme.objects.filter(office=office, active=True).order_by("title")
    # A recommended theme of the individual report arrives chosen (``?theme=<id>``).
    wanted = request.GET.get("theme", "")
    initial = {"theme": int(wanted)} if wanted.isdigit() else {}
    form = AppointmentForm(request.POST or None, slots=slots, themes=themes, initial=initial)
    if request.method == "POST":
        if form.is_bot:
            messages.success(request, _("Merci, votre demande a été enregistrée."))
            return redirect("ateliers:programme", office.slug)
        if form.is_valid():
            data = form.cleaned_data
            try:
                booked = booking.book_appointment(
                    slot=data["slot"],
                    name=data["name"],
                    email=data["email"],
                    theme=data["theme"],
                    note=data["note"],
                )
            except registrations.RegistrationRefused as refusal:
                form.add_error("slot", str(refusal))
            else:
                messages.success(
                    request, _("Votre rendez-vous est réservé. Une confirmation part par e-mail.")
                )
                return redirect("ateliers:appointment", booked.token)
    context = {"office": office, "form": form, "has_slots": slots.exists()}
    return render(request, "workshops/public/appointments.html", context)


def _appointment(token: str) -> Appointment:
    return _by_token(
        Appointment, token, Appointment.objects.select_related("office", "slot", "theme")
    )


def appointment(request: HttpRequest, token: str) -> HttpResponse:
    booked = _appointment(token)
    context = {
        "office": booked.office,
        "appointment": booked,
        "slot": booked.slot,
        "is_upcoming": booked.slot.starts_at > timezone.now(),
        "is_cancelled": booked.status == AppointmentStatus.CANCELLED,
    }
    return _private(render(request, "workshops/public/appointment.html", context))


@per_link
def appointment_cancel(request: HttpRequest, token: str) -> HttpResponse:
    booked = _appointment(token)
    if booked.status == AppointmentStatus.CANCELLED or booked.slot.starts_at <= timezone.now():
        return redirect("ateliers:appointment", token)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        booking.cancel_appointment(appointment=booked, by_staff=False)
        messages.success(
            request, _("Votre rendez-vous est annulé. Une confirmation part par e-mail.")
        )
        return redirect("ateliers:appointment", token)
    context = {"office": booked.office, "appointment": booked, "slot": booked.slot, "form": form}
    return _private(render(request, "workshops/public/appointment_cancel.html", context))


# --- « Prévenez-moi » -----------------------------------------------------------------


@ratelimit(key="ip", rate="10/m", group="ateliers-alert")
def alert(request: HttpRequest, office_slug: str, theme_code: str) -> HttpResponse:
    """Leave an address to hear when a session of the theme is published."""
    office = _office(office_slug)
    theme = get_object_or_404(Theme, office=office, code=theme_code, active=True)
    form = AlertForm(request.POST or None)
    if request.method == "POST":
        if form.is_bot:
            messages.success(request, _("Merci, votre demande a été enregistrée."))
            return redirect("ateliers:programme", office.slug)
        if form.is_valid():
            alerts.subscribe(theme=theme, email=form.cleaned_data["email"])
            # The same words whether the address was new or not: the page never says
            # which addresses are already on the list.
            messages.success(
                request,
                _(
                    "C'est noté : vous recevrez un e-mail dès qu'une séance « %(theme)s » "
                    "sera programmée."
                )
                % {"theme": theme.title},
            )
            return redirect("ateliers:programme", office.slug)
    context = {"office": office, "theme": theme, "form": form}
    return render(request, "workshops/public/alert.html", context)


def _alert(token: str) -> ThemeAlert:
    return _by_token(ThemeAlert, token, ThemeAlert.objects.select_related("office", "theme"))


@per_link
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the alerts of one theme: a confirmation button (a link opened by a mail
    scanner must not unsubscribe anybody)."""
    found = _alert(token)
    if request.method == "POST":
        office = found.office
        alerts.unsubscribe(alert=found)
        messages.success(
            request,
            _("C'est fait : vous ne recevrez plus d'e-mail sur le thème « %(theme)s ».")
            % {"theme": found.theme.title},
        )
        return redirect("ateliers:programme", office.slug)
    context = {"office": found.office, "alert": found, "theme": found.theme}
    return _private(render(request, "workshops/public/alert_unsubscribe.html", context))
