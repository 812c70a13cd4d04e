"""End-to-end: the online-presence audit pages, with the demo's recorded audits.

The animatrice opens "Présence en ligne", reads the latest audits of the demo run, one
provider's checks and the section on a provider's page; the elected official reads the
same pages without any "Auditer" button; on a 360 px phone nothing scrolls sideways. No
audit is started (the demo's audits are recorded, nothing is fetched). Every page visited
is checked with axe-core.
"""

import re

import pytest
from playwright.sync_api import expect

from balise.audits.models import SiteAudit
from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"
ELU = "elu@haut-vallon.demo"
AUDITS = "/o/haut-vallon/audits/"
AUDIT_BUTTON = re.compile(r"^Auditer")
VERDICT_WORDS = {"ok", "à améliorer", "absent", "inconnu"}


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def a_reachable_demo_audit() -> SiteAudit:
    """A recorded demo audit of a Haut-Vallon site that answered, with evidence to show."""
    audit = (
        SiteAudit.objects.filter(
            office__slug="haut-vallon",
            is_demo=True,
            reachable=True,
            outcomes__evidence__gt="",
        )
        .select_related("provider")
        .order_by("provider__name", "pk")
        .first()
    )
    assert audit is not None, "the demo should record reachable audits with evidence"
    return audit


def test_animatrice_reads_the_recorded_audits(page, demo):
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Présence en ligne"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Présence en ligne observée")
    # The demo run is labelled as such, and the latest audits are listed.
    expect(page.locator("#audit-progress")).to_contain_text("Démonstration")
    table = page.get_by_role("table", name="Derniers audits par prestataire")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator(".badge--demo").first).to_contain_text("Démonstration")
    # She may start audits, but this test does not (no network).
    expect(page.get_by_role("button", name="Auditer tous les prestataires")).to_be_visible()
    assert_accessible(page)

    audit = a_reachable_demo_audit()
    table.get_by_role("link", name=audit.provider.name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Présence en ligne observée : {audit.provider.name}"
    )
    checks = page.get_by_role("table", name="Vérifications")
    expect(checks).to_be_visible()
    outcomes = list(audit.outcomes.all())
    expect(checks.locator("tbody tr")).to_have_count(len(outcomes))
    verdicts = {text.strip() for text in checks.locator(".verdict").all_inner_texts()}
    assert verdicts and verdicts <= VERDICT_WORDS, verdicts
    evidence = next(outcome.evidence for outcome in outcomes if outcome.evidence)
    expect(checks).to_contain_text(evidence)
    expect(page.get_by_role("button", name="Auditer maintenant")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Prestataires"
    ).click()
    page.locator("#results tbody a").get_by_text(audit.provider.name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(audit.provider.name)
    section = page.locator("section[aria-labelledby='h-audit']")
    expect(section.get_by_role("heading", level=2)).to_have_text("Présence en ligne observée")
    expect(section).to_contain_text("Démonstration")
    expect(section.get_by_role("link", name="Voir l'audit détaillé")).to_be_visible()
    assert_accessible(page)


def test_elected_official_reads_audits_without_starting_any(page, demo):
    login(page, ELU, DEMO_PASSWORD)
    page.goto(AUDITS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Présence en ligne observée")
    expect(page.get_by_role("table", name="Derniers audits par prestataire")).to_be_visible()
    expect(page.get_by_role("button", name=AUDIT_BUTTON)).to_have_count(0)
    assert_accessible(page)

    audit = a_reachable_demo_audit()
    page.get_by_role("link", name=audit.provider.name, exact=True).first.click()
    expect(page.get_by_role("table", name="Vérifications")).to_be_visible()
    expect(page.get_by_role("button", name=AUDIT_BUTTON)).to_have_count(0)
    assert_accessible(page)


def test_audits_fit_a_small_phone(phone_page, demo):
    page = phone_page
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.goto(AUDITS)
    expect(page.get_by_role("table", name="Derniers audits par prestataire")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    audit = a_reachable_demo_audit()
    page.goto(f"{AUDITS}prestataires/{audit.provider_id}/")
    expect(page.get_by_role("table", name="Vérifications")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
