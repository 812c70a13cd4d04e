"""Response headers: the same strict Content-Security-Policy everywhere, and the other
protections `check --deploy` looks for."""

import pytest
from django.urls import reverse

from balise.diagnostics import invitations
from balise.diagnostics.models import Invitation
from balise.offices.models import User

from ..diagnostics.factories import CampaignFactory
from ..factories import ProviderFactory

pytestmark = pytest.mark.django_db

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_login_page_has_the_strict_policy(client):
    response = client.get(reverse("login"))
    assert directives(response) == directives_of(STRICT)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def directives_of(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_office_pages_respondent_pages_and_the_api_have_it(client_for, office, animator):
    campaign = CampaignFactory(office=office)
    invitations.invite(campaign=campaign, providers=[ProviderFactory(office=office)])
    invitation = Invitation.objects.get()
    client = client_for(animator)
    for url in [
        reverse("offices:home", args=[office.slug]),
        reverse("account"),
        reverse("respond:welcome", args=[invitation.token]),
        f"/api/v1/offices/{office.slug}/providers",  # 401 JSON
    ]:
        response = client.get(url)
        assert directives(response) == directives_of(STRICT), url


def test_error_pages_have_it(client, settings):
    settings.DEBUG = False
    response = client.get("/r/pas-un-jeton/")
    assert response.status_code == 404
    assert directives(response) == directives_of(STRICT)


def test_the_admin_site_and_the_api_docs_have_no_exception(client):
    superuser = User.objects.create_superuser("ops@example.org", "x")
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    for url in [reverse("admin:index"), "/api/v1/docs"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response) == directives_of(STRICT), url
