"""Public workshop pages, under ``/ateliers/``: the programme of an office, registration,
the « prévenez-moi » of a theme, and the personal links (invitation, registration,
appointment, alert). No login."""

from django.urls import path

from .views import public

app_name = "ateliers"
urlpatterns = [
    # Personal links first: their fixed first words are never an office's slug.
    path("i/<str:token>/", public.invitation, name="invitation"),
    path("inscription/<str:token>/", public.registration, name="registration"),
    path("inscription/<str:token>/seance.ics", public.registration_ics, name="registration_ics"),
    path(
        "inscription/<str:token>/annuler/", public.registration_cancel, name="registration_cancel"
    ),
    path("inscription/<str:token>/avis/", public.feedback, name="feedback"),
    path("rdv/<str:token>/", public.appointment, name="appointment"),
    path("rdv/<str:token>/annuler/", public.appointment_cancel, name="appointment_cancel"),
    path("alerte/<str:token>/", public.alert_unsubscribe, name="alert_unsubscribe"),
    path("<slug:office_slug>/", public.programme, name="programme"),
    path("<slug:office_slug>/programme.ics", public.feed, name="feed"),
    path("<slug:office_slug>/seances/<int:session_id>/", public.session, name="session"),
    path("<slug:office_slug>/rendez-vous/", public.appointments, name="appointments"),
    path("<slug:office_slug>/prevenez-moi/<slug:theme_code>/", public.alert, name="alert"),
]
