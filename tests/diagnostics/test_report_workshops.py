"""The report's recommended workshops lead somewhere: the next session with places, else
an individual appointment, else « prévenez-moi », on the staff page, the respondent's
results and the PDF alike; and the respondent downloads their own PDF."""

import pypdfium2 as pdfium
import pytest
from django.urls import reverse

from balise.diagnostics.report_delivery import render_report_pdf
from balise.members.models import Category

from ..factories import ProviderFactory
from ..workshops.factories import (
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
)
from .factories import InvitationFactory, completed_response
from .report_questionnaire import make_campaign, make_version

pytestmark = pytest.mark.django_db

SCORES = {"equipement": 100, "web": 75, "visibilite": 75, "reservation": 75, "reseaux": 100}
CODE = "google_business"


@pytest.fixture
def diagnostic(office):
    campaign = make_campaign(office, make_version())
    hotel = ProviderFactory(office=office, name="Hôtel du Vieux Pont", category=Category.HOTEL)
    InvitationFactory(campaign=campaign, provider=hotel)
    return completed_response(
        campaign, hotel, scores=SCORES | {"avis": 0}, fired=[("reco.avis", [CODE])]
    )


@pytest.fixture
def theme(office):
    return ThemeFactory(office=office, code=CODE, title="Ma fiche Google")


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def shown(client_for, reader, diagnostic) -> dict[str, str]:
    """The staff report page, the respondent's results page and the PDF's text."""
    office = diagnostic.office
    staff = client_for(reader).get(reverse("diagnostics:report", args=[office.slug, diagnostic.pk]))
    token = diagnostic.provider.invitations.get().token
    results = client_for(reader).get(reverse("respond:results", args=[token]))
    return {
        "staff": staff.content.decode(),
        "results": results.content.decode(),
        "pdf": " ".join(pdf_text(render_report_pdf(diagnostic)).split()),
    }


def link(name, *args) -> str:
    return reverse(f"ateliers:{name}", args=args)


def test_a_session_with_places_is_the_link(client_for, reader, office, diagnostic, theme):
    session = SessionFactory(office=office, theme=theme)
    for where, page in shown(client_for, reader, diagnostic).items():
        assert link("session", office.slug, session.pk) in page, where
        assert "s'inscrire" in page, where


def test_a_full_session_gives_way_to_an_appointment(client_for, reader, office, diagnostic, theme):
    full = SessionFactory(office=office, theme=theme, capacity=1)
    RegistrationFactory(session=full)
    AppointmentSlotFactory(office=office)
    for where, page in shown(client_for, reader, diagnostic).items():
        assert link("session", office.slug, full.pk) not in page, where
        assert f"{link('appointments', office.slug)}?theme={theme.pk}" in page, where


def test_no_session_but_a_free_slot_is_an_appointment(
    client_for, reader, office, diagnostic, theme
):
    AppointmentSlotFactory(office=office)
    for where, page in shown(client_for, reader, diagnostic).items():
        assert link("appointments", office.slug) in page, where


def test_nothing_planned_is_prevenez_moi(client_for, reader, office, diagnostic, theme):
    for where, page in shown(client_for, reader, diagnostic).items():
        assert link("alert", office.slug, CODE) in page, where


def test_another_office_session_and_slots_are_never_offered(
    client_for, reader, office, other_office, diagnostic, theme
):
    theirs = SessionFactory(office=other_office, theme=ThemeFactory(office=other_office, code=CODE))
    AppointmentSlotFactory(office=other_office)
    for where, page in shown(client_for, reader, diagnostic).items():
        assert link("session", other_office.slug, theirs.pk) not in page, where
        assert f"/ateliers/{other_office.slug}/" not in page, where
        assert link("alert", office.slug, CODE) in page, where


def test_the_respondent_downloads_their_own_pdf(client, diagnostic):
    token = diagnostic.provider.invitations.get().token
    url = reverse("respond:results_pdf", args=[token])
    assert url in client.get(reverse("respond:results", args=[token])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "Hôtel du Vieux Pont" in pdf_text(response.content)
    assert client.get(reverse("respond:results_pdf", args=[token[:-2] + "xx"])).status_code == 404


def test_another_provider_link_opens_only_its_own_pdf(client, office, diagnostic):
    other = InvitationFactory(campaign=diagnostic.campaign)
    # No completed diagnostic behind this link: back to its welcome page, no one else's PDF.
    response = client.get(reverse("respond:results_pdf", args=[other.token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("respond:welcome", args=[other.token])
