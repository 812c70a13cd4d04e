"""Staff pages of the theme catalogue, and the workshops' settings (high season, the
signature of the invitations)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from balise.lib.access import get_for_office, office_access
from balise.workshops import catalogue
from balise.workshops.forms.themes import SettingsForm, ThemeForm
from balise.workshops.models import Theme


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
    form = ThemeForm(data, instance=theme, office=access.office)
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


@login_required
def settings_page(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    current = catalogue.workshop_settings(access.office)
    if request.method == "POST":
        access = office_access(request, office_slug, need="edit")
        form = SettingsForm(request.POST, settings=current)
        if form.is_valid():
            catalogue.save_settings(
                office=access.office,
                high_season=form.high_season(),
                signature=form.cleaned_data["signature"],
            )
            messages.success(request, _("Réglages des ateliers enregistrés."))
            return redirect("workshops:settings", access.office.slug)
    else:
        form = SettingsForm(settings=current)
        for field in form.fields.values():
            field.disabled = not access.can_edit
    return render(request, "workshops/settings.html", {"form": form})
