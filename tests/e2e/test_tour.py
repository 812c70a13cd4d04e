"""The end-to-end tour: what an animatrice, an admin and an elected official do, in Chromium.

Every page visited is checked with axe-core (no serious or critical violation).
"""

import re

import pytest
from playwright.sync_api import expect

from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD
from balise.members.models import Provider

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"
ADMIN = "admin@haut-vallon.demo"
ELU = "elu@haut-vallon.demo"


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def test_animatrice_works_the_directory(page, demo):
    page.goto("/compte/connexion/")
    assert_accessible(page)
    login(page, ANIMATRICE, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Office de tourisme du Haut-Vallon")
    assert_accessible(page)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Prestataires"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prestataires")
    assert_accessible(page)
    total = Provider.objects.filter(office__slug="haut-vallon", archived_at__isnull=True).count()
    expect(page.locator("#results")).to_contain_text(f"{total} prestataires")

    # Live filtering (HTMX) narrows the list without leaving the page.
    campings = Provider.objects.filter(
        office__slug="haut-vallon", archived_at__isnull=True, category="camping"
    ).count()
    page.get_by_label("Catégorie").select_option("camping")
    expect(page.locator("#results")).to_contain_text(f"{campings} prestataires")
    assert "category=camping" in page.url
    assert_accessible(page)

    first = page.locator("#results tbody a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    assert_accessible(page)

    page.get_by_role("link", name="Modifier").click()
    assert_accessible(page)
    page.get_by_label("Téléphone").fill("04 66 99 88 77")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Fiche enregistrée")
    assert Provider.objects.get(office__slug="haut-vallon", name=name).phone == "+33 4 66 99 88 77"


def test_animatrice_creates_a_provider_and_is_told_what_is_wrong(page, demo):
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.goto("/o/haut-vallon/prestataires/nouveau/")
    page.get_by_label("Nom commercial").fill("Gîte du Tour Complet")
    page.get_by_label(re.compile(r"^E-mail")).fill("pas-une-adresse")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient des erreurs")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^E-mail")).fill("gite@tour.example")
    page.get_by_label("Catégorie").select_option("meuble")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gîte du Tour Complet")
    assert Provider.objects.filter(office__slug="haut-vallon", name="Gîte du Tour Complet").exists()


def test_animatrice_imports_a_spreadsheet_with_a_preview(page, demo, tmp_path):
    csv_file = tmp_path / "nouveaux-adherents.csv"
    csv_file.write_text(
        "Nom;Type;Commune;Code postal;Mail;Tél\n"
        "Ferme des Trois Chênes;producteur;Valcrose;30570;ferme@chenes.example;04 66 10 20 30\n"
        "Bistrot du Pont;restaurant;Valcrose;30570;bistrot@pont.example;0466102031\n",
        encoding="utf-8",
    )
    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.goto("/o/haut-vallon/prestataires/imports/")
    assert_accessible(page)
    page.get_by_label("Format du fichier").select_option("csv")
    page.get_by_label(re.compile(r"^Fichier")).set_input_files(str(csv_file))
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("À quoi correspond chaque colonne ?")
    assert_accessible(page)
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l'import")
    assert_accessible(page)
    assert not Provider.objects.filter(name="Ferme des Trois Chênes").exists()
    page.get_by_role("button", name="Confirmer l'import").click()
    # The import is written by a background job (immediate in tests): the page shows the
    # batch as imported with its counts.
    expect(page.get_by_text("Importé", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ créés$"))).to_be_visible()
    assert_accessible(page)
    ferme = Provider.objects.get(office__slug="haut-vallon", name="Ferme des Trois Chênes")
    assert ferme.category == "producteur"
    assert ferme.email == "ferme@chenes.example"

    with page.expect_download() as download:
        page.goto("/o/haut-vallon/prestataires/")
        page.get_by_role("link", name="Exporter en CSV").click()
    assert re.match(
        r"prestataires-haut-vallon-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename
    )


def test_admin_manages_the_team_settings_and_a_token(page, demo):
    login(page, ADMIN, DEMO_PASSWORD)
    page.get_by_role("link", name="Équipe").click()
    expect(page.get_by_role("table")).to_contain_text(ANIMATRICE)
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter une personne").click()
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("stagiaire@haut-vallon.demo")
    page.get_by_label("Rôle").select_option("lecteur")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("status")).to_contain_text("stagiaire@haut-vallon.demo")

    page.get_by_role("link", name="Paramètres").click()
    assert_accessible(page)

    page.get_by_role("link", name="Claire").click()
    assert_accessible(page)
    page.get_by_label("Nom du jeton").fill("Site de l'office")
    page.get_by_role("button", name="Créer un jeton").click()
    expect(page.get_by_role("alert")).to_contain_text("bal_")


def test_elected_official_reads_on_a_phone_and_switches_to_english(phone_page, demo):
    page = phone_page
    login(page, ELU, DEMO_PASSWORD)
    page.goto("/o/haut-vallon/prestataires/")
    assert_accessible(page)
    # Read-only: no add or import buttons, and nothing wider than the screen.
    expect(page.get_by_role("link", name="Ajouter")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")
    assert_accessible(page)
