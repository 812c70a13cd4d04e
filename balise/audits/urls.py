"""Staff pages of the online-presence audit, under ``/o/<office_slug>/audits/``."""

from django.urls import path

from . import views

app_name = "audits"
provider = "prestataires/<int:provider_id>/"

urlpatterns = [
    path("", views.audit_home, name="home"),
    path("lancer/", views.audit_start, name="start"),
    path("planification/", views.schedule_update, name="schedule"),
    path("campagnes/<int:run_id>/progression/", views.run_progress, name="run_progress"),
    path(provider, views.provider_audit, name="provider_audit"),
    path(provider + "auditer/", views.provider_audit_now, name="provider_audit_now"),
    path("ecarts/<int:gap_id>/", views.gap_decide, name="gap_decide"),
]
