from django.urls import path

from . import views

app_name = "offices"
urlpatterns = [
    path("", views.office_home, name="home"),
    path("equipe/", views.staff_list, name="staff_list"),
    path("equipe/ajouter/", views.staff_add, name="staff_add"),
    path("equipe/<int:membership_id>/", views.staff_edit, name="staff_edit"),
    path("equipe/<int:membership_id>/retirer/", views.staff_remove, name="staff_remove"),
    path("parametres/", views.office_settings, name="settings"),
]
