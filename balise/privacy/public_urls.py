from django.urls import path

from . import views

app_name = "privacy_public"
urlpatterns = [
    path("<slug:office_slug>/", views.notice, name="notice"),
]
