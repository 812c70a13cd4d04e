"""URLs of the individual reports, included inside the ``diagnostics`` namespace.

Mounted under ``o/<slug:office_slug>/diagnostics/`` by ``balise/diagnostics/urls.py``:
``path("", include("balise.diagnostics.report_urls"))``.
"""

from django.urls import path

from . import report_views

urlpatterns = [
    path("reponses/<int:response_id>/rapport/", report_views.report_page, name="report"),
    path("reponses/<int:response_id>/rapport.pdf", report_views.report_pdf, name="report_pdf"),
    path(
        "reponses/<int:response_id>/rapport/envoyer/",
        report_views.report_send,
        name="report_send",
    ),
    path(
        "campagnes/<int:campaign_id>/rapports.zip",
        report_views.campaign_reports_zip,
        name="campaign_reports_zip",
    ),
]
