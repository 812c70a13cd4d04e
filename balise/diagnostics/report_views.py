"""Staff pages of the individual reports: the page, its PDF, a campaign's ZIP, the e-mail.

Thin views: access → report service → response. The respondent's own results page lives
with the respondent's views and includes the same ``diagnostics/_report.html`` partial.
"""

import logging
import smtplib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access

from . import report_delivery, reports
from .models import Campaign, Response

logger = logging.getLogger(__name__)


def _completed_response(access, response_id: int) -> Response:
    return get_for_office(
        access,
        Response.objects.filter(completed_at__isnull=False).select_related(
            "provider", "campaign", "office", "version"
        ),
        pk=response_id,
    )


def _private(response: HttpResponse) -> HttpResponse:
    # Personal data: no shared cache keeps it, no browser cache stores it.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def report_page(request: HttpRequest, office_slug: str, response_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    report = reports.build_report(_completed_response(access, response_id))
    return _private(render(request, "diagnostics/report_page.html", {"report": report}))


@login_required
def report_pdf(request: HttpRequest, office_slug: str, response_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    response = _completed_response(access, response_id)
    pdf = report_delivery.render_report_pdf(response)
    http = HttpResponse(pdf, content_type="application/pdf")
    http["Content-Disposition"] = f'inline; filename="{report_delivery.report_filename(response)}"'
    return _private(http)


@login_required
def campaign_reports_zip(request: HttpRequest, office_slug: str, campaign_id: int):
    """One PDF per completed response, streamed as each is rendered."""
    access = office_access(request, office_slug)
    campaign = get_for_office(access, Campaign, pk=campaign_id)
    http = StreamingHttpResponse(
        report_delivery.iter_campaign_zip(campaign), content_type="application/zip"
    )
    http["Content-Disposition"] = f'attachment; filename="rapports-{campaign.slug}.zip"'
    return _private(http)


@login_required
@require_POST
def report_send(request: HttpRequest, office_slug: str, response_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    response = _completed_response(access, response_id)
    try:
        sent = report_delivery.send_report(response=response, user=request.user)
    except (smtplib.SMTPException, OSError):
        logger.exception("report email to provider %s failed", response.provider_id)
        messages.error(
            request,
            _("Le serveur d'e-mails n'a pas accepté le message : réessayez plus tard."),
        )
        return redirect("diagnostics:report", access.office.slug, response.pk)
    if sent:
        messages.success(
            request,
            _("Le rapport est envoyé à %(email)s.") % {"email": response.provider.email},
        )
    else:
        messages.error(
            request,
            _(
                "Ce prestataire n'a pas d'adresse e-mail : ajoutez-la à sa fiche pour envoyer le "
                "rapport."
            ),
        )
    return redirect("diagnostics:report", access.office.slug, response.pk)
