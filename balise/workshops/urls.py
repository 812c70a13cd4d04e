"""Staff pages of the workshop programme, under ``/o/<office_slug>/ateliers/``."""

from django.urls import path

from .views import appointments, programmes, results, sessions, themes, venues

session = "seances/<int:session_id>/"

app_name = "workshops"
urlpatterns = [
    path("", programmes.home, name="home"),
    path("themes/", themes.theme_list, name="theme_list"),
    path("themes/nouveau/", themes.theme_create, name="theme_create"),
    path("themes/<int:theme_id>/", themes.theme_edit, name="theme_edit"),
    path("lieux/", venues.venue_list, name="venue_list"),
    path("lieux/nouveau/", venues.venue_create, name="venue_create"),
    path("lieux/<int:venue_id>/", venues.venue_edit, name="venue_edit"),
    path("lieux/<int:venue_id>/supprimer/", venues.venue_delete, name="venue_delete"),
    path("creneaux/", venues.slot_list, name="slot_list"),
    path("creneaux/nouveau/", venues.slot_create, name="slot_create"),
    path("creneaux/<int:slot_id>/supprimer/", venues.slot_delete, name="slot_delete"),
    path("besoins/", programmes.needs_page, name="needs"),
    path("programmes/", programmes.programme_list, name="programme_list"),
    path("programmes/nouveau/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", programmes.programme_detail, name="programme_detail"),
    path(
        "programmes/<int:programme_id>/publier/",
        programmes.programme_publish,
        name="programme_publish",
    ),
    path(
        "programmes/<int:programme_id>/supprimer/",
        programmes.programme_delete,
        name="programme_delete",
    ),
    path(
        "programmes/<int:programme_id>/seances/<int:session_id>/retirer/",
        programmes.programme_session_delete,
        name="programme_session_delete",
    ),
    path("reglages/", themes.settings_page, name="settings"),
    path("seances/", sessions.session_list, name="session_list"),
    path("seances/nouvelle/", sessions.session_create, name="session_create"),
    path(session, sessions.session_detail, name="session_detail"),
    path(session + "modifier/", sessions.session_edit, name="session_edit"),
    path(session + "publier/", sessions.session_publish, name="session_publish"),
    path(session + "annuler/", sessions.session_cancel, name="session_cancel"),
    path(session + "inscrire/", sessions.session_register, name="session_register"),
    path(
        session + "inscriptions/<int:registration_id>/annuler/",
        sessions.registration_cancel,
        name="registration_cancel",
    ),
    path(session + "inviter/", sessions.session_invite, name="session_invite"),
    path(session + "emargement/", sessions.session_attendance, name="session_attendance"),
    path(
        session + "emargement/<int:registration_id>/",
        sessions.attendance_mark,
        name="attendance_mark",
    ),
    path(session + "emargement/sur-place/", sessions.attendance_walk_in, name="attendance_walk_in"),
    path("rendez-vous/", appointments.appointment_slots, name="appointment_slots"),
    path(
        "rendez-vous/creneaux/<int:appointment_slot_id>/supprimer/",
        appointments.appointment_slot_delete,
        name="appointment_slot_delete",
    ),
    path(
        "rendez-vous/<int:appointment_id>/presence/",
        appointments.appointment_attended,
        name="appointment_attended",
    ),
    path(
        "rendez-vous/<int:appointment_id>/annuler/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path("prestataires/<int:provider_id>/parcours/", results.journey, name="journey"),
    path("progres/", results.progress, name="progress"),
]
