"""End-to-end: the strict Content-Security-Policy breaks nothing on the demo's pages.

Chromium reports every blocked script, style or image in the console ("Refused to … because
it violates the following Content Security Policy directive"); a page that relied on inline
script or style would show it here. Pages: login, office home, directory, campaign follow-up,
an individual report (HTML), the second-factor enrolment (inline SVG QR code), the
respondent's welcome, question and results pages, the API docs (Swagger UI, served from
django-ninja's static files) and the admin site.
"""

import pytest
from django.urls import reverse

from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD
from balise.diagnostics.models import Campaign, Invitation, Response
from balise.offices.models import User

from .conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

ANIMATRICE = "animatrice@haut-vallon.demo"


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def watch_csp(page) -> list[str]:
    violations: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    return violations


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("networkidle")


def test_staff_and_respondent_pages_raise_no_csp_violation(page, demo, live_server):
    violations = watch_csp(page)
    visit(page, "/compte/connexion/")
    login(page, ANIMATRICE, DEMO_PASSWORD)

    campaign = Campaign.objects.get(office__slug="haut-vallon", name="Diagnostic numérique 2026")
    done = Response.objects.filter(campaign=campaign, completed_at__isnull=False).first()
    for path in [
        "/o/haut-vallon/",
        "/o/haut-vallon/prestataires/",
        f"/o/haut-vallon/diagnostics/campagnes/{campaign.pk}/",
        f"/o/haut-vallon/diagnostics/reponses/{done.pk}/rapport/",
        "/o/haut-vallon/audits/",
        "/compte/",
        "/compte/double-authentification/",
    ]:
        visit(page, path)
    assert page.locator("svg.qr-code").is_visible()
    assert_accessible(page)

    # The provider's side, with no login: welcome, a question page, the results.
    page.context.clear_cookies()
    invitation = Invitation.objects.filter(campaign=campaign, provider=done.provider).get()
    link = reverse("respond:welcome", args=[invitation.token])
    visit(page, link)
    page.get_by_role("link", name="Modifier mes réponses").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("form input").count() > 0  # a question page
    visit(page, reverse("respond:results", args=[invitation.token]))

    assert violations == []


def test_the_api_docs_and_the_admin_site_work_under_the_same_policy(page, demo, live_server):
    User.objects.create_superuser("ops@example.org", "un-mot-de-passe-solide")
    violations = watch_csp(page)
    login(page, "ops@example.org", "un-mot-de-passe-solide")
    visit(page, "/api/v1/docs")
    page.locator(".opblock-summary").first.click()  # Swagger UI runs and draws
    page.locator(".opblock-body").first.wait_for()
    visit(page, "/admin/")
    visit(page, "/admin/offices/office/")
    assert violations == []
