"""API fixtures: a test client that carries a user's API token."""

import pytest
from django.test import Client

from balise.api.models import ApiToken


def providers_url(office, provider=None) -> str:
    url = f"/api/v1/offices/{office.slug}/providers"
    if provider is not None:
        url += f"/{getattr(provider, 'pk', provider)}"
    return url


@pytest.fixture
def api_client():
    """``api_client(animator).get(url)``: a client sending a fresh token of that user.

    ``api_client(user, scheme="Token")`` uses the other accepted header form.
    """

    def for_user(user, *, scheme: str = "Bearer", **client_kwargs) -> Client:
        _token, raw = ApiToken.issue(user=user, name="tests")
        return Client(headers={"Authorization": f"{scheme} {raw}"}, **client_kwargs)

    return for_user
