"""End-to-end: the territory study of the demo, in Chromium, on a desktop and a phone.

The animatrice opens the study, filters it on a family of providers, compares with the
previous campaign; the coordinator of the network opens the network comparison. Every
page visited is checked with axe-core; on a 360 px phone nothing scrolls sideways (wide
tables scroll inside their own frame).
"""

import pytest
from playwright.sync_api import expect

from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"
COORDINATOR = "reseau@cevennes-gard.demo"
STUDY = "/o/haut-vallon/etude/"


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def test_animatrice_filters_and_compares_the_study(page, demo):
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.goto(STUDY)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Étude du numérique sur le territoire"
    )
    expect(page.get_by_role("heading", name="Points forts")).to_be_visible()
    expect(page.get_by_role("table", name="Scores moyens par axe")).to_be_visible()
    expect(page.get_by_role("table", name="Scores par axe et par commune")).to_contain_text("—")
    assert_accessible(page)

    page.get_by_label("Famille", exact=True).select_option(label="Hébergement")
    page.get_by_label("Comparer avec", exact=True).select_option(label="Diagnostic numérique 2025")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_load_state()
    assert "category_group=hebergement" in page.url
    expect(page.get_by_text("Famille : Hébergement").first).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name="Évolution sur les prestataires ayant répondu aux deux campagnes"
        )
    ).to_be_visible()
    pdf = page.get_by_role("link", name="Étude imprimable (PDF)")
    assert "category_group=hebergement" in (pdf.get_attribute("href") or "")
    # A chart's figures are one click away, in a table.
    page.get_by_text("Données du graphique").first.click()
    expect(page.locator("details[open] table").first).to_be_visible()
    assert_accessible(page)


def test_the_study_fits_a_small_phone(phone_page, demo):
    page = phone_page
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.goto(STUDY)
    expect(page.get_by_role("table", name="Scores par axe et par commune")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)


def test_coordinator_compares_the_offices(page, demo):
    login(page, COORDINATOR, DEMO_PASSWORD)
    page.goto(f"/reseau/{demo.network.slug}/")
    expect(page.get_by_role("table", name="Scores moyens par axe et par office")).to_be_visible()
    assert_accessible(page)
