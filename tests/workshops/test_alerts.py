"""« Prévenez-moi » : an address left for a theme hears of its next published sessions, and
can stop at any time."""

import pytest
from django.core import mail
from django.urls import reverse

from balise.workshops import alerts, programmes, sessions
from balise.workshops.models import SessionStatus, ThemeAlert

from .factories import ProgrammeFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def alert_url(theme):
    return reverse("ateliers:alert", args=[theme.office.slug, theme.code])


def ask(client, theme, email="jeanne@example.org", **extra):
    return client.post(alert_url(theme), {"email": email, "consent": "on", **extra})


@pytest.fixture
def theme(office):
    return ThemeFactory(office=office, title="Ma fiche Google")


def test_the_form_keeps_the_address_once_and_says_how_to_stop(client, theme):
    page = client.get(alert_url(theme)).content.decode()
    assert "Ma fiche Google" in page and "consent" in page
    response = ask(client, theme, email="Jeanne@Example.org")
    assert response.status_code == 302
    alert = ThemeAlert.objects.get()
    assert (alert.email, alert.theme, alert.office) == ("jeanne@example.org", theme, theme.office)
    assert len(mail.outbox) == 1
    assert alert.token in mail.outbox[0].body
    ask(client, theme)  # the same address again: no second row, no second e-mail
    assert ThemeAlert.objects.count() == 1 and len(mail.outbox) == 1


def test_without_consent_nothing_is_kept(client, theme):
    response = client.post(alert_url(theme), {"email": "jeanne@example.org"})
    assert response.status_code == 200
    assert not ThemeAlert.objects.exists() and not mail.outbox


def test_a_bot_filling_the_hidden_field_leaves_nothing(client, theme):
    assert ask(client, theme, website="http://spam.example").status_code == 302
    assert not ThemeAlert.objects.exists() and not mail.outbox


def test_control_characters_never_reach_the_stored_address(theme):
    alert, _created = alerts.subscribe(theme=theme, email="jeanne@exa\u0007mple.org\r\n")
    assert alert.email == "jeanne@example.org"


def test_another_office_theme_or_an_inactive_one_is_404(client, office, other_office):
    theirs = ThemeFactory(office=other_office, code="site_web")
    retired = ThemeFactory(office=office, code="newsletter", active=False)
    assert client.get(f"/ateliers/{office.slug}/prevenez-moi/site_web/").status_code == 404
    assert client.get(alert_url(theirs)).status_code == 200  # on its own office's page
    assert client.get(alert_url(retired)).status_code == 404


def test_publishing_a_session_announces_it_to_the_theme_alerts_only(
    client, office, theme, django_capture_on_commit_callbacks
):
    ask(client, theme, email="jeanne@example.org")
    other_theme = ThemeFactory(office=office, code="site_web", title="Site web")
    ask(client, other_theme, email="paul@example.org")
    mail.outbox.clear()
    session = SessionFactory(office=office, theme=theme, status=SessionStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert sessions.publish_session(session=session)
    assert [message.to for message in mail.outbox] == [["jeanne@example.org"]]
    body = mail.outbox[0].body
    assert reverse("ateliers:session", args=[office.slug, session.pk]) in body
    alert = ThemeAlert.objects.get(email="jeanne@example.org")
    assert alert.token in body and alert.notified_at is not None


def test_a_programme_announces_each_theme_once_with_all_its_sessions(
    client, office, theme, django_capture_on_commit_callbacks
):
    ask(client, theme)
    mail.outbox.clear()
    programme = ProgrammeFactory(office=office)
    first, second = (
        SessionFactory(office=office, theme=theme, programme=programme, status=SessionStatus.DRAFT)
        for _ in range(2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        programmes.publish_programme(programme=programme)
    announces = [m for m in mail.outbox if m.to == ["jeanne@example.org"]]
    assert len(announces) == 1
    for session in (first, second):
        assert reverse("ateliers:session", args=[office.slug, session.pk]) in announces[0].body


def test_a_session_created_published_is_announced_too(
    client, office, theme, django_capture_on_commit_callbacks
):
    ask(client, theme)
    mail.outbox.clear()
    draft = SessionFactory.build(office=office, theme=theme)
    with django_capture_on_commit_callbacks(execute=True):
        sessions.create_session(
            office=office,
            theme=theme,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            capacity=10,
            video_url="https://visio.example/abc",
            status=SessionStatus.PUBLISHED,
        )
    assert [m.to for m in mail.outbox] == [["jeanne@example.org"]]


def test_the_unsubscribe_link_asks_then_forgets_the_address(client, theme):
    ask(client, theme)
    alert = ThemeAlert.objects.get()
    url = reverse("ateliers:alert_unsubscribe", args=[alert.token])
    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert ThemeAlert.objects.exists()  # opening the link (a mail scanner) changes nothing
    assert client.post(url).status_code == 302
    assert not ThemeAlert.objects.exists()
    assert client.get(url).status_code == 404
    assert client.get(url[:-3] + "xx/").status_code == 404
