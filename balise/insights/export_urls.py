"""Export URLs of the territory study (XLSX, CSV, PDF), included by ``urls.py``."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("<int:campaign_id>/etude.xlsx", export_views.export_xlsx, name="export_xlsx"),
    path("<int:campaign_id>/etude.csv", export_views.export_csv, name="export_csv"),
    path("<int:campaign_id>/etude.pdf", export_views.export_pdf, name="export_pdf"),
]
