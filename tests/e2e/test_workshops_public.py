"""End-to-end: a provider, on a 360 px phone, opens the office's public programme, registers
to a session, lands on their registration page, then fills the feedback form of a past
session. Every page is checked with axe-core and must not scroll sideways."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from balise.workshops.models import Registration, RegistrationStatus

from ..factories import OfficeFactory
from ..workshops.factories import (
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
    VenueFactory,
)
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def programme(transactional_db):
    office = OfficeFactory(slug="haut-vallon", name="Office de tourisme du Haut-Vallon")
    theme = ThemeFactory(office=office, description="Mettre à jour sa fiche, répondre aux avis.")
    session = SessionFactory(
        office=office,
        theme=theme,
        title="Ma fiche Google",
        capacity=2,
        venue=VenueFactory(office=office, name="Médiathèque du Vallon"),
    )
    AppointmentSlotFactory(office=office)
    return office, session


def check(page):
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_register_from_the_public_programme_on_a_phone(phone_page, programme):
    office, _session = programme
    page = phone_page
    page.goto(f"/ateliers/{office.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Les ateliers numériques")
    expect(page.get_by_text("2 places restantes")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Ma fiche Google").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ma fiche Google")
    check(page)
    page.get_by_label("Votre nom").fill("Jeanne Martin")
    page.get_by_label("Votre adresse e-mail").fill("jeanne@example.org")
    page.get_by_label("Votre établissement").fill("Gîte des Prés")
    page.get_by_role("button", name="Je m'inscris").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon inscription")
    expect(page.get_by_role("status")).to_contain_text("Vous êtes inscrit(e)")
    expect(page.get_by_role("link", name="Ajouter à mon agenda (.ics)")).to_be_visible()
    check(page)
    registration = Registration.objects.get(email="jeanne@example.org")
    assert registration.status == RegistrationStatus.CONFIRMED

    page.get_by_role("link", name="Annuler mon inscription").click()
    check(page)

    page.goto(f"/ateliers/{office.slug}/rendez-vous/")
    check(page)


def test_feedback_form_after_the_session(phone_page, programme):
    office, _session = programme
    start = timezone.now() - datetime.timedelta(days=1)
    past = SessionFactory(
        office=office, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    registration = RegistrationFactory(session=past, attended=True)
    page = phone_page
    page.goto(f"/ateliers/inscription/{registration.token}/")
    page.get_by_role("link", name="Donner mon avis sur la séance").click()
    check(page)
    page.get_by_role("group", name="Votre note").get_by_label("4").check()
    page.get_by_role("group", name="utile").get_by_label("Oui").check()
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("status")).to_contain_text("Merci pour votre avis")
    assert registration.feedback.rating == 4
