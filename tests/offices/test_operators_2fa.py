"""Platform operators (is_staff / is_superuser) and the second factor: with
``BALISE_OPERATORS_2FA`` they enrol an authenticator app before reaching the admin site
or any staff page, the way admins of an office that requires it do."""

import importlib.util

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from balise.offices import twofactor
from balise.offices.models import TOTPDevice, User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/offices/office/", "/admin/members/provider/"]


def code_now(secret, clock):
    return twofactor.code_at(secret, twofactor.current_step(clock.now))


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("ops@example.org", PASSWORD)


@pytest.fixture
def staff_operator(db):
    """An operator with access to the admin site but not a superuser."""
    return UserFactory(email="support@example.org", is_staff=True)


@pytest.fixture
def rule_on():
    with override_settings(BALISE_OPERATORS_2FA=True):
        yield


@pytest.fixture
def rule_off():
    with override_settings(BALISE_OPERATORS_2FA=False):
        yield


def enrol(user, clock) -> str:
    secret = twofactor.new_secret()
    assert twofactor.enrol(user=user, secret=secret, code=code_now(secret, clock))
    clock.now += 30  # the enrolment code is used; the next login needs the next one
    return secret


@pytest.mark.usefixtures("rule_on")
class TestRuleOn:
    @pytest.mark.parametrize("path", ADMIN_PAGES)
    def test_an_operator_without_a_device_is_sent_to_enrolment(self, client_for, operator, path):
        response = client_for(operator).get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("totp_setup")
        [message] = [str(m) for m in get_messages(response.wsgi_request)]
        assert message == (
            "Les comptes d'administration technique doivent activer la double "
            "authentification pour continuer."
        )

    def test_a_staff_operator_who_is_not_superuser_is_concerned_too(
        self, client_for, staff_operator
    ):
        client = client_for(staff_operator)
        assert client.get("/admin/")["Location"] == reverse("totp_setup")
        assert client.get(reverse("home"))["Location"] == reverse("totp_setup")

    def test_an_operator_with_a_device_reaches_the_admin(self, client_for, operator, clock):
        enrol(operator, clock)
        client = client_for(operator)
        for path in ADMIN_PAGES:
            assert client.get(path).status_code == 200, path

    def test_an_operator_cannot_turn_the_second_factor_off(self, client_for, operator, clock):
        secret = enrol(operator, clock)
        client = client_for(operator)
        account = client.get(reverse("account")).content.decode()
        assert "Désactiver la double authentification" not in account
        assert "doivent garder la double authentification" in account
        response = client.post(reverse("totp_disable"), {"code": code_now(secret, clock)})
        assert response["Location"] == reverse("account")
        assert TOTPDevice.objects.filter(user=operator).exists()

    def test_enrolment_page_and_logout_stay_reachable(self, client_for, operator):
        client = client_for(operator)
        page = client.get(reverse("totp_setup"))
        assert page.status_code == 200
        assert '<svg role="img"' in page.content.decode()
        assert client.get(reverse("account")).status_code == 200
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session

    def test_the_admin_logout_stays_reachable(self, client_for, operator):
        client = client_for(operator)
        response = client.post(reverse("admin:logout"))
        assert response["Location"] == reverse("login")  # LOGOUT_REDIRECT_URL, not enrolment
        assert "_auth_user_id" not in client.session

    def test_enrolling_opens_the_admin_without_a_loop(self, client_for, operator, clock):
        client = client_for(operator)
        assert client.get("/admin/")["Location"] == reverse("totp_setup")
        client.get(reverse("totp_setup"))
        secret = client.session["balise_totp_secret"]
        response = client.post(reverse("totp_setup"), {"code": code_now(secret, clock)})
        assert response.status_code == 200  # the recovery codes, shown once
        assert TOTPDevice.objects.filter(user=operator).count() == 1
        assert client.get("/admin/").status_code == 200
        # A second submit (double click, back button) enrols nothing new and sends away.
        again = client.post(reverse("totp_setup"), {"code": code_now(secret, clock)})
        assert again["Location"] == reverse("account")
        assert TOTPDevice.objects.filter(user=operator).count() == 1

    def test_a_plain_animator_is_not_concerned(self, client_for, animator, office):
        client = client_for(animator)
        assert client.get(reverse("offices:home", args=[office.slug])).status_code == 200
        assert client.get(reverse("home")).status_code == 302  # to their only office
        assert client.get(reverse("home")).get("Location") != reverse("totp_setup")
        # The admin site stays closed to office staff, and not because of enrolment.
        response = client.get("/admin/")
        assert response["Location"].startswith(reverse("admin:login"))
        assert not twofactor.must_enrol(animator)

    def test_the_rule_follows_the_removal_of_staff_status(self, client_for, staff_operator):
        client = client_for(staff_operator)
        assert twofactor.must_enrol(staff_operator)
        assert client.get(reverse("home"))["Location"] == reverse("totp_setup")
        staff_operator.is_staff = False
        staff_operator.save()
        staff_operator.refresh_from_db()
        assert not twofactor.must_enrol(staff_operator)
        # The next request reads the account afresh: no enrolment redirect any more, and
        # the admin site is closed to them.
        assert client.get(reverse("home")).get("Location") != reverse("totp_setup")
        assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))

    def test_public_pages_are_not_concerned(self, client_for, operator):
        client = client_for(operator)
        assert client.get(reverse("health")).status_code == 200
        assert client.get("/confidentialite/nulle-part/").status_code == 404

    def test_the_password_alone_does_not_open_the_admin(self, client, operator):
        response = client.post(
            reverse("login") + "?next=/admin/", {"username": operator.email, "password": PASSWORD}
        )
        assert response["Location"] == "/admin/"
        assert client.get("/admin/")["Location"] == reverse("totp_setup")


@pytest.mark.usefixtures("rule_off")
class TestRuleOff:
    def test_an_operator_without_a_device_reaches_the_admin(self, client_for, operator):
        client = client_for(operator)
        for path in ADMIN_PAGES:
            assert client.get(path).status_code == 200, path
        assert not twofactor.must_enrol(operator)

    def test_an_office_rule_still_applies_to_an_operator_who_is_an_office_admin(
        self, client_for, operator
    ):
        User.objects.filter(pk=operator.pk).update(two_factor_required=True)
        operator.refresh_from_db()
        response = client_for(operator).get("/admin/")
        assert response["Location"] == reverse("totp_setup")
        [message] = [str(m) for m in get_messages(response.wsgi_request)]
        assert "Votre office exige" in message


@pytest.mark.usefixtures("rule_on")
class TestLoginToTheAdmin:
    """The admin site has no login of its own: Balise's login, with the code step."""

    def test_the_admin_login_goes_through_balise_login(self, client):
        response = client.get(reverse("admin:login") + "?next=/admin/")
        assert response["Location"] == reverse("login") + "?next=/admin/"

    def test_an_enrolled_operator_gives_a_code_before_the_admin(self, client, operator, clock):
        secret = enrol(operator, clock)
        response = client.post(
            reverse("login") + "?next=/admin/", {"username": operator.email, "password": PASSWORD}
        )
        assert response["Location"] == reverse("login_code")
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))

        wrong = client.post(reverse("login_code"), {"code": "000000"})
        assert wrong.status_code == 200 and "_auth_user_id" not in client.session
        response = client.post(reverse("login_code"), {"code": code_now(secret, clock)})
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


def _load_settings(monkeypatch, **env):
    """Execute balise/settings.py afresh with ``env``, as a server would at start-up."""
    for name in ("BALISE_DEBUG", "BALISE_OPERATORS_2FA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BALISE_SECRET_KEY", "k" * 50)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "balise_settings_probe", settings.BASE_DIR / "balise" / "settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BALISE_OPERATORS_2FA


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BALISE_DEBUG": "0"}, True),  # production: on
        ({"BALISE_DEBUG": "1"}, False),  # development and `make demo`: off
        ({}, False),  # DEBUG defaults to on
        ({"BALISE_DEBUG": "0", "BALISE_OPERATORS_2FA": "0"}, False),
        ({"BALISE_DEBUG": "1", "BALISE_OPERATORS_2FA": "1"}, True),
    ],
)
def test_the_setting_defaults_to_on_in_production_only(monkeypatch, env, expected):
    assert _load_settings(monkeypatch, **env) is expected


def test_deploy_check_warns_when_operators_go_without_a_second_factor():
    from django.core.checks import run_checks

    def warnings():
        messages = run_checks(include_deployment_checks=True)
        return [message.id for message in messages if message.id.startswith("balise.")]

    with override_settings(DEBUG=False, BALISE_OPERATORS_2FA=False):
        assert warnings() == ["balise.W001"]
    with override_settings(DEBUG=False, BALISE_OPERATORS_2FA=True):
        assert warnings() == []
