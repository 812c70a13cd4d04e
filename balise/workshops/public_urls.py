"""Public workshop pages, under ``/ateliers/``: the programme of an office, registration,
and the personal links (invitation, registration, appointment). No login."""

from django.urls import path

from . import public_views as views

app_name = "ateliers"
urlpatterns = [
    # Personal links first: their fixed first words are never an office's slug.
    path("i/<str:token>/", views.invitation, name="invitation"),
    path("inscription/<str:token>/", views.registration, name="registration"),
    path("inscription/<str:token>/seance.ics", views.registration_ics, name="registration_ics"),
    path("inscription/<str:token>/annuler/", views.registration_cancel, name="registration_cancel"),
    path("inscription/<str:token>/avis/", views.feedback, name="feedback"),
    path("rdv/<str:token>/", views.appointment, name="appointment"),
    path("rdv/<str:token>/annuler/", views.appointment_cancel, name="appointment_cancel"),
    path("<slug:office_slug>/", views.programme, name="programme"),
    path("<slug:office_slug>/programme.ics", views.feed, name="feed"),
    path("<slug:office_slug>/seances/<int:session_id>/", views.session, name="session"),
    path("<slug:office_slug>/rendez-vous/", views.appointments, name="appointments"),
]
