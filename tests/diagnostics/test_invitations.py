"""Invitations and reminders by e-mail, personal links, revoking and renewing them."""

import datetime
import re
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics import followup, invitation_mail, invitations
from balise.diagnostics.models import CampaignStatus, Invitation, Response
from balise.jobs import outbox
from balise.jobs.models import OutboxMessage

from ..factories import ProviderFactory
from .factories import CampaignFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office):
    office.email = "numerique@haut-vallon.example"
    office.save()
    return office


@pytest.fixture
def campaign(office):
    return CampaignFactory(
        office=office,
        name="Diagnostic 2026",
        ends_on=datetime.date(2099, 3, 31),
        message="Nous comptons sur vous avant la saison !",
    )


@pytest.fixture
def panel(office, campaign):
    """Three providers with an address (one without marketing consent), one without."""
    providers = {
        "gite": ProviderFactory(office=office, name="Gîte des Chênes", email="gite@example.org"),
        "camping": ProviderFactory(
            office=office, name="Camping du Lac", email="lac@example.org", marketing_consent=True
        ),
        "moulin": ProviderFactory(office=office, name="Moulin", email="moulin@example.org"),
        "ferme": ProviderFactory(office=office, name="Ferme sans e-mail", email=""),
    }
    invitations.invite(campaign=campaign)
    return providers


def link_in(message) -> str:
    found = re.search(r"^(https?://\S+/r/\S+/)$", message.body, re.MULTILINE)
    assert found, message.body
    return found.group(1)


def age(campaign, **delta):
    """Pretend the last mailing happened ``delta`` ago."""
    Invitation.objects.filter(campaign=campaign).update(
        sent_at=timezone.now() - datetime.timedelta(**delta)
    )


class TestInvitations:
    def test_every_targeted_provider_with_an_address_gets_its_personal_link(
        self, client, campaign, panel
    ):
        assert invitation_mail.send_invitations(campaign=campaign) == 3
        assert sorted(m.to[0] for m in mail.outbox) == [
            "gite@example.org",
            "lac@example.org",
            "moulin@example.org",
        ]
        message = next(m for m in mail.outbox if m.to == ["gite@example.org"])
        assert "Office de tourisme du Haut-Vallon" in message.subject
        assert "Nous comptons sur vous avant la saison !" in message.body
        assert "31 mars 2099" in message.body
        assert message.reply_to == ["numerique@haut-vallon.example"]
        invitation = Invitation.objects.get(provider=panel["gite"])
        assert link_in(message) == f"{settings.SITE_URL}/r/{invitation.token}/"
        assert (invitation.email, invitation.sent_at is not None) == ("gite@example.org", True)
        # The link in the e-mail opens the provider's questionnaire.
        welcome = client.get(link_in(message).removeprefix(settings.SITE_URL))
        assert welcome.status_code == 200
        assert "Gîte des Chênes" in welcome.content.decode()

    def test_providers_without_address_are_listed_to_phone(self, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        assert [p.name for p in followup.providers_to_phone(campaign)] == ["Ferme sans e-mail"]
        assert Invitation.objects.get(provider=panel["ferme"]).sent_at is None

    def test_sending_again_mails_nobody_twice(self, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        assert invitation_mail.send_invitations(campaign=campaign) == 0
        assert len(mail.outbox) == 3

    def test_completed_revoked_and_archived_are_not_mailed(self, campaign, panel):
        ResponseFactory(campaign=campaign, provider=panel["gite"], completed_at=timezone.now())
        invitations.revoke_invitation(invitation=Invitation.objects.get(provider=panel["camping"]))
        panel["moulin"].archive()
        assert invitation_mail.send_invitations(campaign=campaign) == 0
        assert mail.outbox == []

    def test_only_the_chosen_invitations(self, campaign, panel):
        chosen = Invitation.objects.get(provider=panel["moulin"])
        assert invitation_mail.send_invitations(campaign=campaign, invitation_ids=[chosen.pk]) == 1
        assert mail.outbox[0].to == ["moulin@example.org"]

    def test_nothing_leaves_while_the_campaign_is_not_open(self, campaign, panel):
        campaign.status = CampaignStatus.DRAFT
        with pytest.raises(ValidationError):
            invitation_mail.send_invitations(campaign=campaign)
        with pytest.raises(ValidationError):
            invitation_mail.send_reminders(campaign=campaign)
        assert mail.outbox == []

    def test_a_refused_address_does_not_stop_the_others(self, settings, campaign, panel):
        settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
        assert invitation_mail.send_invitations(campaign=campaign) == 2
        assert Invitation.objects.get(provider=panel["gite"]).sent_at is None
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert invitation_mail.send_invitations(campaign=campaign) == 1


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        if any("gite@" in address for message in messages for address in message.to):
            raise smtplib.SMTPRecipientsRefused({"gite@example.org": (550, b"unknown")})
        return super().send_messages(messages)


class TimingOutBackend(EmailBackend):
    def send_messages(self, messages):
        if any("gite@" in address for message in messages for address in message.to):
            raise TimeoutError("the mail server stopped answering after DATA")
        return super().send_messages(messages)


class TestAtMostOnce:
    """Each e-mail is claimed and stamped before it leaves: a run that dies mid-send and is
    run again never sends it twice, and the message whose fate is unknown is reported."""

    def test_a_run_killed_while_sending_is_resumed_without_a_second_copy(
        self, settings, campaign, panel
    ):
        settings.EMAIL_BACKEND = "tests.mailboxes.DyingBackend"
        with pytest.raises(KeyboardInterrupt):
            invitation_mail.send_invitations(campaign=campaign)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert invitation_mail.send_invitations(campaign=campaign) == 2  # the resumed run
        assert sorted(m.to[0] for m in mail.outbox) == [
            "gite@example.org",
            "lac@example.org",
            "moulin@example.org",
        ]
        (claim,) = OutboxMessage.objects.all()
        gite = Invitation.objects.get(provider=panel["gite"])
        assert (claim.kind, claim.object_id, claim.office_id) == (
            "diagnostics.invitation",
            gite.pk,
            campaign.office_id,
        )
        later = timezone.now() + outbox.UNCERTAIN_AFTER + datetime.timedelta(seconds=1)
        assert list(outbox.uncertain(later)) == [claim]

    def test_an_unknown_outcome_stops_the_run_and_is_not_resent(self, settings, campaign, panel):
        settings.EMAIL_BACKEND = f"{__name__}.TimingOutBackend"
        with pytest.raises(outbox.UncertainDelivery):
            invitation_mail.send_invitations(campaign=campaign)
        assert mail.outbox == []
        assert Invitation.objects.get(provider=panel["gite"]).sent_at is not None
        assert invitation_mail.send_invitations(campaign=campaign) == 2
        assert "gite@example.org" not in [m.to[0] for m in mail.outbox]
        assert (
            OutboxMessage.objects.get().object_id
            == Invitation.objects.get(provider=panel["gite"]).pk
        )

    def test_a_refused_reminder_gets_its_stamp_back(self, settings, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        age(campaign, days=7)
        settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
        assert invitation_mail.send_reminders(campaign=campaign) == 2
        gite = Invitation.objects.get(provider=panel["gite"])
        assert (gite.reminder_count, gite.last_reminded_at) == (0, None)
        assert not OutboxMessage.objects.exists()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert invitation_mail.send_reminders(campaign=campaign) == 1
        gite.refresh_from_db()
        assert gite.reminder_count == 1


class TestReminders:
    def test_reminders_go_to_invited_providers_who_have_not_finished(self, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        mail.outbox.clear()
        assert (
            invitation_mail.send_reminders(campaign=campaign) == 0
        )  # too soon after the invitation
        age(campaign, days=7)
        ResponseFactory(campaign=campaign, provider=panel["gite"], completed_at=timezone.now())
        ResponseFactory(campaign=campaign, provider=panel["camping"])  # started, not finished

        assert invitation_mail.send_reminders(campaign=campaign) == 2
        by_address = {m.to[0]: m for m in mail.outbox}
        assert sorted(by_address) == ["lac@example.org", "moulin@example.org"]
        assert "Vous avez commencé" in by_address["lac@example.org"].body
        assert "Petit rappel" in by_address["moulin@example.org"].body
        assert "Rappel" in by_address["moulin@example.org"].subject
        invitation = Invitation.objects.get(provider=panel["moulin"])
        assert link_in(by_address["moulin@example.org"]).endswith(f"/r/{invitation.token}/")
        assert (invitation.reminder_count, invitation.last_reminded_at is not None) == (1, True)
        # A second click right away sends nothing more.
        assert invitation_mail.send_reminders(campaign=campaign) == 0
        assert len(mail.outbox) == 2

    def test_never_invited_providers_are_not_reminded(self, campaign, panel):
        assert invitation_mail.send_reminders(campaign=campaign) == 0


class TestLinks:
    def test_revoked_link_stops_working_and_a_new_one_replaces_it(self, client, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        invitation = Invitation.objects.get(provider=panel["gite"])
        old = reverse("respond:welcome", args=[invitation.token])
        client.post(
            reverse("respond:section", args=[invitation.token, "profil"]),
            {"q-profil.salaries": "2", "shown": "profil.salaries"},
        )
        invitations.revoke_invitation(invitation=invitation)
        assert client.get(old).status_code == 404

        invitations.regenerate_link(invitation=invitation)
        new = reverse("respond:welcome", args=[invitation.token])
        assert new != old
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200
        # Answers are kept, and the next sending mails the new link.
        assert Response.objects.get().answers == {"profil.salaries": 2}
        mail.outbox.clear()
        assert invitation_mail.send_invitations(campaign=campaign) == 1
        assert link_in(mail.outbox[0]).endswith(new)


class TestViews:
    def url(self, campaign, name):
        return reverse(name, args=[campaign.office.slug, campaign.pk])

    def test_send_button_mails_and_lists_providers_to_phone(
        self, client_for, animator, campaign, panel
    ):
        ProviderFactory(office=campaign.office, name="Nouveau", email="nouveau@example.org")
        response = client_for(animator).post(
            self.url(campaign, "diagnostics:campaign_send"), follow=True
        )
        body = response.content.decode()
        assert "Envoi de 4 invitations lancé." in body  # the newcomer joined the panel
        assert "1 prestataire n&#x27;a pas d&#x27;adresse e-mail" in body
        assert len(mail.outbox) == 4

    def test_remind_button(self, client_for, animator, campaign, panel):
        invitation_mail.send_invitations(campaign=campaign)
        age(campaign, days=3)
        mail.outbox.clear()
        response = client_for(animator).post(
            self.url(campaign, "diagnostics:campaign_remind"), follow=True
        )
        assert "Envoi de 3 relances lancé." in response.content.decode()
        assert len(mail.outbox) == 3

    def test_buttons_refuse_a_closed_campaign(self, client_for, animator, campaign, panel):
        campaign.status = CampaignStatus.CLOSED
        campaign.save()
        response = client_for(animator).post(
            self.url(campaign, "diagnostics:campaign_send"), follow=True
        )
        assert (
            "Ouvrez la campagne avant d&#x27;envoyer les invitations." in response.content.decode()
        )
        assert mail.outbox == []

    def test_readers_cannot_send(self, client_for, reader, campaign, panel):
        client = client_for(reader)
        assert client.post(self.url(campaign, "diagnostics:campaign_send")).status_code == 403
        assert client.post(self.url(campaign, "diagnostics:campaign_remind")).status_code == 403
        assert mail.outbox == []
