"""`balise create_office` and the staff services behind it."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command

from balise.offices import services
from balise.offices.models import Membership, Network, Office, Role, User
from tests.factories import MembershipFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Office de tourisme du Haut-Vallon"


def create_office(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_office", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def invitation_link(message) -> str:
    return next(
        line.strip() for line in message.body.splitlines() if "/mot-de-passe/nouveau/" in line
    )


def assert_nothing_created():
    assert not Office.objects.exists()
    assert not User.objects.exists()
    assert not Network.objects.exists()
    assert mail.outbox == []


class TestCreateOffice:
    def test_creates_the_office_its_admin_and_sends_a_working_link(self, client, settings):
        out, _err = create_office(
            "haut-vallon",
            "--name",
            NAME,
            "--admin",
            " Claire.Fabre@Example.org ",
            "--network",
            "cevennes",
        )

        office = Office.objects.get(slug="haut-vallon")
        assert office.name == NAME
        assert office.network.slug == "cevennes"
        membership = Membership.objects.select_related("user").get(office=office)
        assert membership.role == Role.ADMIN
        assert membership.user.email == "claire.fabre@example.org"
        assert not membership.user.has_usable_password()

        [message] = mail.outbox
        assert message.to == ["claire.fabre@example.org"]
        assert message.subject == f"Balise : vous rejoignez l'équipe « {NAME} »"
        assert "Administrateur" in message.body
        link = invitation_link(message)
        assert link.startswith(settings.SITE_URL)
        assert link in out  # printed too, for when outgoing mail is not set up yet

        # Following the link leads to the set-password form, which works.
        form_page = client.get(urlsplit(link).path, follow=True)
        assert form_page.status_code == 200
        assert form_page.context["validlink"]
        new_password = "un-mot-de-passe-solide-42"
        response = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
        assert response.status_code == 302
        membership.user.refresh_from_db()
        assert membership.user.check_password(new_password)

    def test_without_admin_creates_a_bare_office(self):
        out, _err = create_office("val-d-arre", "--name", "Office de tourisme du Val d'Arre")

        office = Office.objects.get(slug="val-d-arre")
        assert office.network is None
        assert not office.memberships.exists()
        assert mail.outbox == []
        assert "val-d-arre" in out

    def test_an_existing_network_is_reused(self):
        network = Network.objects.create(slug="cevennes", name="Réseau des Cévennes")
        create_office(
            "haut-vallon", "--name", NAME, "--network", "cevennes", "--network-name", "Autre"
        )

        assert Office.objects.get().network == network
        assert Network.objects.get().name == "Réseau des Cévennes"

    def test_an_existing_user_becomes_admin_and_keeps_their_password(self, password):
        user = UserFactory(email="claire@example.org")
        create_office("haut-vallon", "--name", NAME, "--admin", "claire@example.org")

        assert User.objects.count() == 1
        assert Membership.objects.get(user=user).role == Role.ADMIN
        user.refresh_from_db()
        assert user.check_password(password)
        [message] = mail.outbox  # told they joined, with the login page rather than a reset
        assert "/compte/connexion/" in message.body
        assert "/mot-de-passe/nouveau/" not in message.body

    @pytest.mark.parametrize(
        "slug",
        ["Haut-Vallon", "haut vallon", "haut_vallon", "été", "vallon-", "haut--vallon", "x" * 51],
    )
    def test_refuses_an_invalid_slug_and_creates_nothing(self, slug):
        with pytest.raises(CommandError, match="invalide"):
            create_office(
                slug, "--name", NAME, "--admin", "claire@example.org", "--network", "cevennes"
            )
        assert_nothing_created()

    def test_refuses_a_taken_slug_and_creates_nothing(self):
        OfficeFactory(slug="haut-vallon", name="Déjà là")

        with pytest.raises(CommandError, match="déjà pris"):
            create_office(
                "haut-vallon", "--name", NAME, "--admin", "claire@example.org", "--network", "x"
            )

        assert Office.objects.get().name == "Déjà là"
        assert not User.objects.exists()
        assert not Network.objects.exists()
        assert mail.outbox == []

    def test_refuses_an_invalid_email_and_creates_nothing(self):
        with pytest.raises(CommandError, match="Adresse e-mail invalide"):
            create_office(
                "haut-vallon", "--name", NAME, "--admin", "claire@", "--network", "cevennes"
            )
        assert_nothing_created()

    def test_refuses_an_empty_name(self):
        with pytest.raises(CommandError, match="nom de l'office est obligatoire"):
            create_office("haut-vallon", "--name", "  ")
        assert_nothing_created()

    def test_a_mail_failure_keeps_the_office_and_prints_the_link(self, monkeypatch):
        def fail(self, fail_silently=False):
            raise ConnectionRefusedError("SMTP injoignable")

        monkeypatch.setattr(EmailMessage, "send", fail)
        out, err = create_office("haut-vallon", "--name", NAME, "--admin", "claire@example.org")

        assert Membership.objects.get(user__email="claire@example.org").role == Role.ADMIN
        assert "SMTP injoignable" in err
        assert "/compte/mot-de-passe/nouveau/" in out


class TestAddStaff:
    """The service the team page also uses."""

    def test_invites_a_new_person_once(self, office):
        membership = services.add_staff(
            office=office, email="Lea@Example.org", role=Role.ANIMATOR, full_name="Léa Boissier"
        )

        assert membership.user.email == "lea@example.org"
        assert membership.user.full_name == "Léa Boissier"
        assert len(mail.outbox) == 1
        assert mail.outbox[0].body.startswith("Bonjour Léa Boissier,")
        assert "/mot-de-passe/nouveau/" in mail.outbox[0].body

    def test_adding_again_updates_the_role_without_duplicating(self, office, admin_user):
        services.add_staff(
            office=office, email="lea@example.org", role=Role.ANIMATOR, send_invitation=False
        )
        services.add_staff(
            office=office, email="LEA@example.org", role=Role.READER, send_invitation=False
        )

        membership = Membership.objects.get(office=office, user__email="lea@example.org")
        assert membership.role == Role.READER
        assert User.objects.filter(email__iexact="lea@example.org").count() == 1
        assert mail.outbox == []

    def test_a_member_who_never_set_a_password_gets_a_fresh_link(self, office):
        services.add_staff(office=office, email="lea@example.org", role=Role.ANIMATOR)
        services.add_staff(office=office, email="lea@example.org", role=Role.ANIMATOR)

        assert len(mail.outbox) == 2
        assert Membership.objects.filter(office=office).count() == 1

    def test_a_member_with_a_password_is_not_mailed_again(self, office, animator):
        services.add_staff(office=office, email=animator.email, role=Role.ANIMATOR)

        assert mail.outbox == []

    def test_replies_go_to_the_inviting_admin(self, office, admin_user):
        services.add_staff(
            office=office, email="lea@example.org", role=Role.ANIMATOR, invited_by=admin_user
        )

        [message] = mail.outbox
        assert message.reply_to == [admin_user.email]
        assert admin_user.get_full_name() in message.body

    def test_the_last_admin_cannot_be_demoted(self, office, admin_user):
        with pytest.raises(ValidationError):
            services.add_staff(office=office, email=admin_user.email, role=Role.READER)
        assert admin_user.memberships.get().role == Role.ADMIN

    def test_an_admin_can_be_demoted_when_another_remains(self, office, admin_user):
        MembershipFactory(office=office, role=Role.ADMIN)
        services.add_staff(office=office, email=admin_user.email, role=Role.READER)

        assert admin_user.memberships.get().role == Role.READER

    @pytest.mark.parametrize(
        ("email", "role"), [("pas-un-email", Role.ADMIN), ("a@example.org", "chef")]
    )
    def test_refuses_bad_input(self, office, email, role):
        with pytest.raises(ValidationError):
            services.add_staff(office=office, email=email, role=role)
        assert not Membership.objects.exists()
