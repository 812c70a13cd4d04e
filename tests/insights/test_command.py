"""`balise study`: the study of a campaign written as PDF, XLSX or CSV from the shell."""

import csv
import io

import pypdfium2 as pdfium
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from balise.insights.tables import MIN_GROUP
from balise.members.models import Category

from ..diagnostics.report_questionnaire import make_campaign, make_version
from ..factories import CommuneFactory, ProviderFactory
from .test_exports import completed

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(office):
    return make_campaign(office, make_version())


def run(*args) -> str:
    out = io.StringIO()
    call_command("study", *args, stdout=out)
    return out.getvalue()


def test_writes_a_pdf(campaign, tmp_path):
    path = tmp_path / "etude.pdf"
    message = run("--campaign", campaign.slug, "--out", str(path))
    assert "Diagnostic numérique 2026" in message and str(path) in message
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Étude du numérique sur le territoire" in text


def test_writes_an_xlsx_with_the_filtered_answers(campaign, tmp_path):
    completed(campaign, MIN_GROUP)
    completed(campaign, MIN_GROUP, category=Category.RESTAURANT)
    path = tmp_path / "etude.xlsx"
    run("--campaign", campaign.slug, "--category-group", "restauration", "--out", str(path))
    workbook = load_workbook(path)
    answers = list(workbook["Réponses anonymisées"].iter_rows(values_only=True))
    assert [row[1] for row in answers[1:]] == ["Restauration"] * MIN_GROUP
    summary = [row[:2] for row in workbook["Synthèse"].iter_rows(values_only=True)]
    assert ("Filtres", "Famille : Restauration") in summary


def test_writes_a_csv(campaign, tmp_path):
    path = tmp_path / "etude.CSV"
    run("--campaign", campaign.slug, "--out", str(path))
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Étude du numérique sur le territoire"]


def test_commune_filter_and_comparison(campaign, office, tmp_path):
    commune = CommuneFactory(insee_code="07186")
    ProviderFactory(office=office, commune=commune)
    earlier = make_campaign(office, campaign.version, slug="diagnostic-2025", year=2025)
    path = tmp_path / "etude.xlsx"
    run(
        "--campaign", campaign.slug, "--compare", earlier.slug, "--commune", "07186",
        "--out", str(path),
    )  # fmt: skip
    summary = [row[:2] for row in load_workbook(path)["Synthèse"].iter_rows(values_only=True)]
    assert ("Comparée à", earlier.name) in summary
    assert ("Filtres", f"Commune : {commune.name}") in summary


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "inconnue"], "Campagne inconnue : « inconnue »."),
        (["--campaign", "diagnostic-2026", "--office", "autre-rive"], "Campagne inconnue"),
        (["--campaign", "diagnostic-2026", "--compare", "nope"], "Campagne à comparer inconnue"),
        (
            ["--campaign", "diagnostic-2026", "--compare", "diagnostic-2026"],
            "ne se compare pas à elle-même",
        ),
        (["--campaign", "diagnostic-2026", "--category-group", "spa"], "Famille inconnue"),
        (["--campaign", "diagnostic-2026", "--commune", "99999"], "code INSEE 99999"),
    ],
)
def test_fails_cleanly(campaign, other_office, tmp_path, args, message):
    path = tmp_path / "etude.pdf"
    with pytest.raises(CommandError, match=message):
        run(*args, "--out", str(path))
    assert not path.exists()


def test_bad_extension_or_folder(campaign, tmp_path):
    with pytest.raises(CommandError, match=r"\.pdf, \.xlsx ou \.csv"):
        run("--campaign", campaign.slug, "--out", str(tmp_path / "etude.docx"))
    with pytest.raises(CommandError, match="Dossier introuvable"):
        run("--campaign", campaign.slug, "--out", str(tmp_path / "nowhere" / "etude.pdf"))


def test_ambiguous_slug_needs_the_office(campaign, other_office, tmp_path):
    make_campaign(other_office, campaign.version, slug=campaign.slug)
    with pytest.raises(CommandError, match="précisez --office"):
        run("--campaign", campaign.slug, "--out", str(tmp_path / "etude.csv"))
    run("--campaign", campaign.slug, "--office", "autre-rive", "--out", str(tmp_path / "e.csv"))
    assert (tmp_path / "e.csv").exists()
