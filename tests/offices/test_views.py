import pytest
from django.core import mail
from django.urls import reverse

from balise.offices.models import Membership, Role

from ..factories import MembershipFactory, UserFactory


def staff_url(office, name="offices:staff_list", **kwargs):
    return reverse(name, kwargs={"office_slug": office.slug, **kwargs})


@pytest.mark.django_db
class TestLogin:
    def test_login_with_email_sends_to_the_office(self, client, animator, office, password):
        response = client.post(reverse("login"), {"username": animator.email, "password": password})
        assert response.status_code == 302
        home = client.get(response["Location"])
        assert home.status_code == 302
        assert home["Location"] == reverse("offices:home", kwargs={"office_slug": office.slug})

    def test_login_page_is_french_by_default(self, client):
        response = client.get(reverse("login"))
        assert "Connexion à Balise" in response.content.decode()
        assert '<html lang="fr">' in response.content.decode()

    def test_english_is_available(self, client):
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = client.get(reverse("login"))
        assert '<html lang="en">' in response.content.decode()
        assert "Log in to Balise" in response.content.decode()

    def test_failed_logins_are_throttled(self, client, animator, password):
        for _attempt in range(5):
            client.post(reverse("login"), {"username": animator.email, "password": "mauvais"})
        # Even the right password is refused once the account is locked for this address.
        response = client.post(reverse("login"), {"username": animator.email, "password": password})
        assert response.status_code == 429
        assert "bloquée" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_password_reset_email_lets_the_user_choose_a_new_password(self, client, animator):
        client.post(reverse("password_reset"), {"email": animator.email})
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        link = next(line for line in body.splitlines() if "/compte/mot-de-passe/nouveau/" in line)
        path = link.split("testserver", 1)[1]
        form_page = client.get(path, follow=True)
        assert form_page.context["validlink"]
        new_password = "un-nouveau-mot-de-passe-solide"
        response = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
        assert response.status_code == 302
        animator.refresh_from_db()
        assert animator.check_password(new_password)

    def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(self, client, db):
        response = client.post(reverse("password_reset"), {"email": "inconnu@example.org"})
        assert response.status_code == 302
        assert mail.outbox == []


@pytest.mark.django_db
class TestStaff:
    def test_admin_sees_the_team(self, client_for, admin_user, animator, office):
        response = client_for(admin_user).get(staff_url(office))
        assert response.status_code == 200
        assert animator.email in response.content.decode()

    @pytest.mark.parametrize("role_fixture", ["animator", "reader"])
    def test_non_admins_cannot_manage_the_team(self, request, client_for, office, role_fixture):
        user = request.getfixturevalue(role_fixture)
        client = client_for(user)
        assert client.get(staff_url(office)).status_code == 403
        response = client.post(
            staff_url(office, "offices:staff_add"), {"email": "x@example.org", "role": "admin"}
        )
        assert response.status_code == 403
        assert not Membership.objects.filter(user__email="x@example.org").exists()

    def test_admin_adds_a_new_person_who_gets_an_invitation(self, client_for, admin_user, office):
        response = client_for(admin_user).post(
            staff_url(office, "offices:staff_add"),
            {
                "email": "Nouvelle@Example.org",
                "full_name": "Nouvelle Animatrice",
                "role": Role.READER,
            },
        )
        assert response.status_code == 302
        membership = Membership.objects.get(office=office, user__email="nouvelle@example.org")
        assert membership.role == Role.READER
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["nouvelle@example.org"]

    def test_admin_changes_a_role(self, client_for, admin_user, animator, office):
        membership = animator.memberships.get()
        client_for(admin_user).post(
            staff_url(office, "offices:staff_edit", membership_id=membership.pk),
            {"role": Role.READER},
        )
        membership.refresh_from_db()
        assert membership.role == Role.READER

    def test_the_last_admin_cannot_be_demoted_or_removed(self, client_for, admin_user, office):
        membership = admin_user.memberships.get()
        client = client_for(admin_user)
        response = client.post(
            staff_url(office, "offices:staff_edit", membership_id=membership.pk),
            {"role": Role.READER},
        )
        assert "au moins un administrateur" in response.content.decode()
        client.post(staff_url(office, "offices:staff_remove", membership_id=membership.pk))
        membership.refresh_from_db()
        assert membership.role == Role.ADMIN

    def test_admin_removes_someone(self, client_for, admin_user, animator, office):
        membership = animator.memberships.get()
        client_for(admin_user).post(
            staff_url(office, "offices:staff_remove", membership_id=membership.pk)
        )
        assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
class TestSettingsAndAccount:
    def test_admin_edits_settings_with_a_tourinsoft_mapping(self, client_for, admin_user, office):
        response = client_for(admin_user).post(
            staff_url(office, "offices:settings"),
            {"name": "OT du Haut-Vallon", "tourinsoft_mapping": '{"address": "AdresseComplete"}'},
        )
        assert response.status_code == 302
        office.refresh_from_db()
        assert office.name == "OT du Haut-Vallon"
        assert office.tourinsoft_mapping == {"address": "AdresseComplete"}

    def test_bad_mapping_json_is_refused_in_french(self, client_for, admin_user, office):
        response = client_for(admin_user).post(
            staff_url(office, "offices:settings"),
            {"name": "X", "tourinsoft_mapping": "{pas du json"},
        )
        assert "JSON invalide" in response.content.decode()
        office.refresh_from_db()
        assert office.name != "X"

    def test_reader_cannot_change_settings(self, client_for, reader, office):
        assert (
            client_for(reader)
            .post(staff_url(office, "offices:settings"), {"name": "X"})
            .status_code
            == 403
        )

    def test_token_is_shown_once_and_can_be_revoked(self, client_for, animator):
        client = client_for(animator)
        response = client.post(
            reverse("account"), {"create_token": "1", "name": "Site de l'office"}
        )
        page = response.content.decode()
        token = animator.api_tokens.get()
        assert token.prefix in page
        assert "bal_" in page
        assert token.prefix in client.get(reverse("account")).content.decode()
        client.post(reverse("token_revoke", kwargs={"token_id": token.pk}))
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_cannot_revoke_someone_elses_token(self, client_for, animator, reader):
        from balise.api.models import ApiToken

        token, _raw = ApiToken.issue(user=reader, name="lecteur")
        assert (
            client_for(animator)
            .post(reverse("token_revoke", kwargs={"token_id": token.pk}))
            .status_code
            == 404
        )
        token.refresh_from_db()
        assert token.revoked_at is None


def test_health_endpoint(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.django_db
class TestRecovery:
    def _reset_link(self, client, email):
        client.post(reverse("password_reset"), {"email": email})
        body = mail.outbox[-1].body
        link = next(line for line in body.splitlines() if "/compte/mot-de-passe/nouveau/" in line)
        return link.split("testserver", 1)[1]

    def test_invited_staff_without_a_password_can_get_a_new_link(self, client, office):
        invited = UserFactory(email="invitee@example.org")
        invited.set_unusable_password()
        invited.save()
        MembershipFactory(office=office, user=invited)
        path = self._reset_link(client, "Invitee@Example.org")
        form_page = client.get(path, follow=True)
        assert form_page.context["validlink"]

    def test_choosing_a_new_password_lifts_the_lockout(self, client, animator):
        for _attempt in range(5):
            client.post(reverse("login"), {"username": animator.email, "password": "mauvais"})
        path = self._reset_link(client, animator.email)
        form_page = client.get(path, follow=True)
        new_password = "encore-un-mot-de-passe-solide"
        client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
        response = client.post(
            reverse("login"), {"username": animator.email, "password": new_password}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(animator.pk)

    def test_a_forged_forwarded_for_header_cannot_lock_a_colleague_out(
        self, client, animator, password
    ):
        # No proxy configured: X-Forwarded-For is ignored, the attacker's own address counts.
        for _attempt in range(5):
            client.post(
                reverse("login"),
                {"username": animator.email, "password": "mauvais"},
                REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_FOR="192.0.2.1",
            )
        response = client.post(
            reverse("login"),
            {"username": animator.email, "password": password},
            REMOTE_ADDR="192.0.2.1",
        )
        assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mapping", "error"),
    [
        ('{"contacts": "MoyenDeCom"}', "Clé(s) inconnue(s) : contacts"),
        ('{"category_values": "Gîtes"}', "« category_values » attend un objet"),
        ('{"name": 12}', "« name » attend un nom de champ"),
    ],
)
def test_tourinsoft_mapping_is_checked_against_the_importer(
    client_for, admin_user, office, mapping, error
):
    response = client_for(admin_user).post(
        reverse("offices:settings", kwargs={"office_slug": office.slug}),
        {"name": "X", "tourinsoft_mapping": mapping},
    )
    assert error in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    office.refresh_from_db()
    assert office.tourinsoft_mapping == {}


@pytest.mark.django_db
def test_tourinsoft_mapping_with_value_tables_is_saved(client_for, admin_user, office):
    mapping = (
        '{"address_complete": "AdresseComplete", "category_values": {"Gîtes et meublés": "meuble"}}'
    )
    client_for(admin_user).post(
        reverse("offices:settings", kwargs={"office_slug": office.slug}),
        {"name": "X", "tourinsoft_mapping": mapping},
    )
    office.refresh_from_db()
    assert office.tourinsoft_mapping["category_values"] == {"Gîtes et meublés": "meuble"}


@pytest.mark.django_db
def test_behind_one_proxy_the_address_the_proxy_appended_is_the_one_locked(
    client, settings, animator, password
):
    # BALISE_PROXY_COUNT=1, as the deployment guide sets it behind nginx.
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for _attempt in range(5):
        client.post(
            reverse("login"),
            {"username": animator.email, "password": "mauvais"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9",  # forged entry, then the real one
        )
    colleague = client.post(
        reverse("login"),
        {"username": animator.email, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert colleague.status_code == 302
