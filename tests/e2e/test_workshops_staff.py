"""End-to-end: the animatrice opens a session and takes the attendance on a tablet.

On a 768×1024 touch viewport she opens the session from the list, goes to the attendance
sheet, marks one registrant present and one absent (HTMX: the counts update without a
reload), saves, adds someone who came without registering, and each page passes axe-core.
"""

import pytest
from playwright.sync_api import expect

from balise.offices.models import Role
from balise.workshops.models import Registration

from ..factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory
from ..workshops.factories import RegistrationFactory, SessionFactory, VenueFactory
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "animatrice@haut-vallon.example"


@pytest.fixture
def tablet(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 768, "height": 1024},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def session(transactional_db):
    office = OfficeFactory(slug="haut-vallon", name="Office de tourisme du Haut-Vallon")
    MembershipFactory(office=office, role=Role.ANIMATOR, user=UserFactory(email=EMAIL))
    session = SessionFactory(
        office=office, venue=VenueFactory(office=office), title="Ma fiche Google"
    )
    for name in ("Anne Auberge", "Bruno Camping", "Chloé Gîte"):
        RegistrationFactory(session=session, name=name, business=name.split()[1])
    return session


def login(page):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_animatrice_takes_the_attendance_on_a_tablet(tablet, session):
    page = tablet
    login(page)
    page.goto("/o/haut-vallon/ateliers/seances/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Séances")
    assert_accessible(page)
    page.get_by_role("link", name="Ma fiche Google").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ma fiche Google")
    assert_accessible(page)

    page.get_by_role("link", name="Feuille d'émargement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feuille d'émargement")
    assert_accessible(page)
    counts = page.locator("#attendance-counts")
    expect(counts).to_contain_text("3 à pointer")

    # Touch targets are at least 44 px high.
    present_anne = page.get_by_role("group", name="Présence : Anne Auberge").get_by_text("Présent")
    box = present_anne.bounding_box()
    assert box is not None and box["height"] >= 44

    present_anne.tap()
    expect(counts).to_contain_text("1 présents")
    page.get_by_role("group", name="Présence : Bruno Camping").get_by_text("Absent").tap()
    expect(counts).to_contain_text("1 absents")
    expect(counts).to_contain_text("1 à pointer")
    attended = dict(Registration.objects.values_list("name", "attended"))
    assert attended == {"Anne Auberge": True, "Bruno Camping": False, "Chloé Gîte": None}

    # The whole sheet can be saved too (the path without JavaScript).
    page.get_by_role("group", name="Présence : Chloé Gîte").get_by_text("Présent").tap()
    page.get_by_role("button", name="Enregistrer la feuille").click()
    expect(page.get_by_role("status").first).to_contain_text("Feuille d'émargement enregistrée")
    expect(counts).to_contain_text("2 présents")

    # Someone who came without registering.
    page.get_by_role("textbox", name="Nom", exact=True).fill("Denis Ferme")
    page.get_by_role("textbox", name="E-mail", exact=True).fill("denis@ferme.example")
    page.get_by_role("button", name="Ajouter comme présent").click()
    expect(page.get_by_role("group", name="Présence : Denis Ferme")).to_be_visible()
    expect(counts).to_contain_text("3 présents")
    assert_accessible(page)
    # Nothing scrolls sideways on the tablet.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_other_staff_pages_are_accessible_on_a_phone(phone_page, session):
    from balise.members.models import Provider

    from ..workshops.factories import AppointmentFactory, AppointmentSlotFactory

    provider = Provider.objects.create(office=session.office, name="Gîte des Hirondelles")
    Registration.objects.filter(name="Anne Auberge").update(provider=provider, attended=True)
    AppointmentFactory(slot=AppointmentSlotFactory(office=session.office), provider=provider)
    page = phone_page
    login(page)
    for path, heading in [
        (f"/o/haut-vallon/ateliers/seances/{session.pk}/inviter/", "Inviter des prestataires"),
        ("/o/haut-vallon/ateliers/seances/nouvelle/", "Nouvelle séance"),
        ("/o/haut-vallon/ateliers/rendez-vous/", "Rendez-vous individuels"),
        (f"/o/haut-vallon/ateliers/prestataires/{provider.pk}/parcours/", "Parcours :"),
        ("/o/haut-vallon/ateliers/progres/", "Progrès mesurés"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
