"""The audit trail, under ``/o/<office_slug>/journal/``."""

from django.urls import path

from . import views

app_name = "trail"
urlpatterns = [
    path("", views.journal, name="journal"),
]
