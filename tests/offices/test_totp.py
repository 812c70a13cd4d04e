"""The second factor: enrolment, the two-step login, recovery codes, disabling, and the
office rule that requires it of admins."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from balise.offices import twofactor
from balise.offices.models import Membership, RecoveryCode, Role, TOTPDevice, User

from ..factories import PASSWORD, MembershipFactory, OfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # rate-limit counters


def code_now(secret, clock, offset=0):
    return twofactor.code_at(secret, twofactor.current_step(clock.now) + offset)


@pytest.fixture
def enrolled(animator, clock):
    """The animator with an authenticator app; returns the secret and recovery codes."""
    secret = twofactor.new_secret()
    codes = twofactor.enrol(user=animator, secret=secret, code=code_now(secret, clock))
    clock.now += 30  # the enrolment code is used; move to the next step
    return secret, codes


def login(client, user, password=PASSWORD, next_url=""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": password})


class TestEnrolment:
    def test_the_page_shows_a_qr_code_and_the_key(self, client_for, animator):
        client = client_for(animator)
        response = client.get(reverse("totp_setup"))
        body = response.content.decode()
        assert response.status_code == 200
        assert '<svg role="img" aria-label="QR code' in body
        assert "otpauth://totp/Balise:animatrice%40haut-vallon.example?secret=" in body
        assert "style=" not in body and "<script>" not in body
        secret = client.session["balise_totp_secret"]
        assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
        # The same secret until it is confirmed (reloading must not break the scan).
        client.get(reverse("totp_setup"))
        assert client.session["balise_totp_secret"] == secret

    def test_a_valid_code_enrols_and_shows_ten_recovery_codes_once(
        self, client_for, animator, clock
    ):
        client = client_for(animator)
        client.get(reverse("totp_setup"))
        secret = client.session["balise_totp_secret"]
        response = client.post(reverse("totp_setup"), {"code": code_now(secret, clock)})
        assert response.status_code == 200
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
        assert len(set(codes)) == 10
        assert "no-store" in response["Cache-Control"]
        device = TOTPDevice.objects.get(user=animator)
        assert device.secret == secret
        stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
        assert len(stored) == 10 and not stored & set(codes)  # hashed, never in clear
        assert "balise_totp_secret" not in client.session
        assert client.get(reverse("account")).status_code == 200

    def test_a_wrong_code_enrols_nothing(self, client_for, animator, clock):
        client = client_for(animator)
        client.get(reverse("totp_setup"))
        secret = client.session["balise_totp_secret"]
        wrong = f"{(int(code_now(secret, clock)) + 1) % 1_000_000:06d}"
        response = client.post(reverse("totp_setup"), {"code": wrong})
        assert response.status_code == 200
        assert "Code incorrect" in response.content.decode()
        assert not TOTPDevice.objects.exists()

    def test_the_enrolment_page_needs_a_login(self, client):
        response = client.get(reverse("totp_setup"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestLogin:
    def test_without_a_device_the_password_is_enough(self, client, animator):
        response = login(client, animator)
        assert response.status_code == 302
        assert "_auth_user_id" in client.session

    def test_with_a_device_the_password_step_does_not_log_in(self, client, animator, enrolled):
        response = login(client, animator)
        assert response["Location"] == reverse("login_code")
        assert "_auth_user_id" not in client.session
        # Office pages stay closed until the code is given.
        office_home = reverse("offices:home", args=["haut-vallon"])
        assert client.get(office_home).status_code == 302

    def test_a_good_code_logs_in_and_goes_to_next(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        next_url = reverse("offices:home", args=["haut-vallon"])
        login(client, animator, next_url=next_url)
        response = client.post(reverse("login_code"), {"code": code_now(secret, clock)})
        assert response.status_code == 302
        assert response["Location"] == next_url
        assert client.session["_auth_user_id"] == str(animator.pk)

    def test_an_offsite_next_is_ignored(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        client.post(
            reverse("login") + "?next=https://evil.example/",
            {"username": animator.email, "password": PASSWORD},
        )
        response = client.post(reverse("login_code"), {"code": code_now(secret, clock)})
        assert response["Location"] == reverse("home")

    def test_the_previous_and_next_codes_are_accepted(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        for offset in (-1, 1):
            client.logout()
            clock.now += 90
            login(client, animator)
            response = client.post(reverse("login_code"), {"code": code_now(secret, clock, offset)})
            assert response.status_code == 302, offset

    def test_an_older_code_is_refused(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        login(client, animator)
        response = client.post(reverse("login_code"), {"code": code_now(secret, clock, -2)})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_a_code_cannot_be_used_twice(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        code = code_now(secret, clock)
        login(client, animator)
        client.post(reverse("login_code"), {"code": code})
        client.logout()
        login(client, animator)
        response = client.post(reverse("login_code"), {"code": code})
        assert response.status_code == 200
        assert "Code incorrect ou déjà utilisé" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_recovery_code_works_once(self, client, animator, enrolled):
        _secret, codes = enrolled
        login(client, animator)
        response = client.post(reverse("login_code"), {"code": codes[0].upper()}, follow=True)
        assert client.session["_auth_user_id"] == str(animator.pk)
        assert "il vous en reste 9" in response.content.decode()
        client.logout()
        login(client, animator)
        client.post(reverse("login_code"), {"code": codes[0]})
        assert "_auth_user_id" not in client.session

    def test_the_code_step_expires(self, client, animator, enrolled, clock):
        secret, _codes = enrolled
        login(client, animator)
        clock.now += 6 * 60
        response = client.post(reverse("login_code"), {"code": code_now(secret, clock)})
        assert response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session

    def test_the_code_step_without_a_password_step_goes_back(self, client):
        response = client.get(reverse("login_code"))
        assert response["Location"] == reverse("login")

    def test_wrong_codes_lock_the_account_like_wrong_passwords(
        self, client, animator, enrolled, clock, settings
    ):
        secret, _codes = enrolled
        login(client, animator)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post(reverse("login_code"), {"code": "000000"})
        assert response.status_code in (403, 429)
        assert "temporairement bloquée" in response.content.decode()
        # Even the right code and password are refused now.
        login(client, animator)
        client.post(reverse("login_code"), {"code": code_now(secret, clock)})
        assert "_auth_user_id" not in client.session


class TestAccount:
    def test_the_account_page_shows_the_state(self, client_for, animator, enrolled):
        body = client_for(animator).get(reverse("account")).content.decode()
        assert "Activée" in body
        assert "10 codes de secours restants" in body

    def test_disable_needs_a_good_code(self, client_for, animator, enrolled, clock):
        secret, _codes = enrolled
        client = client_for(animator)
        client.post(reverse("totp_disable"), {"code": "123456"})
        assert TOTPDevice.objects.filter(user=animator).exists()
        client.post(reverse("totp_disable"), {"code": code_now(secret, clock)})
        assert not TOTPDevice.objects.filter(user=animator).exists()
        assert not RecoveryCode.objects.exists()

    def test_new_recovery_codes_replace_the_old_ones(self, client_for, animator, enrolled, clock):
        secret, old = enrolled
        response = client_for(animator).post(
            reverse("totp_recovery_codes"), {"code": code_now(secret, clock)}
        )
        new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
        assert len(new) == 10 and not set(new) & set(old)
        clock.now += 30
        assert twofactor.verify(user=animator, code=old[1]) is None
        assert twofactor.verify(user=animator, code=new[1]) == "recovery"

    def test_the_disable_and_regenerate_urls_only_take_posts(self, client_for, animator):
        client = client_for(animator)
        assert client.get(reverse("totp_disable")).status_code == 405
        assert client.get(reverse("totp_recovery_codes")).status_code == 405


class TestOfficeRule:
    def settings_url(self, office):
        return reverse("offices:settings", args=[office.slug])

    def form(self, office, **changes):
        return {
            "name": office.name,
            "territory": office.territory,
            "email": office.email,
            "phone": office.phone,
            "website": office.website,
            "address": office.address,
            "tourinsoft_mapping": "",
            **changes,
        }

    def test_an_admin_without_a_device_cannot_turn_it_on(self, client_for, admin_user, office):
        response = client_for(admin_user).post(
            self.settings_url(office), self.form(office, require_admin_2fa="on")
        )
        assert response.status_code == 200
        assert "double authentification sur votre propre compte" in response.content.decode()
        office.refresh_from_db()
        assert not office.require_admin_2fa

    def test_turning_it_on_sends_the_other_admins_to_enrolment(
        self, client, client_for, admin_user, animator, reader, office, clock
    ):
        secret = twofactor.new_secret()
        twofactor.enrol(user=admin_user, secret=secret, code=code_now(secret, clock))
        other_admin = MembershipFactory(office=office, role=Role.ADMIN).user
        response = client_for(admin_user).post(
            self.settings_url(office), self.form(office, require_admin_2fa="on")
        )
        assert response.status_code == 302
        office.refresh_from_db()
        assert office.require_admin_2fa
        assert set(User.objects.filter(two_factor_required=True)) == {admin_user, other_admin}

        client.logout()
        response = login(client, other_admin)  # password only: not enrolled yet
        response = client.get(response["Location"], follow=True)
        assert response.redirect_chain[-1][0] == reverse("totp_setup")
        assert "exige la double authentification" in response.content.decode()
        for url in [
            reverse("offices:home", args=[office.slug]),
            reverse("members:provider_list", args=[office.slug]),
            reverse("home"),
        ]:
            assert client.get(url)["Location"] == reverse("totp_setup"), url
        assert client.get(reverse("account")).status_code == 200
        # Animators and readers of the office are not concerned.
        for user in (animator, reader):
            home = client_for(user).get(reverse("offices:home", args=[office.slug]))
            assert home.status_code == 200

    def test_an_enrolled_admin_cannot_disable_while_required(
        self, client_for, admin_user, office, clock
    ):
        secret = twofactor.new_secret()
        twofactor.enrol(user=admin_user, secret=secret, code=code_now(secret, clock))
        office.require_admin_2fa = True
        office.save()
        clock.now += 30
        client = client_for(admin_user)
        assert client.get(reverse("offices:home", args=[office.slug])).status_code == 200
        client.post(reverse("totp_disable"), {"code": code_now(secret, clock)})
        assert TOTPDevice.objects.filter(user=admin_user).exists()

    def test_the_flag_follows_roles_and_memberships(self, admin_user, animator, office):
        office.require_admin_2fa = True
        office.save()
        membership = Membership.objects.get(user=animator)
        membership.role = Role.ADMIN
        membership.save()
        animator.refresh_from_db()
        assert animator.two_factor_required
        membership.delete()
        animator.refresh_from_db()
        assert not animator.two_factor_required
        # An admin of another office that does not require it is not concerned.
        elsewhere = MembershipFactory(office=OfficeFactory(), role=Role.ADMIN).user
        assert not User.objects.get(pk=elsewhere.pk).two_factor_required

    def test_a_reader_cannot_change_the_rule(self, client_for, reader, office):
        url = self.settings_url(office)
        data = self.form(office, require_admin_2fa="on")
        assert client_for(reader).post(url, data).status_code == 403
        office.refresh_from_db()
        assert not office.require_admin_2fa
