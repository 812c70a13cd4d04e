"""Staff URLs for sessions, registrations, attendance, appointments, journeys and progress,
included by ``urls.py`` (same ``workshops`` namespace)."""

from django.urls import path  # noqa: F401

urlpatterns = []
