"""An office that requires a second factor of its admins: API tokens wait for it too.

A token acts as its user without any second factor, so an admin who has not enrolled
must neither create one on the account page nor use one issued before the rule.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from balise.api.models import ApiToken
from balise.offices import twofactor

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Votre compte doit activer la double authentification avant de créer ou d'utiliser "
    "un jeton d'API."
)


@pytest.fixture
def office_requiring_2fa(office, admin_user):
    office.require_admin_2fa = True
    office.save()
    admin_user.refresh_from_db()
    assert admin_user.two_factor_required
    return office


def create_token(client):
    return client.post(reverse("account"), {"create_token": "1", "name": "script"})


def api_get(raw, office):
    return Client(headers={"Authorization": f"Bearer {raw}"}).get(
        f"/api/v1/offices/{office.slug}/providers"
    )


def test_an_admin_who_never_enrolled_cannot_create_a_token(
    client_for, admin_user, office_requiring_2fa
):
    client = client_for(admin_user)
    page = client.get(reverse("account"))
    assert page.status_code == 200
    assert b'name="create_token"' not in page.content
    assert escape(REFUSAL) in page.content.decode()

    response = create_token(client)  # a forged POST, the button is not even shown
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=admin_user).exists()


def test_a_token_issued_before_the_rule_is_refused_until_enrolment(admin_user, office, clock):
    _token, raw = ApiToken.issue(user=admin_user, name="ancien script")
    assert api_get(raw, office).status_code == 200

    office.require_admin_2fa = True
    office.save()
    response = api_get(raw, office)
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSAL
    for path in (f"/api/v1/offices/{office.slug}/labels", "/api/v1/offices/"):
        assert Client(headers={"Authorization": f"Bearer {raw}"}).get(path).status_code == 403

    secret = twofactor.new_secret()
    code = twofactor.code_at(secret, twofactor.current_step())
    assert twofactor.enrol(user=admin_user, secret=secret, code=code) is not None
    assert api_get(raw, office).status_code == 200


def test_an_enrolled_admin_creates_tokens_as_before(
    client_for, admin_user, office_requiring_2fa, clock
):
    secret = twofactor.new_secret()
    twofactor.enrol(
        user=admin_user, secret=secret, code=twofactor.code_at(secret, twofactor.current_step())
    )
    client = client_for(admin_user)
    response = create_token(client)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=admin_user)
    raw = response.context["new_token"]
    assert token.prefix == raw[:10]
    assert api_get(raw, office_requiring_2fa).status_code == 200


def test_animators_of_the_office_are_not_concerned(client_for, animator, office_requiring_2fa):
    response = create_token(client_for(animator))
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert api_get(raw, office_requiring_2fa).status_code == 200
