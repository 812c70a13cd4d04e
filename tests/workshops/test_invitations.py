"""Targeted invitations: the personal reason, consent, sending, and the staff page."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics.models import Response
from balise.jobs.models import OutboxMessage
from balise.workshops import invitations
from balise.workshops.models import SessionInvitation, SessionStatus, WorkshopSettings

from ..diagnostics.factories import CampaignFactory, ResponseFactory, completed_response
from ..factories import ProviderFactory
from .factories import SessionFactory, SessionInvitationFactory, ThemeFactory, days_ago

pytestmark = pytest.mark.django_db

# The small test questionnaire's recommendations: "creer_site" (title "Créer votre site",
# theme "creer_son_site") and "wifi" (title "Équiper votre accueil", theme "wifi_client").


@pytest.fixture
def theme(office):
    return ThemeFactory(office=office, code="creer_son_site", title="Créer son site")


@pytest.fixture
def campaign(office):
    return CampaignFactory(office=office)


def consenting(office, **kwargs):
    return ProviderFactory(office=office, marketing_consent=True, **kwargs)


def url(name, office, *args):
    return reverse(f"workshops:{name}", args=[office.slug, *args])


# --- The reason ---------------------------------------------------------------------------


def test_reason_from_a_fired_recommendation(office, theme, campaign):
    provider = consenting(office)
    completed_response(
        campaign=campaign,
        provider=provider,
        fired=[("creer_site", ["creer_son_site"]), ("wifi", ["wifi_client"])],
        scores={},
    )
    assert invitations.invitation_reason(provider=provider, theme=theme) == (
        "Votre diagnostic montre que ce sujet peut vous aider : « Créer votre site »."
    )


def test_reason_from_the_needs_question(office, theme, campaign):
    provider = consenting(office)
    completed_response(
        campaign=campaign,
        provider=provider,
        answers={"besoins.themes": ["creer_son_site", "avis"]},
        scores={},
    )
    assert invitations.invitation_reason(provider=provider, theme=theme) == (
        "Vous avez demandé un atelier sur ce sujet."
    )


def test_reason_with_both_and_several_titles(office, campaign):
    theme = ThemeFactory(office=office, code="both")
    provider = consenting(office)
    completed_response(
        campaign=campaign,
        provider=provider,
        fired=[("creer_site", ["both"]), ("wifi", ["both", "x"])],
        answers={"besoins.themes": ["both"]},
        scores={},
    )
    assert invitations.invitation_reason(provider=provider, theme=theme) == (
        "Votre diagnostic montre que ce sujet peut vous aider : « Créer votre site » et "
        "« Équiper votre accueil ». Vous avez demandé un atelier sur ce sujet."
    )


def test_reason_reads_only_the_latest_completed_diagnostic(office, theme):
    provider = consenting(office)
    completed_response(
        campaign=CampaignFactory(office=office),
        provider=provider,
        completed_at=days_ago(300),
        fired=[("creer_site", ["creer_son_site"])],
        scores={},
    )
    completed_response(
        campaign=CampaignFactory(office=office),
        provider=provider,
        completed_at=days_ago(5),
        scores={},
    )
    # A diagnostic in progress does not count.
    ResponseFactory(campaign=CampaignFactory(office=office), provider=provider)
    assert invitations.invitation_reason(provider=provider, theme=theme) == ""


def test_a_campaigns_reasons_read_at_once_are_each_providers_own(
    office, campaign, django_assert_num_queries
):
    both, asked, recommended = consenting(office), consenting(office), consenting(office)
    completed_response(
        campaign,
        both,
        {"besoins.themes": ["wifi_client"]},
        scores={},
        fired=[("creer_site", ["creer_son_site", "wifi_client"])],
    )
    completed_response(campaign, asked, {"besoins.themes": ["creer_son_site"]}, scores={})
    completed_response(
        campaign, recommended, scores={}, fired=[("wifi", ["wifi_client"]), ("ancienne", ["x"])]
    )
    with django_assert_num_queries(3):
        reasons = invitations.invitation_reasons(Response.objects.filter(campaign=campaign))
    assert reasons[(both.pk, "wifi_client")] == (
        "Votre diagnostic montre que ce sujet peut vous aider : « Créer votre site ». "
        "Vous avez demandé un atelier sur ce sujet."
    )
    themes = [ThemeFactory(office=office, code=code) for code in ("creer_son_site", "wifi_client")]
    for provider in (both, asked, recommended):
        for theme in themes:
            one = invitations.invitation_reason(provider=provider, theme=theme)
            assert reasons.get((provider.pk, theme.code), "") == one
    assert (recommended.pk, "x") not in reasons, "a recommendation the version lacks says nothing"


def test_no_diagnostic_no_reason(office, theme):
    assert invitations.invitation_reason(provider=consenting(office), theme=theme) == ""


# --- Sending ------------------------------------------------------------------------------


def test_send_invitations_respects_consent_and_addresses(office, theme, campaign, settings):
    settings.SITE_URL = "https://balise.example"
    session = SessionFactory(office=office, theme=theme)
    WorkshopSettings.objects.create(office=office, signature="Camille, animatrice numérique")
    willing = consenting(office, contact_name="Jeanne", email="jeanne@gite.example")
    completed_response(
        campaign=campaign,
        provider=willing,
        answers={"besoins.themes": ["creer_son_site"]},
        scores={},
    )
    no_consent = ProviderFactory(office=office, marketing_consent=False)
    no_email = consenting(office, email="")
    archived = consenting(office, archived_at=timezone.now())
    for provider in (willing, no_consent, no_email, archived):
        SessionInvitationFactory(session=session, provider=provider, email="")

    assert invitations.send_invitations(session=session) == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jeanne@gite.example"]
    assert "Créer son site" in message.subject
    invitation = SessionInvitation.objects.get(provider=willing)
    assert invitation.sent_at is not None
    assert invitation.email == "jeanne@gite.example"
    assert invitation.reason == "Vous avez demandé un atelier sur ce sujet."
    assert "Bonjour Jeanne," in message.body
    assert invitation.reason in message.body
    link = "https://balise.example" + reverse("ateliers:invitation", args=[invitation.token])
    assert link in message.body
    assert "Camille, animatrice numérique" in message.body
    assert SessionInvitation.objects.filter(sent_at__isnull=True).count() == 3
    # Sending again mails nobody twice.
    assert invitations.send_invitations(session=session) == 0
    assert len(mail.outbox) == 1


def test_nothing_is_sent_for_a_cancelled_or_past_session(office, theme):
    provider = consenting(office)
    cancelled = SessionFactory(office=office, theme=theme, status=SessionStatus.CANCELLED)
    past = SessionFactory(
        office=office,
        theme=theme,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        ends_at=timezone.now() - datetime.timedelta(hours=20),
    )
    for session in (cancelled, past):
        SessionInvitationFactory(session=session, provider=provider)
        assert invitations.send_invitations(session=session) == 0
    assert mail.outbox == []


def test_invite_providers_refuses_those_who_cannot_be_mailed(office, other_office, theme):
    session = SessionFactory(office=office, theme=theme)
    willing = consenting(office)
    unwilling = ProviderFactory(office=office)
    foreign = consenting(other_office)
    created, refused = invitations.invite_providers(
        session=session, providers=[willing, unwilling, foreign]
    )
    assert created == 1
    assert refused == [(unwilling, "N'a pas accepté les e-mails d'information")]
    assert list(SessionInvitation.objects.values_list("provider", flat=True)) == [willing.pk]
    # Twice: nothing new.
    assert invitations.invite_providers(session=session, providers=[willing]) == (0, [])


# --- The staff page -----------------------------------------------------------------------


def test_invite_page_lists_providers_with_the_need_first(client_for, animator, office, theme):
    campaign = CampaignFactory(office=office)
    session = SessionFactory(office=office, theme=theme)
    ProviderFactory(office=office, name="Aaa Sans besoin", marketing_consent=True)
    recommended = consenting(office, name="Zzz Conseillé")
    completed_response(
        campaign=campaign,
        provider=recommended,
        fired=[("creer_site", ["creer_son_site"])],
        scores={},
    )
    asked = consenting(office, name="Mmm Demandeur")
    completed_response(
        campaign=campaign, provider=asked, answers={"besoins.themes": ["creer_son_site"]}, scores={}
    )
    ProviderFactory(office=office, name="Sans consentement")
    client = client_for(animator)
    response = client.get(url("session_invite", office, session.pk))
    assert response.status_code == 200
    names = [row["provider"].name for row in response.context["rows"]]
    assert names[:3] == ["Mmm Demandeur", "Zzz Conseillé", "Aaa Sans besoin"]
    response = client.get(url("session_invite", office, session.pk), {"besoin": "on"})
    assert [row["provider"].name for row in response.context["rows"]] == [
        "Mmm Demandeur",
        "Zzz Conseillé",
    ]
    response = client.get(url("session_invite", office, session.pk), {"q": "demandeur"})
    assert [row["provider"].name for row in response.context["rows"]] == ["Mmm Demandeur"]
    html = client.get(url("session_invite", office, session.pk)).content.decode()
    assert "accepté les e-mails d&#x27;information" in html


def test_invite_page_sends_and_reports_refusals(client_for, animator, office, other_office, theme):
    session = SessionFactory(office=office, theme=theme)
    willing = consenting(office)
    unwilling = ProviderFactory(office=office, name="Camping Réticent")
    foreign = consenting(other_office)
    response = client_for(animator).post(
        url("session_invite", office, session.pk),
        {"providers": [willing.pk, unwilling.pk, foreign.pk, "abc"]},
    )
    assert response.status_code == 200  # the page again, saying who could not be invited
    assert "Camping Réticent" in response.content.decode()
    assert [row.provider for row in SessionInvitation.objects.all()] == [willing]
    assert len(mail.outbox) == 1
    assert SessionInvitation.objects.get().sent_at is not None


def test_invite_page_redirects_when_everyone_was_invited(client_for, animator, office, theme):
    session = SessionFactory(office=office, theme=theme)
    willing = consenting(office)
    response = client_for(animator).post(
        url("session_invite", office, session.pk), {"providers": [willing.pk]}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_invite_page_needs_the_edit_role(client_for, reader, office, theme):
    session = SessionFactory(office=office, theme=theme)
    provider = consenting(office)
    assert client_for(reader).get(url("session_invite", office, session.pk)).status_code == 403
    assert (
        client_for(reader)
        .post(url("session_invite", office, session.pk), {"providers": [provider.pk]})
        .status_code
        == 403
    )
    assert not SessionInvitation.objects.exists()


def test_invite_page_refuses_a_cancelled_session(client_for, animator, office, theme):
    session = SessionFactory(office=office, theme=theme, status=SessionStatus.CANCELLED)
    client_for(animator).post(
        url("session_invite", office, session.pk), {"providers": [consenting(office).pk]}
    )
    assert not SessionInvitation.objects.exists()


@pytest.mark.parametrize("count", [1, 3])
def test_invite_page_query_count_is_constant(
    client_for, animator, office, theme, count, django_assert_num_queries
):
    campaign = CampaignFactory(office=office)
    session = SessionFactory(office=office, theme=theme)
    for _ in range(count):
        provider = consenting(office)
        completed_response(
            campaign=campaign,
            provider=provider,
            answers={"besoins.themes": ["creer_son_site"]},
            scores={},
        )
        SessionInvitationFactory(session=session, provider=provider)
    client = client_for(animator)
    client.get(url("session_invite", office, session.pk))
    # session, user, membership, the session, count, candidates, invitations
    with django_assert_num_queries(7):
        response = client.get(url("session_invite", office, session.pk))
    assert len(response.context["rows"]) == count


def test_a_run_killed_while_mailing_is_resumed_without_a_second_copy(office, theme, settings):
    session = SessionFactory(office=office, theme=theme)
    first, second = (
        SessionInvitationFactory(session=session, provider=consenting(office, email=address))
        for address in ("gite@example.org", "camping@example.org")
    )
    settings.EMAIL_BACKEND = "tests.mailboxes.DyingBackend"
    with pytest.raises(KeyboardInterrupt):
        invitations.send_invitations(session=session)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert invitations.send_invitations(session=session) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["camping@example.org", "gite@example.org"]
    claim = OutboxMessage.objects.get()
    assert (claim.kind, claim.object_id) == ("workshops.invitation", first.pk)
    second.refresh_from_db()
    assert second.sent_at is not None
