"""Staff pages of the workshop programme, under ``/o/<office_slug>/ateliers/``."""

from django.urls import path  # noqa: F401

app_name = "workshops"
urlpatterns = []
