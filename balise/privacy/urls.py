from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.register_view, name="register"),
    path("reglages/", views.settings_view, name="settings"),
    path("personnes/", views.person, name="person"),
    path("personnes/export/", views.person_export, name="person_export"),
    path("personnes/effacer/", views.person_erase, name="person_erase"),
    path(
        "prestataires/<int:provider_id>/consentement/",
        views.consent_history,
        name="consent_history",
    ),
    path(
        "prestataires/<int:provider_id>/export.json",
        views.provider_export,
        name="provider_export",
    ),
    path("prestataires/<int:provider_id>/effacer/", views.provider_erase, name="provider_erase"),
]
