"""Staff URLs for sessions, registrations, attendance, appointments, journeys and progress,
included by ``urls.py`` (same ``workshops`` namespace)."""

from django.urls import path

from . import session_views as views

session = "seances/<int:session_id>/"

urlpatterns = [
    path("seances/", views.session_list, name="session_list"),
    path("seances/nouvelle/", views.session_create, name="session_create"),
    path(session, views.session_detail, name="session_detail"),
    path(session + "modifier/", views.session_edit, name="session_edit"),
    path(session + "publier/", views.session_publish, name="session_publish"),
    path(session + "annuler/", views.session_cancel, name="session_cancel"),
    path(session + "inscrire/", views.session_register, name="session_register"),
    path(
        session + "inscriptions/<int:registration_id>/annuler/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(session + "inviter/", views.session_invite, name="session_invite"),
    path(session + "emargement/", views.session_attendance, name="session_attendance"),
    path(
        session + "emargement/<int:registration_id>/",
        views.attendance_mark,
        name="attendance_mark",
    ),
    path(session + "emargement/sur-place/", views.attendance_walk_in, name="attendance_walk_in"),
    path("rendez-vous/", views.appointment_slots, name="appointment_slots"),
    path(
        "rendez-vous/creneaux/<int:appointment_slot_id>/supprimer/",
        views.appointment_slot_delete,
        name="appointment_slot_delete",
    ),
    path(
        "rendez-vous/<int:appointment_id>/presence/",
        views.appointment_attended,
        name="appointment_attended",
    ),
    path(
        "rendez-vous/<int:appointment_id>/annuler/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("prestataires/<int:provider_id>/parcours/", views.journey, name="journey"),
    path("progres/", views.progress, name="progress"),
]
