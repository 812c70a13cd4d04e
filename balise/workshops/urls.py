"""Staff pages of the workshop programme, under ``/o/<office_slug>/ateliers/``."""

from django.urls import path

from . import views
from .session_urls import urlpatterns as session_patterns

app_name = "workshops"
urlpatterns = [
    path("", views.home, name="home"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/nouveau/", views.theme_create, name="theme_create"),
    path("themes/<int:theme_id>/", views.theme_edit, name="theme_edit"),
    path("lieux/", views.venue_list, name="venue_list"),
    path("lieux/nouveau/", views.venue_create, name="venue_create"),
    path("lieux/<int:venue_id>/", views.venue_edit, name="venue_edit"),
    path("lieux/<int:venue_id>/supprimer/", views.venue_delete, name="venue_delete"),
    path("creneaux/", views.slot_list, name="slot_list"),
    path("creneaux/nouveau/", views.slot_create, name="slot_create"),
    path("creneaux/<int:slot_id>/supprimer/", views.slot_delete, name="slot_delete"),
    path("besoins/", views.needs_page, name="needs"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/nouveau/", views.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme_detail"),
    path(
        "programmes/<int:programme_id>/publier/",
        views.programme_publish,
        name="programme_publish",
    ),
    path(
        "programmes/<int:programme_id>/supprimer/",
        views.programme_delete,
        name="programme_delete",
    ),
    path(
        "programmes/<int:programme_id>/seances/<int:session_id>/retirer/",
        views.programme_session_delete,
        name="programme_session_delete",
    ),
    path("reglages/", views.settings_page, name="settings"),
    *session_patterns,
]
