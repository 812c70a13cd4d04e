"""Study exports: the XLSX (a sheet per view, anonymised answers), the CSV and the views.

Most tests use a hand-made :class:`Study` (what ``build_study`` returns) so that every
cell is known; the anonymised answers come from real completed responses.
"""

import copy
import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from balise.insights import export_views
from balise.insights.exports import anonymised_rows, csv_lines, filename, xlsx_workbook
from balise.insights.filters import StudyFilters
from balise.insights.tables import MASKED, MIN_GROUP, Column, Finding, Study, StudyTable
from balise.lib.charts import bars
from balise.members.models import Category

from ..diagnostics.factories import completed_response
from ..diagnostics.report_questionnaire import (
    DEFINITION,
    answers_for,
    make_campaign,
    make_version,
)
from ..factories import CommuneFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def sample_study(**changes) -> Study:
    """A small study with a masked row, a formula-like label and a chart."""
    participation = StudyTable(
        key="participation_by_category",
        title="Participation par catégorie",
        section="participation",
        columns=[
            Column("label", "Catégorie"),
            Column("invited", "Invités", "count"),
            Column("completed", "Terminés", "count"),
            Column("rate", "Taux de réponse", "percent"),
        ],
        rows=[
            ["Hébergement", 40, 25, 62.5],
            ["Restauration", 12, 6, 50.0],
            ["Commerces et producteurs", MASKED, MASKED, MASKED],
            ['=HYPERLINK("http://evil.example")', 10, 5, 50.0],
        ],
        note="Base : prestataires invités à la campagne.",
        masked_groups=1,
    )
    axes = StudyTable(
        key="axes",
        title="Scores moyens par axe",
        section="maturity",
        columns=[
            Column("label", "Axe"),
            Column("score", "Score moyen", "score"),
            Column("answers", "Réponses", "count"),
            Column("delta", "Évolution", "delta"),
        ],
        rows=[["Site web", 54.25, 31, 3.0], ["E-réputation", 38.0, 31, -2.4]],
        charts=[bars([("Site web", 54.25), ("E-réputation", 38.0)], title="Scores moyens par axe")],
    )
    data = {
        "title": "Étude du numérique sur le territoire",
        "office_name": "Office de tourisme du Haut-Vallon",
        "campaign_name": "Diagnostic numérique 2026",
        "generated_at": timezone.make_aware(dt.datetime(2026, 4, 2, 10, 30)),
        "invited": 62,
        "completed": 36,
        "filters_text": "",
        "tables": [participation, axes],
        "findings": [
            Finding("strength", "81 % des prestataires ont un site internet.", 81, 36),
            Finding("weakness", "62 % des hébergements ne répondent jamais aux avis.", 62, 25),
        ],
        "method": ["Questionnaire en ligne et entretiens assistés, du 15 janvier au 31 mars."],
    }
    data.update(changes)
    return Study(**data)


@pytest.fixture
def campaign(office):
    return make_campaign(office, make_version())


def completed(campaign, count, *, category=Category.HOTEL, scores=None):
    return [
        completed_response(
            campaign,
            ProviderFactory(office=campaign.office, category=category, name=f"{category} {n}"),
            answers_for(scores or {"web": 75, "avis": 25}),
        )
        for n in range(count)
    ]


def open_xlsx(study, campaign, filters=None):
    buffer = io.BytesIO()
    xlsx_workbook(study, campaign=campaign, filters=filters).save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


# ---- XLSX ---------------------------------------------------------------------------


def test_xlsx_has_a_summary_a_sheet_per_table_and_the_answers(campaign):
    workbook = open_xlsx(sample_study(), campaign)
    assert workbook.sheetnames == [
        "Synthèse",
        "Participation par catégorie",
        "Scores moyens par axe",
        "Réponses anonymisées",
    ]
    summary = [row for row in workbook["Synthèse"].iter_rows(values_only=True) if any(row)]
    assert summary[0][0] == "Étude du numérique sur le territoire"
    assert ("Prestataires invités", 62) in [row[:2] for row in summary]
    # The response rate is a fraction shown as a percentage (36 of 62: 58 %), not 1 %.
    rate = next(
        row for row in workbook["Synthèse"].iter_rows() if row[0].value == "Taux de réponse"
    )
    assert rate[1].value == pytest.approx(36 / 62) and rate[1].number_format == "0%"
    assert ("Point faible", "62 % des hébergements ne répondent jamais aux avis.") in [
        row[:2] for row in summary
    ]


def test_xlsx_table_cells_are_numbers_masked_cells_say_so(campaign):
    sheet = open_xlsx(sample_study(), campaign)["Participation par catégorie"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Participation par catégorie"
    assert rows[1] == ("Catégorie", "Invités", "Terminés", "Taux de réponse")
    assert rows[2] == ("Hébergement", 40, 25, 0.625)
    assert rows[4] == ("Commerces et producteurs", "masqué (< 5)", "masqué (< 5)", "masqué (< 5)")
    # Percentages are fractions with a percent format: Excel shows "63 %" and can compute.
    assert sheet.cell(row=3, column=4).number_format == "0%"
    assert sheet.cell(row=3, column=2).number_format == "#,##0"
    texts = [row[0] for row in rows if row and row[0]]
    assert "Base : prestataires invités à la campagne." in texts
    assert any("1 groupe(s) de moins de 5" in text for text in texts)


def test_xlsx_neutralises_formulas_in_labels(campaign):
    sheet = open_xlsx(sample_study(), campaign)["Participation par catégorie"]
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://evil.example")' in labels
    assert not any(isinstance(label, str) and label.startswith("=") for label in labels)


def test_xlsx_scores_and_deltas_keep_their_decimals(campaign):
    rows = list(
        open_xlsx(sample_study(), campaign)["Scores moyens par axe"].iter_rows(values_only=True)
    )
    assert rows[2] == ("Site web", 54.25, 31, 3.0)
    assert rows[3] == ("E-réputation", 38.0, 31, -2.4)


def test_sheet_names_are_valid_and_unique(campaign):
    long_title = "Besoins : thèmes souhaités / formats [par catégorie] ?"
    tables = [
        StudyTable(key=f"t{n}", title=long_title, columns=[Column("label", "X")], rows=[["a"]])
        for n in range(2)
    ]
    names = open_xlsx(sample_study(tables=tables), campaign).sheetnames
    assert names[1:3] == ["Besoins thèmes souhaités format", "Besoins thèmes souhaités fo (2)"]
    assert len(names[1]) <= 31 and len(names[2]) <= 31
    assert names[1] != names[2]
    assert not any(char in name for name in names for char in "[]:*?/\\")


# ---- Anonymised answers -------------------------------------------------------------


def test_anonymised_answers_one_row_per_completed_response(campaign):
    hotels = completed(campaign, MIN_GROUP)
    completed(campaign, 2, category=Category.RESTAURANT)
    ProviderFactory(office=campaign.office)  # invited nowhere, never answered
    rows = list(anonymised_rows(campaign))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["N°", "Famille"]
    assert "web.q1" in header and "Score global" in header
    assert "Score : Site web" in header
    assert len(body) == MIN_GROUP + 2
    assert [row[0] for row in body] == list(range(1, len(body) + 1))
    # Five hotels are a group; two restaurants are not: they become "autre".
    assert sorted({row[1] for row in body}) == ["Hébergement", "autre"]
    assert sum(1 for row in body if row[1] == "autre") == 2
    web_q1 = header.index("web.q1")
    assert {row[web_q1] for row in body} == {"oui"}
    web_score = header.index("Score : Site web")
    assert {row[web_score] for row in body} == {75.0}
    # Nothing in any row points at a provider: no id, no name.
    names = {hotel.provider.name for hotel in hotels}
    ids = {hotel.provider_id for hotel in hotels} | {hotel.pk for hotel in hotels}
    for row in body:
        assert not names & {str(value) for value in row}
    assert [row[0] for row in body] != sorted(ids)


def test_anonymised_answers_order_is_not_the_answer_order(campaign):
    responses = completed(campaign, 20)
    for index, response in enumerate(responses):
        response.answers = {**response.answers, "equipement.q1": "oui" if index < 10 else "non"}
        response.save(update_fields=["answers"])
    rows = list(anonymised_rows(campaign))[1:]
    column = next(iter(anonymised_rows(campaign))).index("equipement.q1")
    # The first ten answered "oui": a numbering in answer order would list them first (a
    # keyed shuffle does so by chance once in 184,756; with 12 rows it was once in 924).
    assert [row[column] for row in rows] != ["oui"] * 10 + ["non"] * 10
    assert list(anonymised_rows(campaign))[1:] == rows  # the same order every time


def test_anonymised_answers_withheld_under_the_minimum(campaign):
    completed(campaign, MIN_GROUP - 1)
    rows = list(anonymised_rows(campaign))
    assert len(rows) == 2
    assert rows[1] == ["Moins de 5 diagnostics terminés : les réponses ne sont pas exportées."]


def test_anonymised_answers_follow_the_filters(campaign):
    completed(campaign, MIN_GROUP)
    completed(campaign, MIN_GROUP, category=Category.RESTAURANT)
    rows = list(anonymised_rows(campaign, filters=StudyFilters(category_group="restauration")))
    assert len(rows) == 1 + MIN_GROUP
    assert {row[1] for row in rows[1:]} == {"Restauration"}


def test_multiple_choice_joined_and_free_text_left_out(office):
    definition = copy.deepcopy(DEFINITION)
    definition["sections"][0]["questions"].append(
        {
            "code": "equipement.outils",
            "type": "multiple",
            "axis": "equipement",
            "label": {"fr": "Outils"},
            "options": [
                {"code": "ordinateur", "label": {"fr": "Ordinateur"}, "points": 1},
                {"code": "tablette", "label": {"fr": "Tablette"}, "points": 1},
            ],
        }
    )
    definition["sections"][0]["questions"].append(
        {"code": "equipement.remarque", "type": "text", "label": {"fr": "Remarque"}}
    )
    campaign = make_campaign(office, make_version(definition))
    for response in completed(campaign, MIN_GROUP):
        response.answers = {
            **response.answers,
            "equipement.outils": ["ordinateur", "tablette"],
            "equipement.remarque": "Mon gîte est le seul de la vallée",
        }
        response.save(update_fields=["answers"])
    rows = list(anonymised_rows(campaign))
    assert "equipement.remarque" not in rows[0]
    column = rows[0].index("equipement.outils")
    assert {row[column] for row in rows[1:]} == {"ordinateur;tablette"}
    assert not any("seul de la vallée" in str(value) for row in rows for value in row)


def test_xlsx_answers_sheet_has_numeric_scores(campaign):
    completed(campaign, MIN_GROUP)
    sheet = open_xlsx(sample_study(), campaign)["Réponses anonymisées"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + MIN_GROUP
    column = rows[0].index("Score : Site web")
    assert rows[1][column] == 75.0


# ---- CSV ----------------------------------------------------------------------------


def test_csv_parses_with_every_table_and_masked_cells():
    text = "".join(csv_lines(sample_study()))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Étude du numérique sur le territoire"]
    assert ["Taux de réponse", "58 %"] in rows
    start = rows.index(["Participation par catégorie"])
    assert rows[start + 1] == ["Catégorie", "Invités", "Terminés", "Taux de réponse"]
    assert rows[start + 2] == ["Hébergement", "40", "25", "62,5"]
    assert rows[start + 4] == ["Commerces et producteurs"] + ["masqué (< 5)"] * 3
    assert rows[start + 5][0] == '\'=HYPERLINK("http://evil.example")'
    assert ["Site web", "54,3", "31", "3"] in rows  # rounded half up, decimal comma
    assert ["E-réputation", "38", "31", "-2,4"] in rows


def test_filename_names_office_and_campaign(campaign):
    assert filename(campaign, "pdf") == "etude-haut-vallon-diagnostic-2026.pdf"


# ---- Views --------------------------------------------------------------------------


def url(name, campaign, **query):
    base = reverse(
        f"insights:{name}", kwargs={"office_slug": campaign.office.slug, "campaign_id": campaign.pk}
    )
    if query:
        base += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return base


@pytest.fixture
def hand_made(monkeypatch):
    """Serve the hand-made study from the views, recording what they asked for."""
    calls = []

    def fake_build_study(campaign, *, filters=None, compare=None):
        calls.append({"campaign": campaign, "filters": filters, "compare": compare})
        return sample_study()

    monkeypatch.setattr(export_views, "build_study", fake_build_study)
    return calls


@pytest.mark.parametrize(
    ("name", "content_type", "extension"),
    [
        ("export_xlsx", "application/vnd.openxmlformats", "xlsx"),
        ("export_csv", "text/csv", "csv"),
        ("export_pdf", "application/pdf", "pdf"),
    ],
)
def test_reader_downloads_each_format(
    client_for, reader, campaign, hand_made, name, content_type, extension
):
    response = client_for(reader).get(url(name, campaign))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert (
        f'filename="etude-haut-vallon-diagnostic-2026.{extension}"'
        in response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body


@pytest.mark.parametrize(
    ("name", "extension"), [("export_xlsx", "xlsx"), ("export_csv", "csv"), ("export_pdf", "pdf")]
)
def test_a_filtered_download_names_its_filters(
    client_for, reader, campaign, hand_made, name, extension
):
    commune = CommuneFactory(name="Malbosc-des-Cévennes")
    ProviderFactory(office=campaign.office, commune=commune)
    response = client_for(reader).get(
        url(name, campaign, category_group="hebergement", commune=commune.pk)
    )
    assert (
        f'filename="etude-haut-vallon-diagnostic-2026-hebergement-malbosc-des-cevennes.{extension}"'
        in response["Content-Disposition"]
    )


def test_anonymous_is_sent_to_login(client, campaign):
    response = client.get(url("export_csv", campaign))
    assert response.status_code == 302
    assert "/connexion" in response["Location"] or "login" in response["Location"]


def test_filters_and_compare_come_from_the_query_string(
    client_for, animator, campaign, other_office, hand_made
):
    earlier = make_campaign(campaign.office, campaign.version, slug="diagnostic-2025", year=2025)
    theirs = make_campaign(other_office, campaign.version, slug="leur-diagnostic")
    client = client_for(animator)
    client.get(url("export_csv", campaign, category_group="hebergement", compare=earlier.pk))
    assert hand_made[-1]["filters"] == StudyFilters(category_group="hebergement")
    assert hand_made[-1]["compare"] == earlier
    # Another office's campaign, the campaign itself or junk: no comparison, no error.
    for value in (theirs.pk, campaign.pk, "abc", "9" * 30):
        assert client.get(url("export_csv", campaign, compare=value)).status_code == 200
        assert hand_made[-1]["compare"] is None
    assert client.get(url("export_csv", campaign, category_group="nope")).status_code == 200
    assert hand_made[-1]["filters"] == StudyFilters()


def test_real_study_exports_with_real_answers(client_for, reader, campaign):
    completed(campaign, MIN_GROUP)
    response = client_for(reader).get(url("export_xlsx", campaign))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Synthèse"
    answers = list(workbook["Réponses anonymisées"].iter_rows(values_only=True))
    assert len(answers) == 1 + MIN_GROUP
