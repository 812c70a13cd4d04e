"""Staff pages of the workshop programme: home, themes catalogue, venues, candidate slots,
needs, programmes (propose, review, publish) and settings.

Thin views: access → form → service → response. Reading needs the "read" role (lecteur
included); every change needs "edit" (animateur, admin). Every id goes through
``get_for_office``, so another office's row is a 404. Session, invitation, attendance and
appointment pages are in ``session_views.py``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q
from django.db.models.deletion import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from balise.diagnostics.models import Campaign
from balise.lib import charts
from balise.lib.access import get_for_office, office_access
from balise.members.models import CategoryGroup, choice_labels

from . import catalogue, forms, needs, planning
from .models import (
    CandidateSlot,
    Programme,
    ProgrammeStatus,
    RegistrationStatus,
    Session,
    SessionStatus,
    Theme,
    Venue,
)

PAGE_SIZE = 50
UPCOMING_SIZE = 10


def _with_places(sessions):
    confirmed = Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED))
    return sessions.annotate(
        confirmed=confirmed,
        places_left=ExpressionWrapper(F("capacity") - confirmed, output_field=IntegerField()),
    )


def _programmes(office):
    return Programme.objects.filter(office=office).annotate(
        session_count=Count("sessions", filter=~Q(sessions__status=SessionStatus.CANCELLED))
    )


# --- Home -----------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    upcoming = _with_places(
        Session.objects.published()
        .filter(office=access.office, starts_at__gte=timezone.now())
        .select_related("theme", "venue")
        .order_by("starts_at", "pk")
    )[:UPCOMING_SIZE]
    context = {
        "upcoming": upcoming,
        "programmes": _programmes(access.office).order_by("-starts_on", "-pk")[:5],
    }
    return render(request, "workshops/home.html", context)


# --- Themes ---------------------------------------------------------------------------------


@login_required
def theme_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    catalogue.ensure_catalogue(access.office)
    themes = (
        Theme.objects.filter(office=access.office)
        .select_related("prerequisite")
        .annotate(session_count=Count("sessions"))
        .order_by("-active", "title")
    )
    return render(request, "workshops/theme_list.html", {"themes": themes})


def _theme_form(request: HttpRequest, office_slug: str, theme_id: int | None) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    theme = get_for_office(access, Theme, pk=theme_id) if theme_id else None
    data = request.POST if request.method == "POST" else None
    form = forms.ThemeForm(data, instance=theme, office=access.office)
    if data is not None and form.is_valid():
        saved = form.save()
        messages.success(request, _("Thème « %(title)s » enregistré.") % {"title": saved.title})
        return redirect("workshops:theme_list", access.office.slug)
    return render(request, "workshops/theme_form.html", {"form": form, "theme": theme})


@login_required
def theme_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    return _theme_form(request, office_slug, None)


@login_required
def theme_edit(request: HttpRequest, office_slug: str, theme_id: int) -> HttpResponse:
    return _theme_form(request, office_slug, theme_id)


# --- Venues and candidate slots -------------------------------------------------------------


@login_required
def venue_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    venues = Venue.objects.filter(office=access.office).annotate(
        slot_count=Count(
            "candidateslot", filter=Q(candidateslot__starts_at__gte=timezone.now()), distinct=True
        )
    )
    return render(request, "workshops/venue_list.html", {"venues": venues})


def _venue_form(request: HttpRequest, office_slug: str, venue_id: int | None) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    venue = get_for_office(access, Venue, pk=venue_id) if venue_id else None
    data = request.POST if request.method == "POST" else None
    form = forms.VenueForm(data, instance=venue, office=access.office)
    if data is not None and form.is_valid():
        saved = form.save()
        messages.success(request, _("Lieu « %(name)s » enregistré.") % {"name": saved.name})
        return redirect("workshops:venue_list", access.office.slug)
    return render(request, "workshops/venue_form.html", {"form": form, "venue": venue})


@login_required
def venue_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    return _venue_form(request, office_slug, None)


@login_required
def venue_edit(request: HttpRequest, office_slug: str, venue_id: int) -> HttpResponse:
    return _venue_form(request, office_slug, venue_id)


@login_required
@require_POST
def venue_delete(request: HttpRequest, office_slug: str, venue_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    venue = get_for_office(access, Venue, pk=venue_id)
    # Its candidate slots go with it; sessions held there keep their date, without a place.
    venue.delete()
    messages.success(request, _("Lieu « %(name)s » supprimé.") % {"name": venue.name})
    return redirect("workshops:venue_list", access.office.slug)


@login_required
def slot_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    slots = (
        CandidateSlot.objects.filter(office=access.office, starts_at__gte=timezone.now())
        .select_related("venue")
        .order_by("starts_at", "pk")
    )
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "workshops/slot_list.html", {"page_obj": page, "slots": page.object_list}
    )


@login_required
def slot_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    data = request.POST if request.method == "POST" else None
    form = forms.CandidateSlotForm(data, office=access.office)
    if data is not None and form.is_valid():
        slot = form.save()
        messages.success(
            request,
            _("Créneau du %(when)s ajouté.")
            % {"when": timezone.localtime(slot.starts_at).strftime("%d/%m/%Y %H:%M")},
        )
        if "again" in data:
            return redirect("workshops:slot_create", access.office.slug)
        return redirect("workshops:slot_list", access.office.slug)
    has_venues = Venue.objects.filter(office=access.office).exists()
    return render(request, "workshops/slot_form.html", {"form": form, "has_venues": has_venues})


@login_required
@require_POST
def slot_delete(request: HttpRequest, office_slug: str, slot_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    get_for_office(access, CandidateSlot, pk=slot_id).delete()
    messages.success(request, _("Créneau supprimé."))
    return redirect("workshops:slot_list", access.office.slug)


# --- Needs ----------------------------------------------------------------------------------


def _chosen_campaign(request: HttpRequest, access) -> Campaign | None:
    wanted = request.GET.get("campagne")
    if not wanted:
        return needs.latest_campaign(access.office)
    if not wanted.isdigit():
        raise Http404
    return get_for_office(access, Campaign, pk=int(wanted))


def _top(counts: list[tuple[str, int]], size: int = 3) -> str:
    """« Hébergement (5), Restauration (3) »: the first ``size`` of a ranked count list."""
    return ", ".join(f"{label} ({count})" for label, count in counts[:size])


@login_required
def needs_page(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    themes = catalogue.ensure_catalogue(access.office)
    campaign = _chosen_campaign(request, access)
    rows, chart, respondents = [], None, 0
    if campaign is not None:
        active = [theme for theme in themes if theme.active]
        facts = needs.campaign_needs(office=access.office, campaign=campaign)
        rows = needs.theme_needs(
            office=access.office, campaign=campaign, themes=active, facts=facts
        )
        respondents = facts.respondents
        shown = [row for row in rows if row.total]
        if shown:
            chart = charts.bars(
                [(row.theme.title, row.total) for row in shown],
                title=_("Prestataires concernés par thème"),
                description=_(
                    "Pour chaque thème, le nombre de prestataires qui l'ont demandé ou dont "
                    "le diagnostic montre le besoin, puis chacun des deux séparément."
                ),
                series_name=_("Au total"),
                compare=[
                    (_("L'ont demandé"), [row.asked for row in shown]),
                    (_("D'après le diagnostic"), [row.gap for row in shown]),
                ],
                max_value=max(row.total for row in shown),
                label_header=_("Thème"),
            )
    groups = choice_labels(CategoryGroup)
    context = {
        "campaign": campaign,
        "campaigns": Campaign.objects.filter(office=access.office).order_by("-starts_on", "-pk"),
        "rows": [
            {
                "need": row,
                "groups": _top([(groups.get(code, code), n) for code, n in row.by_group]),
                "communes": _top(row.by_commune),
                "months": _top([(str(MONTHS[month]), n) for month, n in row.months]),
            }
            for row in rows
        ],
        "chart": chart,
        "respondents": respondents,
    }
    return render(request, "workshops/needs.html", context)


# --- Programmes -----------------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    programmes = _programmes(access.office).select_related("campaign").order_by("-starts_on", "-pk")
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "workshops/programme_list.html", {"page_obj": page, "programmes": page.object_list}
    )


@login_required
def programme_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    data = request.POST if request.method == "POST" else None
    latest = needs.latest_campaign(access.office)
    form = forms.ProgrammeForm(
        data, office=access.office, initial={"campaign": latest.pk if latest else None}
    )
    if data is not None and form.is_valid():
        try:
            programme = planning.create_programme(
                office=access.office,
                campaign=form.cleaned_data["campaign"],
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                user=request.user,
                solver=form.cleaned_data["solver"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = programme.sessions.count()
            messages.success(
                request,
                ngettext(
                    "Programme proposé : %(count)s séance. Relisez-le, modifiez-le, puis "
                    "publiez-le.",
                    "Programme proposé : %(count)s séances. Relisez-le, modifiez-le, puis "
                    "publiez-le.",
                    count,
                )
                % {"count": count},
            )
            return redirect("workshops:programme_detail", access.office.slug, programme.pk)
    has_slots = CandidateSlot.objects.filter(
        office=access.office, starts_at__gte=timezone.now()
    ).exists()
    return render(
        request,
        "workshops/programme_form.html",
        {"form": form, "has_slots": has_slots, "latest": latest},
    )


@login_required
def programme_detail(request: HttpRequest, office_slug: str, programme_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    programme = get_for_office(
        access, Programme.objects.select_related("campaign", "created_by"), pk=programme_id
    )
    sessions = _with_places(
        programme.sessions.select_related("theme", "venue")
        .annotate(invitee_count=Count("invitations", distinct=True))
        .order_by("starts_at", "pk")
    )
    sessions = list(sessions)
    context = {
        "programme": programme,
        "sessions": sessions,
        "summary": programme.summary or {},
        "draft_count": sum(1 for s in sessions if s.status == SessionStatus.DRAFT),
        "invitee_total": sum(s.invitee_count for s in sessions),
    }
    return render(request, "workshops/programme_detail.html", context)


@login_required
@require_POST
def programme_publish(request: HttpRequest, office_slug: str, programme_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    programme = get_for_office(access, Programme, pk=programme_id)
    sent = planning.publish_programme(programme=programme, user=request.user)
    messages.success(
        request,
        ngettext(
            "Programme publié ; %(count)s invitation part en arrière-plan.",
            "Programme publié ; %(count)s invitations partent en arrière-plan.",
            sent,
        )
        % {"count": sent},
    )
    return redirect("workshops:programme_detail", access.office.slug, programme.pk)


@login_required
@require_POST
def programme_delete(request: HttpRequest, office_slug: str, programme_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    programme = get_for_office(access, Programme, pk=programme_id)
    if programme.status != ProgrammeStatus.DRAFT:
        messages.error(request, _("Un programme publié ne se supprime pas : annulez ses séances."))
        return redirect("workshops:programme_detail", access.office.slug, programme.pk)
    try:
        planning.delete_draft_programme(programme=programme)
    except (ValidationError, ProtectedError):
        messages.error(
            request, _("Ce programme a des séances publiées : il ne peut être supprimé.")
        )
        return redirect("workshops:programme_detail", access.office.slug, programme.pk)
    messages.success(request, _("Proposition « %(name)s » supprimée.") % {"name": programme.name})
    return redirect("workshops:programme_list", access.office.slug)


@login_required
@require_POST
def programme_session_delete(
    request: HttpRequest, office_slug: str, programme_id: int, session_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    programme = get_for_office(access, Programme, pk=programme_id)
    session = get_for_office(access, Session.objects.filter(programme=programme), pk=session_id)
    try:
        planning.delete_draft_session(session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Séance retirée du programme."))
    return redirect("workshops:programme_detail", access.office.slug, programme.pk)


# --- Settings -------------------------------------------------------------------------------


@login_required
def settings_page(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    current = catalogue.workshop_settings(access.office)
    if request.method == "POST":
        access = office_access(request, office_slug, need="edit")
        form = forms.SettingsForm(request.POST, settings=current)
        if form.is_valid():
            catalogue.save_settings(
                office=access.office,
                high_season=form.high_season(),
                signature=form.cleaned_data["signature"],
            )
            messages.success(request, _("Réglages des ateliers enregistrés."))
            return redirect("workshops:settings", access.office.slug)
    else:
        form = forms.SettingsForm(settings=current)
        for field in form.fields.values():
            field.disabled = not access.can_edit
    return render(request, "workshops/settings.html", {"form": form})
