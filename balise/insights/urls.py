"""Staff pages of the territory study, under ``/o/<office_slug>/etude/``."""

from django.urls import path

from . import views
from .export_urls import urlpatterns as export_patterns

app_name = "insights"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:campaign_id>/", views.dashboard, name="dashboard"),
    *export_patterns,
]
