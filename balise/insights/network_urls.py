"""Network coordinators' pages, under ``/reseau/<network_slug>/``."""

from django.urls import path  # noqa: F401

app_name = "network"
urlpatterns = []
