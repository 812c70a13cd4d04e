from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.provider_list, name="provider_list"),
    path("nouveau/", views.provider_create, name="provider_create"),
    path("export.csv", views.provider_export_csv, name="provider_export_csv"),
    path("export.xlsx", views.provider_export_xlsx, name="provider_export_xlsx"),
    path("<int:provider_id>/", views.provider_detail, name="provider_detail"),
    path("<int:provider_id>/modifier/", views.provider_edit, name="provider_edit"),
    path("<int:provider_id>/archiver/", views.provider_archive, name="provider_archive"),
    path("<int:provider_id>/restaurer/", views.provider_restore, name="provider_restore"),
    path("imports/", views.import_start, name="import_start"),
    path("imports/<int:batch_id>/colonnes/", views.import_mapping, name="import_mapping"),
    path("imports/<int:batch_id>/apercu/", views.import_preview, name="import_preview"),
    path("imports/<int:batch_id>/", views.import_result, name="import_result"),
    path("imports/<int:batch_id>/progression/", views.import_progress, name="import_progress"),
    path("imports/<int:batch_id>/rejets.xlsx", views.import_rejected, name="import_rejected"),
]
