"""The end-to-end tour of the workshops, on the demo: from needs to a registration.

The animatrice opens Ateliers, reads the needs, proposes the spring programme over the
slots she already gave (the demo leaves them free), reads why each session is there,
publishes it; then a provider opens the public programme on a phone and registers.
Every page visited is checked with axe-core (no serious or critical violation).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD
from balise.demo.workshops import upcoming_period
from balise.workshops.models import (
    Programme,
    ProgrammeStatus,
    Registration,
    RegistrationStatus,
    SessionStatus,
)

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"
SPRING = "Printemps 2027"


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def test_animatrice_proposes_and_publishes_then_a_provider_registers(page, phone_page, demo):
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Ateliers"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ateliers numériques")
    expect(page.get_by_role("heading", name="Prochaines séances")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Besoins par thème").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Besoins par thème")
    expect(page.locator("main")).to_contain_text("Diagnostic numérique 2026")
    assert_accessible(page)

    # The spring, after the published winter programme: the demo's free slots.
    _winter_start, winter_end = upcoming_period(timezone.localdate())
    starts_on, ends_on = winter_end + timedelta(days=1), winter_end + timedelta(days=70)
    page.goto("/o/haut-vallon/ateliers/")
    page.get_by_role("link", name="Proposer un programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposer un programme")
    assert_accessible(page)
    page.get_by_label("Nom du programme").fill(SPRING)
    page.get_by_label(re.compile(r"^Du")).fill(starts_on.isoformat())
    page.get_by_label(re.compile(r"^Au")).fill(ends_on.isoformat())
    page.get_by_label("Méthode de calcul").select_option("greedy")
    page.get_by_role("button", name="Proposer le programme").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(SPRING)
    expect(page.get_by_role("status")).to_contain_text("Programme proposé")
    # Each proposed session says why it is there.
    expect(page.get_by_text("Pourquoi :").first).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(r"prestataires? l'ont demandé|besoin"))
    assert_accessible(page)
    spring = Programme.objects.get(office__slug="haut-vallon", name=SPRING)
    assert spring.sessions.count() >= 3

    page.get_by_role("button", name="Publier et envoyer les invitations").click()
    expect(page.get_by_role("status")).to_contain_text("Programme publié")
    assert_accessible(page)
    spring.refresh_from_db()
    assert spring.status == ProgrammeStatus.PUBLISHED
    session = spring.sessions.order_by("starts_at", "pk").first()
    assert session.status == SessionStatus.PUBLISHED

    # A provider, on a phone, finds the new session on the public programme.
    phone = phone_page
    phone.goto("/ateliers/haut-vallon/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Les ateliers numériques")
    assert_accessible(phone)
    phone.locator(f'a[href="/ateliers/haut-vallon/seances/{session.pk}/"]').click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(session.display_title)
    assert_accessible(phone)
    phone.get_by_label("Votre nom").fill("Odile Castanet")
    phone.get_by_label("Votre adresse e-mail").fill("odile@mas-des-cades.example")
    phone.get_by_label("Votre établissement").fill("Mas des Cades")
    phone.get_by_role("button", name="Je m'inscris").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon inscription")
    expect(phone.get_by_role("status")).to_contain_text("Vous êtes inscrit(e)")
    assert_accessible(phone)
    registration = Registration.objects.get(session=session, email="odile@mas-des-cades.example")
    assert registration.status == RegistrationStatus.CONFIRMED
