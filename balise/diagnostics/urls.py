"""Staff pages of the diagnostics, under ``/o/<office_slug>/diagnostics/``."""

from django.urls import include, path

from . import views

app_name = "diagnostics"
campaign = "campagnes/<int:campaign_id>/"
invitation = campaign + "invitations/<int:invitation_id>/"
assisted = campaign + "prestataires/<int:provider_id>/saisie/"
version = "questionnaires/<int:version_id>/"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("campagnes/nouvelle/", views.campaign_create, name="campaign_create"),
    path("campagnes/cibles/", views.campaign_targets, name="campaign_targets"),
    path(campaign, views.campaign_detail, name="campaign_detail"),
    path(campaign + "modifier/", views.campaign_edit, name="campaign_edit"),
    path(campaign + "ouvrir/", views.campaign_open, name="campaign_open"),
    path(campaign + "clore/", views.campaign_close, name="campaign_close"),
    path(campaign + "inviter/", views.campaign_send, name="campaign_send"),
    path(campaign + "relancer/", views.campaign_remind, name="campaign_remind"),
    path(invitation + "revoquer/", views.invitation_revoke, name="invitation_revoke"),
    path(invitation + "nouveau-lien/", views.invitation_regenerate, name="invitation_regenerate"),
    path(assisted, views.assisted, name="assisted"),
    path(assisted + "terminer/", views.assisted_finish, name="assisted_finish"),
    path("questionnaires/", views.version_list, name="version_list"),
    path("questionnaires/importer/", views.version_upload, name="version_upload"),
    path(version, views.version_detail, name="version_detail"),
    path(version + "telecharger/", views.version_download, name="version_download"),
    path(version + "copier/", views.version_copy, name="version_copy"),
    path(version + "publier/", views.version_publish, name="version_publish"),
    # The individual reports (staff pages), written alongside.
    path("", include("balise.diagnostics.report_urls")),
]
