"""Staff pages of the territory study, under ``/o/<office_slug>/etude/``."""

from django.urls import path  # noqa: F401

from .export_urls import urlpatterns as export_patterns

app_name = "insights"
urlpatterns = [
    *export_patterns,
]
