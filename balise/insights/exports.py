"""The territory study as files: XLSX (one sheet per view + anonymised answers) and CSV.

Both read the one :class:`~balise.insights.tables.Study` that the dashboard, the PDF and
the API read, so a figure masked on screen is masked in the files ("masqué (< 5)").
Numbers are written as numbers (a percentage as a fraction with a percent format, so
Excel shows "62 %" and can still compute), never as formatted strings.

The anonymised answers sheet lists the completed responses of the (filtered) campaign,
one row each, under a pseudonymous number drawn from a keyed hash (not the provider id,
not an order that gives away who answered first or whose name comes first), with the
category group only (no name, no commune, no free text, no figures typed in), a group
under :data:`MIN_GROUP` respondents shown as "autre", one column per closed question and
the axis scores. Under :data:`MIN_GROUP` responses in all, the sheet has no rows, only a
note. Files are always written in French: they are the office's documents.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from balise.diagnostics.models import AxisScore, Campaign, Response
from balise.lib.charts import round_half_up
from balise.members.exports import _safe_cell as safe_cell
from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup

from .comparison import compared_campaign
from .filters import StudyFilters
from .tables import MIN_GROUP, Masked, Study, StudyTable

CLOSED_TYPES = ("single", "multiple", "yes_partly_no", "scale5")
CHUNK = 500

# Excel number formats per column kind; a percentage is stored as a fraction.
NUMBER_FORMATS = {
    "count": "#,##0",
    "percent": "0%",
    "score": "0.0",
    "delta": "+0.0;-0.0;0",
}

SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def masked_text() -> str:
    return _("masqué (< %(min)d)") % {"min": MIN_GROUP}


def filename(campaign: Campaign, extension: str, filters: StudyFilters | None = None) -> str:
    """``etude-<office>-<campaign>[-<filters>].<extension>``, ASCII only: the filters
    named, so that two filtered downloads of a campaign do not take each other's name."""
    parts = [slugify(campaign.office.slug), slugify(campaign.slug)]
    if filters is not None and filters.slug():
        parts.append(filters.slug())
    return f"etude-{'-'.join(parts)}.{extension}"


# ---- Spreadsheet cells --------------------------------------------------------------


def _sheet_value(value, kind: str):
    """A study cell as a spreadsheet value: numbers stay numbers, masked says so."""
    if isinstance(value, Masked):
        return masked_text()
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return value / 100
    return safe_cell(value)


def _csv_value(value, kind: str) -> str:
    """A study cell for CSV: numbers with a decimal comma (French Excel reads them)."""
    if isinstance(value, Masked):
        return masked_text()
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        rounded = round_half_up(value, 0 if kind == "count" else 1).normalize()
        return f"{rounded:f}".replace(".", ",")
    return safe_cell(str(value))


def _sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = " ".join(title.translate(SHEET_NAME_FORBIDDEN).split()).strip("'") or _("Tableau")
    base = base[:31]
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.font = Font(bold=True)
    return cell


def _number(sheet, value, kind: str):
    cell = WriteOnlyCell(sheet, value=_sheet_value(value, kind))
    if kind in NUMBER_FORMATS and isinstance(cell.value, int | float):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def summary_lines(study: Study) -> list[tuple[str, object]]:
    """(label, value) pairs describing the study: the head of the summary sheet and CSV.
    The response rate is in percent (0-100), like every percentage of the study."""
    rate = 100 * study.completed / study.invited if study.invited else None
    lines: list[tuple[str, object]] = [
        (_("Office"), study.office_name),
        (_("Campagne"), study.campaign_name),
        (_("Édité le"), timezone.localtime(study.generated_at).strftime("%d/%m/%Y %H:%M")),
        (_("Prestataires invités"), study.invited),
        (_("Diagnostics terminés"), study.completed),
        (_("Taux de réponse"), rate),
        (_("Filtres"), study.filters_text or _("aucun")),
    ]
    if study.compare_name:
        lines.append((_("Comparée à"), study.compare_name))
    return lines


# ---- XLSX ---------------------------------------------------------------------------


def xlsx_workbook(
    study: Study, *, campaign: Campaign, filters: StudyFilters | None = None
) -> Workbook:
    """A write-only workbook: a summary sheet, one sheet per table of the study, then the
    anonymised answers. Reads the answers of ``campaign`` (filtered) in chunks."""
    with translation.override("fr"):
        workbook = Workbook(write_only=True)
        taken: set[str] = set()
        _summary_sheet(workbook.create_sheet(_sheet_title(_("Synthèse"), taken)), study)
        for table in study.tables:
            _table_sheet(workbook.create_sheet(_sheet_title(table.title, taken)), table)
        answers = workbook.create_sheet(_sheet_title(_("Réponses anonymisées"), taken))
        for row in anonymised_rows(campaign, filters=filters):
            answers.append([_anonymised_cell(answers, value) for value in row])
        return workbook


def _summary_sheet(sheet, study: Study) -> None:
    sheet.append([_bold(sheet, study.title)])
    sheet.append([])
    for label, value in summary_lines(study):
        kind = "percent" if label == _("Taux de réponse") else "count"
        sheet.append([_bold(sheet, label), _number(sheet, value, kind)])
    if study.findings:
        sheet.append([])
        sheet.append([_bold(sheet, _("Constats clés"))])
        for finding in study.findings:
            kind = _("Point fort") if finding.kind == "strength" else _("Point faible")
            sheet.append([kind, safe_cell(finding.text)])
    if study.method:
        sheet.append([])
        sheet.append([_bold(sheet, _("Méthode et échantillon"))])
        for paragraph in study.method:
            sheet.append([safe_cell(paragraph)])


def _table_sheet(sheet, table: StudyTable) -> None:
    sheet.append([_bold(sheet, table.title)])
    sheet.append([_bold(sheet, column.label) for column in table.columns])
    for row in table.rows:
        sheet.append(
            [
                _number(sheet, value, column.kind)
                for column, value in zip(table.columns, row, strict=True)
            ]
        )
    if table.note or table.masked_groups:
        sheet.append([])
    if table.note:
        sheet.append([safe_cell(table.note)])
    if table.masked_groups:
        sheet.append([masked_note(table.masked_groups)])


def masked_note(count: int) -> str:
    return _(
        "%(count)d groupe(s) de moins de %(min)d prestataires masqué(s) (secret statistique)."
    ) % {"count": count, "min": MIN_GROUP}


def _anonymised_cell(sheet, value):
    if isinstance(value, float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.0"
        return cell
    return safe_cell(value)


# ---- CSV ----------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_lines(study: Study) -> Iterator[str]:
    """The study's tables one after the other in one CSV (BOM, semicolons, decimal
    commas: French Excel opens it as is). Each block: title, header, rows, blank line."""
    with translation.override("fr"):
        writer = csv.writer(_Echo(), delimiter=";")
        yield "\ufeff"
        yield writer.writerow([safe_cell(study.title)])
        for label, value in summary_lines(study):
            if isinstance(value, float):
                value = f"{round_half_up(value)} %"
            yield writer.writerow([label, safe_cell(value)])
        yield writer.writerow([])
        for table in study.tables:
            yield writer.writerow([safe_cell(table.title)])
            yield writer.writerow([safe_cell(column.label) for column in table.columns])
            for row in table.rows:
                yield writer.writerow(
                    [
                        _csv_value(value, column.kind)
                        for column, value in zip(table.columns, row, strict=True)
                    ]
                )
            if table.masked_groups:
                yield writer.writerow([masked_note(table.masked_groups)])
            yield writer.writerow([])


# ---- Anonymised answers -------------------------------------------------------------


@dataclass(frozen=True)
class _Respondent:
    pk: int
    group: str


def pseudonym_key(campaign: Campaign, response_pk: int) -> str:
    """A keyed hash of the response: sorts respondents in an order nobody can rebuild."""
    message = f"{campaign.pk}:{response_pk}".encode()
    secret = f"balise.insights.anonymised:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def anonymised_rows(
    campaign: Campaign, *, filters: StudyFilters | None = None
) -> Iterator[list[object]]:
    """Header, then one row per completed response of ``campaign`` within ``filters``:
    number, category group, one column per closed question, overall and axis scores.
    Fewer than MIN_GROUP responses: the header and a note only."""
    filters = filters or StudyFilters()
    definition = campaign.version.parsed
    questions = [q for q in definition.questions if q.type in CLOSED_TYPES]
    axes = definition.axes
    yield [
        _("N°"),
        _("Famille"),
        *[q.code for q in questions],
        _("Score global"),
        *[_("Score : %(axis)s") % {"axis": axis.title.get("fr")} for axis in axes],
    ]
    responses = filters.apply(campaign.responses.filter(completed_at__isnull=False))
    # A few ints and a category per response: cheap even for 20,000 respondents.
    respondents = [
        _Respondent(pk, str(CATEGORY_GROUP[Category(category)]))
        for pk, category in responses.values_list("pk", "provider__category")
    ]
    if len(respondents) < MIN_GROUP:
        yield [
            _("Moins de %(min)d diagnostics terminés : les réponses ne sont pas exportées.")
            % {"min": MIN_GROUP}
        ]
        return
    group_sizes: dict[str, int] = {}
    for respondent in respondents:
        group_sizes[respondent.group] = group_sizes.get(respondent.group, 0) + 1
    labels = dict(CategoryGroup.choices)
    respondents.sort(key=lambda r: pseudonym_key(campaign, r.pk))
    number = 0
    for start in range(0, len(respondents), CHUNK):
        chunk = respondents[start : start + CHUNK]
        pks = [r.pk for r in chunk]
        answers = {
            pk: (given, overall)
            for pk, given, overall in Response.objects.filter(pk__in=pks)
            .values_list("pk", "answers", "overall_score")
            .iterator()
        }
        scores: dict[int, dict[str, float | None]] = {}
        for response_id, axis, value in (
            AxisScore.objects.filter(response_id__in=pks)
            .values_list("response_id", "axis", "score")
            .iterator()
        ):
            scores.setdefault(response_id, {})[axis] = value
        for respondent in chunk:
            number += 1
            given, overall = answers[respondent.pk]
            given = given or {}
            group = (
                str(labels[respondent.group])
                if group_sizes[respondent.group] >= MIN_GROUP
                else _("autre")
            )
            yield [
                number,
                group,
                *[_answer_text(given.get(q.code)) for q in questions],
                _score(overall),
                *[_score(scores.get(respondent.pk, {}).get(axis.code)) for axis in axes],
            ]


def _answer_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def _score(value) -> float | str:
    return round(float(value), 1) if value is not None else ""


# ---- Options from a query string (views and API alike) ------------------------------


def study_options(campaign: Campaign, data) -> tuple[StudyFilters, Campaign | None]:
    """The filters and the compared campaign named in ``data`` (a QueryDict or a dict).

    Like the dashboard: an invalid filter is ignored, and ``compare`` must be another
    campaign of the same office (anything else, including another office's id, is
    ignored rather than reported, so it tells nothing about other offices)."""
    from .filters import StudyFilterForm

    filters = StudyFilterForm(data, office=campaign.office).filters()
    raw = str(data.get("compare") or "").strip()
    pk = int(raw) if raw.isdigit() and len(raw) < 12 else None
    return filters, compared_campaign(campaign, pk=pk)
