"""The printed study: what an elected official reads on paper."""

import pypdfium2 as pdfium
import pytest

from balise.insights.pdf import format_cell, printed_sections, render_study_html, render_study_pdf
from balise.insights.tables import MASKED, Column, StudyTable

from .test_exports import sample_study

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> tuple[str, int]:
    document = pdfium.PdfDocument(data)
    try:
        pages = len(document)
        text = "\n".join(document[index].get_textpage().get_text_range() for index in range(pages))
    finally:
        document.close()
    # One space for any run of spaces and line breaks: sentences wrap on paper.
    return " ".join(text.replace("\u00a0", " ").split()), pages


def page_lines(data: bytes) -> list[list[str]]:
    """The non-empty text lines of each page."""
    document = pdfium.PdfDocument(data)
    try:
        return [
            [line for line in page.get_textpage().get_text_range().splitlines() if line.strip()]
            for page in document
        ]
    finally:
        document.close()


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (62.5, "percent", "63\u00a0%"),
        (1234, "count", "1\u202f234"),
        (54.25, "score", "54"),
        (3.0, "delta", "+3"),
        (-2.4, "delta", "\u22122"),
        (0.2, "delta", "0"),
        (MASKED, "percent", "—"),
        (None, "count", ""),
        ("Hébergement", "label", "Hébergement"),
    ],
)
def test_cells_are_printed_the_french_way(value, kind, expected):
    printed = format_cell(value, kind)
    # Django's French thousand separator is a narrow no-break space or a no-break space
    # depending on the version: compare without it.
    assert printed.replace("\u202f", " ").replace("\u00a0", " ") == expected.replace(
        "\u202f", " "
    ).replace("\u00a0", " ")


def test_pdf_has_the_title_findings_sections_and_method(office):
    data = render_study_pdf(sample_study(), office=office)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    assert "Étude du numérique sur le territoire" in text
    assert "Office de tourisme du Haut-Vallon" in text
    assert "Diagnostic numérique 2026" in text
    # The summary: the sample and the key findings as sentences.
    assert "Prestataires invités" in text and "62" in text
    assert "58 %" in text  # 36 of 62
    assert "62 % des hébergements ne répondent jamais aux avis." in text
    assert "81 % des prestataires ont un site internet." in text
    # Sections with their tables; a masked group is a dash with its footnote.
    assert "Participation" in text and "Maturité numérique" in text
    assert "Scores moyens par axe" in text
    assert "Hébergement 40 25 63 %" in text
    # A group masked entirely is named under its table, without a row of dashes.
    assert "chiffres masqués pour que personne ne puisse être reconnu : Commerces" in text
    assert "Commerces et producteurs —" not in text
    assert "Site web 54 31 +3" in text and "E-réputation 38 31 −2" in text
    assert "Méthode et échantillon" in text
    assert "entretiens assistés" in text
    assert f"Page 1 / {pages}" in text
    first, second = page_lines(data)[:2]
    assert "Les constats clés" in first and "Participation" not in first
    assert "Participation" in second


def test_pdf_escapes_data_and_never_runs_it(office):
    study = sample_study(office_name="<script>alert(1)</script> Office")
    html = render_study_html(study, office=office)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_charts_and_tables_are_accessible_in_the_html(office):
    html = render_study_html(sample_study(), office=office)
    assert 'role="img"' in html  # the chart's SVG
    assert "<caption>Participation par catégorie</caption>" in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert 'lang="fr"' in html


def test_empty_study_prints_cleanly(office):
    study = sample_study(tables=[], findings=[], method=[], invited=0, completed=0)
    text, _pages = pdf_text(render_study_pdf(study, office=office))
    assert "Étude du numérique sur le territoire" in text
    assert "Méthode et échantillon" in text


def test_sections_keep_the_study_order():
    tables = [
        StudyTable(key=key, title=key, section=section, columns=[Column("l", "L")], rows=[])
        for key, section in [("a", "maturity"), ("b", "participation"), ("c", "maturity")]
    ]
    sections = printed_sections(sample_study(tables=tables))
    assert [(s.key, [t.key for t in s.tables]) for s in sections] == [
        ("maturity", ["a", "c"]),
        ("participation", ["b"]),
    ]


# ---- The demo's study, end to end ---------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction

    from balise.demo.builder import build_demo

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo()
        transaction.set_rollback(True)


def page_fill(data: bytes) -> list[float]:
    """How far down each page its text goes, from 0 (empty) to 1 (the bottom margin),
    the running footer left out."""
    document = pdfium.PdfDocument(data)
    try:
        fills = []
        for page in document:
            text = page.get_textpage()
            bottoms = [text.get_rect(index)[1] for index in range(text.count_rects())]
            body = [bottom for bottom in bottoms if bottom > 60]  # above the footer
            fills.append(1 - min(body) / page.get_height() if body else 0.0)
        return fills
    finally:
        document.close()


def demo_campaigns():
    from balise.diagnostics.models import Campaign

    campaigns = sorted(
        Campaign.objects.filter(office__slug="haut-vallon").select_related("office", "version"),
        key=lambda c: c.starts_on,
    )
    return campaigns[-1], campaigns[-2]


@pytest.mark.parametrize("compared", [False, True])
def test_demo_study_opens_with_a_one_page_summary_and_fills_its_pages(demo, compared):
    from balise.insights.study import build_study

    campaign, earlier = demo_campaigns()
    study = build_study(campaign, compare=earlier if compared else None)
    pdf = render_study_pdf(study, office=campaign.office)
    pages = page_lines(pdf)
    assert len(pages) <= 12
    first = " ".join(" ".join(pages[0]).split())
    # For elected officials: the key figures, strengths, weaknesses and what the office
    # proposes (the demo's coming programme), all on the first page.
    for words in ("Diagnostics terminés", "Score numérique moyen", "Points forts"):
        assert words in first
    assert "Points faibles" in first and "Ce que propose l'office" in first
    assert "Hiver 2026-2027" in first and "séances à venir" in first
    assert "Participation" in " ".join(pages[1][:3])
    # No page but the last is left mostly empty (a table pushed over, an orphan row).
    assert all(fill > 0.5 for fill in page_fill(pdf)[:-1]), page_fill(pdf)


def test_demo_study_prints_and_exports(demo, tmp_path):
    import io

    from openpyxl import load_workbook

    from balise.insights.exports import xlsx_workbook
    from balise.insights.study import build_study
    from balise.insights.tables import MASKED

    campaign, earlier = demo_campaigns()
    study = build_study(campaign, compare=earlier)
    pdf = render_study_pdf(study, office=campaign.office)
    text, _pages = pdf_text(pdf)
    # No page holds only its running header and footer and a heading: a heading goes with
    # what it announces (a short table with its notes).
    for number, lines in enumerate(page_lines(pdf), start=1):
        assert len(lines) > 3, (number, lines)
    assert "Étude du numérique sur le territoire" in text
    assert "Méthode et échantillon" in text
    for finding in study.findings:
        assert " ".join(finding.text.split()) in text
    for table in study.tables:
        assert " ".join(table.title.split()) in text
    buffer = io.BytesIO()
    xlsx_workbook(study, campaign=campaign).save(buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert len(workbook.sheetnames) == len(study.tables) + 2
    answers = list(workbook["Réponses anonymisées"].iter_rows(values_only=True))
    assert len(answers) == 1 + study.completed
    # Every masked cell of the study is masked in its sheet, in the same place.
    for index, table in enumerate(study.tables, start=1):
        sheet_rows = list(workbook[workbook.sheetnames[index]].iter_rows(values_only=True))
        for row_number, row in enumerate(table.rows):
            for column_number, value in enumerate(row):
                cell = sheet_rows[2 + row_number][column_number]
                if value is MASKED:
                    assert cell == "masqué (< 5)"
                elif (
                    isinstance(value, int | float)
                    and table.columns[column_number].kind != "percent"
                ):
                    assert cell == pytest.approx(value)
