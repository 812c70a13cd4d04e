"""End-to-end: an office admin edits a provider, then reads the change in the journal.

The journal lists who changed what (old → new), filters live (htmx) by person, and fits a
360 px phone; every page visited is checked with axe-core.
"""

import re

import pytest
from playwright.sync_api import expect

from ..factories import ProviderFactory
from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gite(office):
    return ProviderFactory(office=office, name="Gîte des Chênes")


def test_admin_reads_the_change_in_the_journal(page, office, admin_user, password, gite):
    login(page, admin_user.email, password)
    page.goto(f"/o/{office.slug}/prestataires/{gite.pk}/modifier/")
    page.get_by_label("Nom commercial").fill("Gîte des Grands Chênes")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Journal"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des modifications")
    table = page.get_by_role("table", name="Modifications, de la plus récente à la plus ancienne")
    first = table.locator("tbody tr").first
    expect(first).to_contain_text(admin_user.full_name or admin_user.email)
    expect(first).to_contain_text("Nom commercial")
    expect(first.locator("ins")).to_have_text("Gîte des Grands Chênes")
    assert_accessible(page)

    # Live filter: the system's entries only (the provider created by the test setup).
    page.get_by_label("Qui").select_option("system")
    expect(page).to_have_url(re.compile(r"[?&]who=system(&|$)"))
    expect(table.locator("tbody tr").first).to_contain_text("système")
    assert_accessible(page)


def test_journal_fits_a_small_phone(phone_page, office, admin_user, password, gite):
    page = phone_page
    login(page, admin_user.email, password)
    page.goto(f"/o/{office.slug}/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des modifications")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
