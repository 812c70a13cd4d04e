"""Staff pages of sessions: list, create, edit, publish, cancel, registrations, targeted
invitations and the attendance sheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from balise.lib.access import OfficeAccess, get_for_office, office_access
from balise.members.models import Provider
from balise.workshops import invitations, registrations, sessions
from balise.workshops.forms.sessions import (
    CancelSessionForm,
    InviteSearchForm,
    SessionFilterForm,
    SessionForm,
    StaffRegistrationForm,
    WalkInForm,
)
from balise.workshops.models import (
    Programme,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionStatus,
)

PAGE_SIZE = 25


def _session(access: OfficeAccess, session_id: int) -> Session:
    return get_for_office(
        access,
        Session.objects.select_related("office", "theme", "venue", "programme"),
        pk=session_id,
    )


def _to_detail(access: OfficeAccess, session: Session) -> HttpResponse:
    return redirect("workshops:session_detail", access.office.slug, session.pk)


# --- Sessions ----------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    filters = SessionFilterForm(request.GET or None, office=access.office)
    data = filters.cleaned_data if filters.is_valid() else {}
    period = data.get("periode") or sessions.UPCOMING
    qs = sessions.sessions_for_list(
        access.office, period=period, theme=data.get("theme"), status=data.get("status") or ""
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page_obj": page, "sessions": page.object_list, "period": period}
    return render(request, "workshops/session_list.html", context)


@login_required
def session_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    programme = None
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        programme = get_for_office(access, Programme, pk=int(programme_id))
    form = SessionForm(request.POST or None, office=access.office)
    if request.method == "POST" and form.is_valid():
        session = sessions.create_session(
            office=access.office, programme=programme, **form.session_fields()
        )
        messages.success(request, _("Séance créée. Publiez-la pour ouvrir les inscriptions."))
        return _to_detail(access, session)
    return render(
        request,
        "workshops/session_form.html",
        {"form": form, "programme": programme, "session": None},
    )


@login_required
def session_edit(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    if session.status == SessionStatus.CANCELLED:
        messages.error(request, _("Une séance annulée ne se modifie plus."))
        return _to_detail(access, session)
    form = SessionForm(request.POST or None, instance=session, office=access.office)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Séance enregistrée."))
        # More places: the waiting list moves up (and is told by e-mail).
        promoted = registrations.promote_waiting(session=session)
        if promoted:
            messages.info(
                request,
                ngettext(
                    "%(count)s personne passe de la liste d'attente aux inscrits.",
                    "%(count)s personnes passent de la liste d'attente aux inscrits.",
                    len(promoted),
                )
                % {"count": len(promoted)},
            )
        return _to_detail(access, session)
    context = {"form": form, "session": session, "programme": session.programme}
    return render(request, "workshops/session_form.html", context)


@login_required
def session_detail(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    session = _session(access, session_id)
    groups = sessions.registrations_by_status(session)
    context = {
        "session": session,
        "confirmed": groups[RegistrationStatus.CONFIRMED],
        "waiting": groups[RegistrationStatus.WAITING],
        "cancelled": groups[RegistrationStatus.CANCELLED],
        "invitation_rows": invitations.invitation_rows(session),
        "feedback": sessions.feedback_summary(session),
        "register_form": StaffRegistrationForm(office=access.office),
        "cancel_form": CancelSessionForm(),
        "is_open": session.status != SessionStatus.CANCELLED,
    }
    return render(request, "workshops/session_detail.html", context)


@login_required
@require_POST
def session_publish(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    if sessions.publish_session(session=session):
        messages.success(request, _("Séance publiée : elle apparaît sur la page publique."))
    else:
        messages.error(request, _("Seule une séance proposée peut être publiée."))
    return _to_detail(access, session)


@login_required
@require_POST
def session_cancel(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Indiquez le motif de l'annulation : il est envoyé aux inscrits.")
        )
        return _to_detail(access, session)
    if session.status == SessionStatus.CANCELLED:
        messages.error(request, _("Cette séance est déjà annulée."))
        return _to_detail(access, session)
    notified = sessions.cancel_session(
        session=session, reason=form.cleaned_data["reason"], user=request.user
    )
    messages.success(
        request,
        ngettext(
            "Séance annulée ; %(count)s personne a été prévenue.",
            "Séance annulée ; %(count)s personnes ont été prévenues.",
            notified,
        )
        % {"count": notified},
    )
    return _to_detail(access, session)


@login_required
@require_POST
def session_register(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    form = StaffRegistrationForm(request.POST, office=access.office)
    if not form.is_valid():
        errors = [str(error) for field in form.errors.values() for error in field]
        messages.error(request, " ".join(errors))
        return _to_detail(access, session)
    provider = form.cleaned_data["provider"]
    try:
        registration, created = registrations.register(
            session=session,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            provider=provider,
            business=provider.name,
            source=RegistrationSource.STAFF,
        )
    except registrations.RegistrationRefused as error:
        messages.error(request, str(error))
        return _to_detail(access, session)
    if not created and registration.status != RegistrationStatus.CANCELLED:
        messages.info(request, _("%(name)s était déjà inscrit.") % {"name": registration.name})
    elif registration.status == RegistrationStatus.WAITING:
        messages.warning(
            request,
            _("Séance complète : %(name)s est sur la liste d'attente.")
            % {"name": registration.name},
        )
    else:
        messages.success(request, _("%(name)s est inscrit.") % {"name": registration.name})
    return _to_detail(access, session)


@login_required
@require_POST
def registration_cancel(
    request: HttpRequest, office_slug: str, session_id: int, registration_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    registration = get_for_office(
        access, Registration.objects.filter(session=session), pk=registration_id
    )
    registration.session = session
    promoted = registrations.cancel_registration(registration=registration)
    text = _("Inscription de %(name)s annulée.") % {"name": registration.name}
    if promoted is not None:
        text += " " + _("%(name)s passe de la liste d'attente aux inscrits.") % {
            "name": promoted.name
        }
    messages.success(request, text)
    return _to_detail(access, session)


# --- Invitations -------------------------------------------------------------------------


@login_required
def session_invite(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    """Pick more providers to invite (those with the need first) and send the e-mails."""
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    refused = []
    if request.method == "POST":
        if session.status == SessionStatus.CANCELLED:
            messages.error(request, _("Cette séance est annulée."))
            return _to_detail(access, session)
        ids = [value for value in request.POST.getlist("providers") if value.isdigit()]
        chosen = Provider.objects.filter(office=access.office, pk__in=ids)
        _created, refused = invitations.invite_providers(session=session, providers=chosen)
        sent = invitations.send_invitations(session=session, user=request.user)
        messages.success(
            request,
            ngettext("%(count)s invitation envoyée.", "%(count)s invitations envoyées.", sent)
            % {"count": sent},
        )
        if not refused:
            return redirect("workshops:session_invite", access.office.slug, session.pk)
    search = InviteSearchForm(request.GET or None)
    data = search.cleaned_data if search.is_valid() else {}
    qs = invitations.candidates(
        session=session, search=data.get("q", ""), needs_only=data.get("besoin", False)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"provider": provider, "refused": invitations.refusal_reason(provider)}
        for provider in page.object_list
    ]
    context = {
        "session": session,
        "search": search,
        "page_obj": page,
        "rows": rows,
        "refused": refused,
        "invitation_rows": invitations.invitation_rows(session),
    }
    return render(request, "workshops/session_invite.html", context)


# --- Attendance --------------------------------------------------------------------------


def _attendance_context(access, session, **extra) -> dict:
    return {
        "session": session,
        "rows": sessions.attendance_rows(session),
        "counts": sessions.attendance_counts(session),
        "walk_in_form": WalkInForm(office=access.office),
        **extra,
    }


@login_required
def session_attendance(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    """The attendance sheet; a POST saves the whole sheet (the no-JavaScript path)."""
    need = "edit" if request.method == "POST" else "read"
    access = office_access(request, office_slug, need=need)
    session = _session(access, session_id)
    if request.method == "POST":
        marks = {}
        for key, value in request.POST.items():
            if key.startswith("attended_") and key[9:].isdigit():
                marks[int(key[9:])] = sessions.parse_attended(value)
        sessions.record_sheet(session=session, marks=marks)
        messages.success(request, _("Feuille d'émargement enregistrée."))
        return redirect("workshops:session_attendance", access.office.slug, session.pk)
    return render(
        request, "workshops/session_attendance.html", _attendance_context(access, session)
    )


@login_required
@require_POST
def attendance_mark(
    request: HttpRequest, office_slug: str, session_id: int, registration_id: int
) -> HttpResponse:
    """One toggle of the sheet (HTMX): the row and the counts come back."""
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    registration = get_for_office(
        access,
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED),
        pk=registration_id,
    )
    value = request.POST.get(f"attended_{registration.pk}", request.POST.get("attended"))
    sessions.set_attendance(registration=registration, attended=sessions.parse_attended(value))
    if not request.headers.get("HX-Request"):
        return redirect("workshops:session_attendance", access.office.slug, session.pk)
    context = {
        "session": session,
        "row": registration,
        "counts": sessions.attendance_counts(session),
        "oob": True,
    }
    return render(request, "workshops/_session_attendance_row.html", context)


@login_required
@require_POST
def attendance_walk_in(request: HttpRequest, office_slug: str, session_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    session = _session(access, session_id)
    form = WalkInForm(request.POST, office=access.office)
    if form.is_valid():
        registration = sessions.add_walk_in(
            session=session,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            provider=form.cleaned_data["provider"],
        )
        messages.success(request, _("%(name)s est noté présent.") % {"name": registration.name})
        return redirect("workshops:session_attendance", access.office.slug, session.pk)
    context = _attendance_context(access, session, walk_in_form=form)
    return render(request, "workshops/session_attendance.html", context, status=400)
