"""Staff pages of the programme: the workshops' home, the needs read from a campaign,
and programmes (propose, review, publish, delete a draft)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
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
from balise.workshops import catalogue, needs, programmes
from balise.workshops.forms.programmes import ProgrammeForm
from balise.workshops.models import (
    CandidateSlot,
    Programme,
    ProgrammeStatus,
    Session,
    SessionStatus,
)

PAGE_SIZE = 50
UPCOMING_SIZE = 10


def _programmes(office):
    return Programme.objects.filter(office=office).annotate(
        session_count=Count("sessions", filter=~Q(sessions__status=SessionStatus.CANCELLED))
    )


# --- Home -----------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    upcoming = (
        Session.objects.published()
        .filter(office=access.office, starts_at__gte=timezone.now())
        .select_related("theme", "venue")
        .with_counts()
        .order_by("starts_at", "pk")
    )[:UPCOMING_SIZE]
    context = {
        "upcoming": upcoming,
        "programmes": _programmes(access.office).order_by("-starts_on", "-pk")[:5],
    }
    return render(request, "workshops/home.html", context)


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
    rows = _programmes(access.office).select_related("campaign").order_by("-starts_on", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "workshops/programme_list.html", {"page_obj": page, "programmes": page.object_list}
    )


@login_required
def programme_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    data = request.POST if request.method == "POST" else None
    latest = needs.latest_campaign(access.office)
    form = ProgrammeForm(
        data, office=access.office, initial={"campaign": latest.pk if latest else None}
    )
    if data is not None and form.is_valid():
        try:
            programme = programmes.create_programme(
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
    sessions = list(
        programme.sessions.select_related("theme", "venue")
        .with_counts()
        .order_by("starts_at", "pk")
    )
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
    sent = programmes.publish_programme(programme=programme, user=request.user)
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
        programmes.delete_draft_programme(programme=programme)
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
        programmes.delete_draft_session(session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Séance retirée du programme."))
    return redirect("workshops:programme_detail", access.office.slug, programme.pk)
