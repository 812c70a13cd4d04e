"""Staff pages of the territory study, under ``/o/<office_slug>/etude/``."""

from django.urls import path  # noqa: F401

app_name = "insights"
urlpatterns = []
