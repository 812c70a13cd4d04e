"""End-to-end: the RGPD pages. The office admin reads the register, sets the DPO, erases
a provider after confirming; a provider reads the privacy notice on a 360 px phone.
Every page visited is checked with axe-core."""

import pytest
from playwright.sync_api import expect

from balise.members.models import Provider
from balise.offices.models import Role
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, ProviderFactory, UserFactory

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(transactional_db):
    office = OfficeFactory(
        slug="haut-vallon",
        name="Office de tourisme du Haut-Vallon",
        email="contact@haut-vallon.example",
    )
    admin = UserFactory(email="admin@haut-vallon.example")
    MembershipFactory(office=office, user=admin, role=Role.ADMIN)
    provider = ProviderFactory(office=office, name="Gîte de Jeanne", contact_name="Jeanne")
    return office, admin, provider


def test_admin_reads_the_register_sets_the_dpo_and_erases_a_provider(page, setup):
    office, admin, provider = setup
    login(page, admin.email, PASSWORD)
    page.goto(f"/o/{office.slug}/rgpd/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registre des traitements")
    expect(page.get_by_role("heading", name="5. Ateliers et rendez-vous")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Réglages RGPD").click()
    assert_accessible(page)
    page.get_by_label("Délégué à la protection des données (DPO)").fill("Service juridique")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Réglages RGPD enregistrés.")).to_be_visible()
    expect(page.get_by_text("Service juridique")).to_be_visible()

    page.goto(f"/o/{office.slug}/prestataires/{provider.pk}/")
    page.get_by_role("link", name="Effacer / anonymiser").click()
    assert_accessible(page)
    page.get_by_role("button", name="Effacer définitivement").click()  # not confirmed
    expect(page.get_by_text("Le formulaire contient des erreurs.")).to_be_visible()
    page.get_by_label("Je confirme l'effacement", exact=False).check()
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prestataire effacé")
    assert Provider.objects.get(pk=provider.pk).contact_name == ""


def test_privacy_notice_on_a_phone(phone_page, setup):
    office, _admin, _provider = setup
    phone_page.goto(f"/ateliers/{office.slug}/")
    phone_page.get_by_role("link", name="Confidentialité et données personnelles").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        "Confidentialité et données personnelles"
    )
    expect(phone_page.get_by_role("link", name="contact@haut-vallon.example").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone_page)
