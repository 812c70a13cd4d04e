"""End-to-end: a provider answers the diagnostic on a small phone, leaves halfway, resumes
on another device and reads the results; a forged or revoked link gets a 404; the
animatrice follows the campaign, opens a report and gets its PDF. Every page visited is
checked with axe-core.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD
from balise.diagnostics import invitations
from balise.diagnostics.forms import question_id
from balise.diagnostics.models import AxisScore, Campaign, Invitation, Response
from balise.diagnostics.scoring import visible_sections
from balise.members.models import Category

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"
PHONE = {"locale": "fr-FR", "viewport": {"width": 360, "height": 740}, "is_mobile": True}
DONT_KNOW = "Je ne sais pas"

# What our chambre d'hôtes answers (question code → option codes, or a number); every
# other question gets its first option.
PLAN = {
    "profil.taille": ["p2_5"],
    "profil.saison": ["saison_longue"],
    "profil.capacite": "10",
    "profil.labels": ["gites_de_france", "accueil_velo"],
    "profil.clientele_etrangere": [DONT_KNOW],
    "profil.gestion_numerique": ["moi_meme"],
    "equip.outils": ["ordinateur", "smartphone"],
    "equip.connexion": ["adsl"],
    "equip.qualite_connexion": ["correcte"],
    "equip.wifi_client": ["oui"],
    "equip.wifi_distinct": [DONT_KNOW],
    "equip.paiement_carte": ["carte"],
    "equip.logiciel_gestion": ["en_partie"],
    "web.site_dedie": ["oui"],
    "web.mobile": ["en_partie"],
    "web.https": ["oui"],
    "web.mises_a_jour": ["annuel"],
    "web.mentions_legales": ["non"],
    "web.langues": ["fr_seul"],
    "web.statistiques": ["jamais"],
    "web.gestion": ["prestataire"],
    "web.photos": ["anciennes"],
    "visi.google_business": ["incomplete"],
    "avis.reponse": ["negatives"],
    "avis.sollicitation": ["jamais"],
    "resa.otas": ["booking", "airbnb"],
    "resa.channel_manager": ["non"],
    "besoins.commentaire": "Un atelier sur les avis en novembre, si possible.",
}
FIRST_PAGES = ("profil", "equipement", "site_web")


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def phone_context(browser, live_server):
    return browser.new_context(base_url=live_server.url, has_touch=True, **PHONE)


def open_2026_campaign() -> Campaign:
    return Campaign.objects.get(office__slug="haut-vallon", name="Diagnostic numérique 2026")


def not_answered_yet(category: str) -> Invitation:
    """A provider of ``category`` invited to the open campaign who has not started."""
    campaign = open_2026_campaign()
    started = Response.objects.filter(campaign=campaign).values("provider")
    return (
        Invitation.objects.filter(campaign=campaign, provider__category=category)
        .exclude(provider__email="")
        .exclude(provider__in=started)
        .select_related("provider", "campaign__version")
        .order_by("provider__normalized_name")
        .first()
    )


def link_path(invitation: Invitation) -> str:
    """The path of the personal link e-mailed to the provider."""
    return urlsplit(invitations.invitation_url(invitation)).path


def section_code(page) -> str:
    return urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


def fill_page(page, definition) -> None:
    """Answer each question of the page not answered yet, by the labels a person reads."""
    questions = {question_id(q.code): q for q in definition.questions}
    for fieldset in page.locator("fieldset.question").all():
        question = questions[fieldset.get_attribute("id")]
        if question.type in ("number", "text"):
            box = fieldset.get_by_role("textbox")
            if not box.input_value() and question.code in PLAN:
                box.fill(PLAN[question.code])
            continue
        if fieldset.locator("input:checked").count():
            continue
        wanted = PLAN.get(question.code) or [question.options[0].code]
        for code in wanted:
            label = code if code == DONT_KNOW else question.option(code).label.fr
            role = "checkbox" if question.type == "multiple" else "radio"
            fieldset.get_by_role(role, name=label, exact=True).check()


def answer_pages(page, definition, count: int | None = None) -> list[str]:
    """Answer ``count`` pages (all the remaining ones when None); return their codes.

    A page whose answers open follow-up questions comes back with them: they are
    answered before going on, as the respondent would.
    """
    done: list[str] = []
    while "/terminer/" not in page.url and (count is None or len(done) < count):
        code = section_code(page)
        section = next(s for s in definition.sections if s.code == code)
        expect(page.get_by_role("heading", level=1)).to_have_text(section.title.fr)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        fill_page(page, definition)
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer et continuer").click()
        if section_code(page) == code:
            expect(page.get_by_role("status")).to_contain_text("nouvelles questions")
        else:
            done.append(code)
    return done


def test_provider_answers_on_a_phone_leaves_halfway_and_resumes_elsewhere(
    browser, live_server, phone_page, demo
):
    invitation = not_answered_yet(Category.BED_AND_BREAKFAST)
    provider = invitation.provider
    definition = invitation.campaign.version.parsed
    link = link_path(invitation)

    # First device: the welcome page, then the first three pages.
    page = phone_page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre diagnostic numérique")
    expect(page.get_by_text(provider.name)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Commencer").click()
    assert answer_pages(page, definition, count=len(FIRST_PAGES)) == list(FIRST_PAGES)
    page.context.close()  # leaves halfway

    response = Response.objects.get(campaign=invitation.campaign, provider=provider)
    assert response.completed_at is None
    assert response.last_section == "site_web"
    assert response.answers["profil.capacite"] == 10
    assert response.answers["profil.labels"] == ["gites_de_france", "accueil_velo"]
    assert response.answers["equip.wifi_distinct"] == "nsp"
    assert response.answers["web.mobile"] == "en_partie"
    invitation.refresh_from_db()
    assert invitation.opened_at is not None

    # Another device: the same link resumes on the first page not answered yet.
    other = phone_context(browser, live_server)
    try:
        page = other.new_page()
        page.set_default_timeout(15_000)
        page.goto(link)
        assert_accessible(page)
        page.get_by_role("link", name="Reprendre là où vous en étiez").click()
        visibility = definition.sections[len(FIRST_PAGES)]
        expect(page.get_by_role("heading", level=1)).to_have_text(visibility.title.fr)
        assert section_code(page) == visibility.code
        pages = visible_sections(definition, response.answers, category=provider.category)
        expect(page.get_by_text(f"Étape 4 sur {len(pages)}")).to_be_visible()
        # Earlier answers are kept: one page back shows them checked.
        page.get_by_role("button", name="Précédent").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre site internet")
        mobile = definition.question("web.mobile")
        fieldset = page.locator(f"#{question_id(mobile.code)}")
        label = mobile.option("en_partie").label.fr
        expect(fieldset.get_by_role("radio", name=label, exact=True)).to_be_checked()
        assert_accessible(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer et continuer").click()
        assert section_code(page) == visibility.code

        answered = answer_pages(page, definition)
        assert answered[0] == visibility.code and answered[-1] == "besoins"
        # Booking questions are shown to a chambre d'hôtes.
        assert "commercialisation" in answered

        expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et terminer")
        assert_accessible(page)
        page.get_by_role("button", name="Terminer et voir les résultats").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vos résultats")
        assert_accessible(page)

        response.refresh_from_db()
        assert response.completed_at is not None and response.source == "self"
        level = definition.levels[response.level - 1]
        expect(
            page.get_by_text(f"Niveau {level.number} sur {len(definition.levels)}")
        ).to_be_visible()
        expect(page.get_by_text(level.name.fr, exact=True).first).to_be_visible()
        scored = AxisScore.objects.filter(response=response, score__isnull=False)
        assert scored.count() >= 8
        for row in scored:
            expect(
                page.get_by_role("rowheader", name=definition.axis(row.axis).title.fr)
            ).to_have_count(1)
        assert response.answers["web.site_dedie"] == "oui"
        assert response.answers["profil.capacite"] == 10  # still there after the other device
    finally:
        other.close()


def test_a_forged_or_revoked_link_shows_a_bare_404(phone_page, demo):
    page = phone_page
    invitation = not_answered_yet(Category.RESTAURANT)
    token = invitation.token
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = page.goto(link_path(invitation).replace(token, forged))
    assert response.status == 404
    assert invitation.provider.name not in page.content()
    assert "Haut-Vallon" not in page.content()
    assert_accessible(page)

    assert page.goto(link_path(invitation)).status == 200
    invitations.revoke_invitation(invitation=invitation)
    assert page.goto(link_path(invitation)).status == 404


def test_animatrice_follows_the_campaign_and_downloads_a_report(page, demo):
    campaign = open_2026_campaign()
    previous = Campaign.objects.get(office__slug="haut-vallon", name="Diagnostic numérique 2025")
    done = Response.objects.filter(campaign=campaign, completed_at__isnull=False)
    # A provider who also answered in 2025, on the first page of the completed ones.
    first_page = list(
        done.select_related("provider").order_by("provider__normalized_name", "provider__id")[:50]
    )
    returning = next(
        r
        for r in first_page
        if Response.objects.filter(
            campaign=previous, provider=r.provider, completed_at__isnull=False
        ).exists()
    )

    login(page, ANIMATRICE, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Diagnostics"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes de diagnostic")
    expect(page.get_by_role("link", name="Diagnostic numérique 2025")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Diagnostic numérique 2026").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diagnostic numérique 2026")
    panel = Invitation.objects.filter(campaign=campaign).count()
    expect(page.get_by_text(f"ont terminé ({done.count()} sur {panel})")).to_be_visible()
    expect(page.get_by_role("table", name="Par catégorie")).to_be_visible()
    expect(page.get_by_role("table", name="Par commune")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Afficher").select_option("completed")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator(f"#p-{returning.provider_id}")).to_be_visible()
    assert_accessible(page)
    page.locator(f"#p-{returning.provider_id}").get_by_role(
        "link", name=re.compile(r"^Rapport")
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Rapport de diagnostic — {returning.provider.name}"
    )
    expect(page.get_by_role("heading", name="Votre évolution")).to_be_visible()
    expect(page.get_by_text("« Diagnostic numérique 2025 »")).to_be_visible()
    assert_accessible(page)

    link = page.get_by_role("link", name="Télécharger le PDF")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
