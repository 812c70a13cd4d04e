"""Token authentication: who gets in, who is refused, and what a refusal looks like."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from balise.api.models import ApiToken

from ..factories import ProviderFactory
from .conftest import providers_url

pytestmark = pytest.mark.django_db

OFFICES = "/api/v1/offices/"


def get_with_header(value: str | None):
    headers = {"Authorization": value} if value is not None else {}
    return Client(headers=headers).get(OFFICES)


def assert_refused(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["WWW-Authenticate"] == 'Bearer realm="balise"'
    return response.json()["detail"]


def test_missing_header_gives_401_explaining_the_header_in_french():
    detail = assert_refused(get_with_header(None))
    assert detail == (
        "Authentification requise : envoyez votre jeton d'API dans l'en-tête "
        "« Authorization: Bearer bal_… »."
    )


@pytest.mark.parametrize(
    "header",
    [
        "Bearer bal_this-token-was-never-issued",
        "Bearer not-even-a-balise-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "bal_without-scheme",
        "Bearer bal_" + "x" * 5000,
    ],
)
def test_unknown_or_malformed_token_gives_401(header):
    detail = assert_refused(get_with_header(header))
    assert detail == "Jeton d'API invalide ou révoqué, ou compte désactivé."


def test_revoked_token_gives_401(animator):
    token, raw = ApiToken.issue(user=animator, name="ancien script")
    token.revoke()
    assert_refused(get_with_header(f"Bearer {raw}"))


def test_inactive_user_token_gives_401(animator):
    _token, raw = ApiToken.issue(user=animator, name="script")
    animator.is_active = False
    animator.save()
    assert_refused(get_with_header(f"Bearer {raw}"))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Token", "token"])
def test_bearer_and_token_schemes_are_accepted(animator, scheme):
    _token, raw = ApiToken.issue(user=animator, name="script")
    response = get_with_header(f"{scheme} {raw}")
    assert response.status_code == 200


def test_logged_in_session_does_not_authenticate_the_api(client_for, animator, office):
    # Sessions are ignored on purpose: no cookie-authorised calls, hence no CSRF exposure.
    response = client_for(animator).get(providers_url(office))
    assert response.status_code == 401


def test_writes_need_no_csrf_token(api_client, animator, office):
    client = api_client(animator, enforce_csrf_checks=True)
    response = client.post(providers_url(office), {"name": "Gîte"}, content_type="application/json")
    assert response.status_code == 201


def test_last_used_at_is_recorded_at_most_once_a_minute(animator):
    token, raw = ApiToken.issue(user=animator, name="script")
    assert token.last_used_at is None

    get_with_header(f"Bearer {raw}")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    with CaptureQueriesContext(connection) as queries:
        get_with_header(f"Bearer {raw}")
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    get_with_header(f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(seconds=1)
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)


def test_a_token_acts_for_its_own_user_only(api_client, animator, outsider, office, other_office):
    ProviderFactory(office=office, name="Chez nous")
    ProviderFactory(office=other_office, name="Chez eux")
    assert api_client(animator).get(providers_url(other_office)).status_code == 404
    names = [
        p["name"] for p in api_client(outsider).get(providers_url(other_office)).json()["items"]
    ]
    assert names == ["Chez eux"]
