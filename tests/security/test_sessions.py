"""Password rules, idle sessions, the admin site's login, production settings."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


class TestPasswordRules:
    def test_twelve_characters_at_least(self):
        with pytest.raises(ValidationError) as error:
            validate_password("kestrel-9q2")  # 11 characters
        assert "12 caractères" in " ".join(error.value.messages)
        validate_password("kestrel-9q2x")

    def test_common_passwords_are_refused(self):
        with pytest.raises(ValidationError) as error:
            validate_password("qwerty123456")
        assert "trop courant" in " ".join(error.value.messages)

    def test_the_password_change_form_applies_them(self, client_for, animator):
        response = client_for(animator).post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "court-1", "new_password2": "court-1"},
        )
        assert response.status_code == 200
        animator.refresh_from_db()
        assert animator.check_password(PASSWORD)


class TestIdleSessions:
    def test_a_session_idle_past_the_age_is_logged_out(
        self, client, animator, office, frozen_clock, settings
    ):
        settings.SESSION_COOKIE_AGE = 3600
        client.post(reverse("login"), {"username": animator.email, "password": PASSWORD})
        home = reverse("offices:home", args=[office.slug])
        assert client.get(home).status_code == 200
        frozen_clock.now += 3601
        response = client.get(home)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "Votre session a expiré" in page.content.decode()

    def test_activity_keeps_the_session_alive(
        self, client, animator, office, frozen_clock, settings
    ):
        settings.SESSION_COOKIE_AGE = 3600
        client.post(reverse("login"), {"username": animator.email, "password": PASSWORD})
        home = reverse("offices:home", args=[office.slug])
        for _ in range(4):  # four hours of use, a request every 50 minutes
            frozen_clock.now += 3000
            assert client.get(home).status_code == 200

    def test_reading_a_page_does_not_write_the_session_each_time(
        self, client_for, animator, office, django_assert_num_queries
    ):
        client = client_for(animator)
        url = reverse("account")
        client.get(url)
        # session, user, tokens, memberships, TOTP device, recovery codes: no session write
        with django_assert_num_queries(6):
            client.get(url)


class TestAdminLogin:
    def test_the_admin_login_form_is_replaced_by_balise_login(self, client):
        response = client.get(reverse("admin:login") + "?next=/admin/")
        assert response.status_code == 302
        assert response["Location"] == reverse("login") + "?next=/admin/"

    def test_posting_to_the_admin_login_logs_nobody_in(self, client, animator):
        animator.is_staff = True
        animator.save()
        client.post(reverse("admin:login"), {"username": animator.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session

    def test_a_non_staff_user_is_refused(self, client_for, animator):
        response = client_for(animator).get(reverse("admin:login"))
        assert response.status_code == 403


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "BALISE_DEBUG": "0",
        "BALISE_SECRET_KEY": "x" * 20 + "a-long-random-production-key-" + "y" * 20,
        "BALISE_ALLOWED_HOSTS": "balise.example.org",
        "BALISE_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser tests set this for their own process; a server never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "balise", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
