"""Public workshop pages, under ``/ateliers/``: the programme of an office, registration,
and the personal links (invitation, registration, appointment). No login."""

from django.urls import path  # noqa: F401

app_name = "ateliers"
urlpatterns = []
