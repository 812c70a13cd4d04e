"""Downloads of the territory study: XLSX, CSV and the printable PDF; the network
comparison as XLSX and CSV.

Read access is enough: readers (directors, elected officials) are who the study is for.
Filters and the compared campaign come from the query string, as on the dashboard; the
network's year too (``?annee=``), as on its page.
"""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from balise.diagnostics.models import Campaign
from balise.lib.access import get_for_office, network_access, office_access

from . import exports
from . import network as network_study
from .pdf import render_study_pdf
from .study import build_study
from .views import network_year

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign_and_study(request: HttpRequest, office_slug: str, campaign_id: int):
    access = office_access(request, office_slug)
    campaign = get_for_office(
        access, Campaign.objects.select_related("office", "version"), pk=campaign_id
    )
    filters, compare = exports.study_options(campaign, request.GET)
    return campaign, filters, build_study(campaign, filters=filters, compare=compare)


def _download(response: HttpResponse, name: str, *, inline: bool = False) -> HttpResponse:
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    # Figures about the office's members: no shared cache keeps them.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    campaign, filters, study = _campaign_and_study(request, office_slug, campaign_id)
    buffer = io.BytesIO()
    exports.xlsx_workbook(study, campaign=campaign, filters=filters).save(buffer)
    return _download(
        HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE),
        exports.filename(campaign, "xlsx", filters),
    )


@login_required
@require_GET
def export_csv(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    campaign, filters, study = _campaign_and_study(request, office_slug, campaign_id)
    return _download(
        StreamingHttpResponse(exports.csv_lines(study), content_type="text/csv; charset=utf-8"),
        exports.filename(campaign, "csv", filters),
    )


@login_required
@require_GET
def export_pdf(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    campaign, filters, study = _campaign_and_study(request, office_slug, campaign_id)
    return _download(
        HttpResponse(
            render_study_pdf(study, office=campaign.office), content_type="application/pdf"
        ),
        exports.filename(campaign, "pdf", filters),
        inline=True,
    )


def _network_study(request: HttpRequest, network_slug: str):
    network = network_access(request, network_slug)
    _years, year = network_year(request, network)
    study = network_study.build_network_study(network, year=year)
    name = f"reseau-{slugify(network.slug)}-{year or 'dernieres-campagnes'}"
    return study, name


@login_required
@require_GET
def network_export_xlsx(request: HttpRequest, network_slug: str) -> HttpResponse:
    """The comparison's summary and tables, one sheet each: aggregates only, so no sheet
    of answers (coordinators never see a provider's row)."""
    study, name = _network_study(request, network_slug)
    with translation.override("fr"):
        workbook = Workbook(write_only=True)
        taken: set[str] = set()
        exports._summary_sheet(
            workbook.create_sheet(exports._sheet_title(_("Synthèse"), taken)), study
        )
        for table in study.tables:
            sheet = workbook.create_sheet(exports._sheet_title(table.title, taken))
            exports._table_sheet(sheet, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), f"{name}.xlsx")


@login_required
@require_GET
def network_export_csv(request: HttpRequest, network_slug: str) -> HttpResponse:
    study, name = _network_study(request, network_slug)
    return _download(
        StreamingHttpResponse(exports.csv_lines(study), content_type="text/csv; charset=utf-8"),
        f"{name}.csv",
    )
