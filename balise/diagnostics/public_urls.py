"""The respondent's pages, under ``/r/``: no login, a signed personal link."""

from django.urls import path

from . import respond

app_name = "respond"
urlpatterns = [
    path("<str:token>/", respond.welcome, name="welcome"),
    # Fixed words before the section pattern (no section of a questionnaire uses them).
    path("<str:token>/terminer/", respond.finish, name="finish"),
    path("<str:token>/resultats/", respond.results, name="results"),
    path("<str:token>/resultats/rapport.pdf", respond.results_pdf, name="results_pdf"),
    path("<str:token>/<str:section_code>/", respond.section, name="section"),
]
