"""Network coordinators' pages, under ``/reseau/<network_slug>/``."""

from django.urls import path

from . import export_views, views

app_name = "network"
urlpatterns = [
    path("", views.network_home, name="home"),
    path("comparaison.xlsx", export_views.network_export_xlsx, name="export_xlsx"),
    path("comparaison.csv", export_views.network_export_csv, name="export_csv"),
]
