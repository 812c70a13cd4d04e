"""Pages of the territory study: the office dashboard and the network comparison.

Thin views: access → filters → :func:`build_study` (cached) → template. Readers may see
the study (need="read"); every campaign id goes through ``get_for_office``. The tables are
turned into display cells here (text, masked or not, heat class) so that the templates
stay plain loops.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.diagnostics.models import Campaign
from balise.lib.access import OfficeAccess, get_for_office, network_access, office_access
from balise.lib.charts import format_value

from . import network as network_study
from .comparison import comparable, compared_campaign
from .definitions import SECTIONS
from .figures import PERCENT
from .filters import StudyFilterForm
from .study import build_study
from .tables import MIN_GROUP, Masked, Study, StudyTable

HEATMAPS = ("heatmap_category_group", "heatmap_commune")


class CompareForm(forms.Form):
    """The earlier campaign to compare with: a campaign of the same office only."""

    compare = forms.TypedChoiceField(
        label=gettext_lazy("Comparer avec"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, campaign: Campaign, campaigns: list[Campaign]):
        super().__init__(data)
        self.study_campaign = campaign
        self.campaigns = campaigns
        # The choices from the campaigns already read: no query to render or check them.
        self.fields["compare"].choices = [("", gettext_lazy("Aucune comparaison"))] + [
            (other.pk, other.name) for other in campaigns if comparable(campaign, other)
        ]

    def campaign(self) -> Campaign | None:
        """The valid campaign to compare with, or None (an invalid value is ignored)."""
        if not self.is_bound or not self.is_valid():
            return None
        return compared_campaign(
            self.study_campaign, pk=self.cleaned_data["compare"], campaigns=self.campaigns
        )


# --- Display ----------------------------------------------------------------------------


def cell_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return format_value(value, unit=PERCENT)
    if kind == "score":
        return format_value(value)
    if kind == "delta":
        text = format_value(value)
        return f"+{text}" if value > 0 and text != "0" else text
    if kind == "count":
        return format_value(value)
    return str(value)


def present(table: StudyTable) -> dict:
    """A table as display rows: the first column is the row header, then cells with their
    text, whether they are masked, and a heat class for the heatmaps."""
    heat = table.key in HEATMAPS
    rows = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns[1:], row[1:], strict=True):
            masked = isinstance(value, Masked)
            css = ""
            if heat and column.kind == "score" and isinstance(value, float):
                css = f"heat heat-{min(4, int(value // 20))}"
            cells.append(
                {
                    "text": "—" if masked else cell_text(value, column.kind),
                    "masked": masked,
                    "missing": value is None,
                    "css": css,
                }
            )
        rows.append({"header": "—" if isinstance(row[0], Masked) else row[0], "cells": cells})
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "charts": table.charts,
        "first": table.columns[0].label,
        "columns": table.columns[1:],
        "rows": rows,
        "masked_groups": table.masked_groups,
        "heat": heat,
    }


def sections(study: Study) -> list[dict]:
    """The study's tables grouped by section, in the dashboard's order."""
    return [
        {"key": key, "title": title, "tables": [present(table) for table in study.section(key)]}
        for key, title in SECTIONS.items()
        if study.section(key)
    ]


# --- Views ------------------------------------------------------------------------------


def _labels() -> dict:
    """Texts repeated in many cells, translated once per page."""
    return {
        "min_group": MIN_GROUP,
        "masked_label": _("masqué : moins de %(min)s réponses") % {"min": MIN_GROUP},
        "missing_label": _("non disponible"),
    }


def _campaigns(access: OfficeAccess) -> list[Campaign]:
    return list(
        Campaign.objects.filter(office=access.office)
        .select_related("version", "office")
        .order_by("-starts_on", "-pk")
    )


def _dashboard(
    request: HttpRequest, access: OfficeAccess, campaign: Campaign, campaigns: list[Campaign]
) -> HttpResponse:
    filter_form = StudyFilterForm(request.GET or None, office=access.office)
    compare_form = CompareForm(request.GET or None, campaign=campaign, campaigns=campaigns)
    compare = compare_form.campaign()
    study = build_study(campaign, filters=filter_form.filters(), compare=compare)
    context = {
        "office": access.office,
        "campaign": campaign,
        "campaigns": campaigns,
        "study": study,
        "enough": study.completed >= MIN_GROUP,
        **_labels(),
        "rate": (
            format_value(100 * study.completed / study.invited, unit=PERCENT)
            if study.invited
            else "—"
        ),
        "sections": sections(study),
        "filter_form": filter_form,
        "compare_form": compare_form,
        "query": request.GET.urlencode(),
    }
    return render(request, "insights/dashboard.html", context)


@login_required
def home(request: HttpRequest, office_slug: str) -> HttpResponse:
    """The study of the latest campaign with completed responses, or an empty state."""
    access = office_access(request, office_slug)
    campaigns = _campaigns(access)
    latest_id = (
        Campaign.objects.filter(office=access.office, responses__completed_at__isnull=False)
        .order_by("-starts_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest_id is None:
        return render(
            request, "insights/empty.html", {"office": access.office, "campaigns": campaigns}
        )
    campaign = next(c for c in campaigns if c.pk == latest_id)
    return _dashboard(request, access, campaign, campaigns)


@login_required
def dashboard(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    campaign = get_for_office(
        access, Campaign.objects.select_related("version", "office"), pk=campaign_id
    )
    campaigns = _campaigns(access)
    return _dashboard(request, access, campaign, campaigns)


def network_year(request: HttpRequest, network) -> tuple[list[int], int | None]:
    """The years the network's offices ran campaigns, and the one asked for in the query
    string (``?annee=``), None for the latest campaign of each office."""
    years = network_study.years(network)
    raw = request.GET.get("annee", "")
    return years, int(raw) if raw.isdigit() and int(raw) in years else None


@login_required
def network_home(request: HttpRequest, network_slug: str) -> HttpResponse:
    """Each member office side by side on the shared core (coordinators only, 404 else)."""
    network = network_access(request, network_slug)
    years, year = network_year(request, network)
    comparison = network_study.build_network_study(network, year=year)
    return render(
        request,
        "insights/network.html",
        {
            "network": network,
            "current_network": network,
            "study": comparison,
            "tables": [present(table) for table in comparison.tables],
            "years": years,
            "year": year,
            "query": f"annee={year}" if year else "",
            **_labels(),
            "title": _("Réseau %(name)s") % {"name": network.name},
        },
    )
