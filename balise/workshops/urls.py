"""Staff pages of the workshop programme, under ``/o/<office_slug>/ateliers/``."""

from django.urls import path  # noqa: F401

from .session_urls import urlpatterns as session_patterns

app_name = "workshops"
urlpatterns = [
    *session_patterns,
]
