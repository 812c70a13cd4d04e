from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from balise.api.urls import api
from balise.lib import health
from balise.offices import views as office_views

urlpatterns = [
    path("", office_views.home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("compte/", include("balise.offices.account_urls")),
    path("o/<slug:office_slug>/", include("balise.offices.urls")),
    path("o/<slug:office_slug>/prestataires/", include("balise.members.urls")),
    path("o/<slug:office_slug>/diagnostics/", include("balise.diagnostics.urls")),
    path("o/<slug:office_slug>/audits/", include("balise.audits.urls")),
    path("o/<slug:office_slug>/etude/", include("balise.insights.urls")),
    path("o/<slug:office_slug>/ateliers/", include("balise.workshops.urls")),
    path("o/<slug:office_slug>/journal/", include("balise.trail.urls")),
    path("o/<slug:office_slug>/rgpd/", include("balise.privacy.urls")),
    path("reseau/<slug:network_slug>/", include("balise.insights.network_urls")),
    path("r/", include("balise.diagnostics.public_urls")),
    path("ateliers/", include("balise.workshops.public_urls")),
    path("confidentialite/", include("balise.privacy.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("sante/", health.health, name="health"),
    # Browsers ask for /favicon.ico where a page names no icon (the admin, the API docs).
    # Lazy: the static file's hashed name is only known once the app is loaded.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("balise/favicon.ico"))),
]
# Media files (uploaded import files) are never served: they hold members' personal data.
