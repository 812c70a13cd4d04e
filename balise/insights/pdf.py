"""The printable study "Étude du numérique sur le territoire" (WeasyPrint, A4).

A summary page (office, territory, campaign, date, sample, filters, key findings as
sentences), then one part per section of the study with its charts and tables (a masked
cell is "—" with a footnote), then "Méthode et échantillon". The figures are formatted
here in the French way ("62 %", "1 234", "+3") so that the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.lib.charts import Chart, format_value, round_half_up
from balise.lib.pdf import html_to_pdf
from balise.offices.models import Office

from .tables import MIN_GROUP, Masked, Study, StudyTable

SECTION_TITLES = {
    "participation": gettext_lazy("Participation"),
    "maturity": gettext_lazy("Maturité numérique"),
    "strengths": gettext_lazy("Forces et faiblesses"),
    "heatmaps": gettext_lazy("Par catégorie et par commune"),
    "indicators": gettext_lazy("Indicateurs clés : déclaré et observé"),
    "needs": gettext_lazy("Besoins d'accompagnement"),
    "evolution": gettext_lazy("Évolution"),
}


def section_title(key: str) -> str:
    if key in SECTION_TITLES:
        return str(SECTION_TITLES[key])
    return key.replace("_", " ").capitalize() if key != "other" else _("Autres tableaux")


# A table with more columns than this gets a landscape page of its own (heatmaps by
# commune, needs by family): on portrait A4 its headers would run off the page.
WIDE_COLUMNS = 6
# A table of at most this many rows is not split across pages.
SHORT_ROWS = 20


def format_cell(value, kind: str) -> str:
    """A study cell as printed: "62 %", "1 234", "54", "+3" / "−2", "—" when masked."""
    if isinstance(value, Masked):
        return "—"
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if not isinstance(value, int | float):
        return str(value)
    if kind == "percent":
        return format_value(value, unit="\u00a0%")
    if kind == "delta":
        rounded = round_half_up(value)
        if rounded > 0:
            return f"+{format_value(rounded)}"
        if rounded < 0:
            return f"\u2212{format_value(-rounded)}"
        return "0"
    if kind == "count":
        return number_format(round_half_up(value), decimal_pos=0, force_grouping=True)
    return format_value(value)


@dataclass
class PrintedCell:
    text: str
    numeric: bool
    masked: bool


@dataclass
class PrintedTable:
    key: str
    title: str
    note: str
    charts: list[Chart]
    headers: list[tuple[str, bool]]  # (label, numeric)
    rows: list[list[PrintedCell]]
    masked_groups: int
    anchor: str = ""
    wide: bool = False  # printed on a landscape page

    @property
    def short(self) -> bool:
        """Short enough to be kept on one page rather than split (header alone at the
        bottom of a page, rows on the next)."""
        return len(self.rows) <= SHORT_ROWS


@dataclass
class PrintedSection:
    key: str
    title: str
    tables: list[PrintedTable] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        """Every table is a landscape one without a chart: the section's heading goes on
        the landscape page with them, instead of alone on a portrait page."""
        return all(table.wide and not table.charts for table in self.tables)


def printed_table(table: StudyTable) -> PrintedTable:
    numeric = [column.kind != "label" for column in table.columns]
    return PrintedTable(
        key=table.key,
        title=table.title,
        note=table.note,
        charts=list(table.charts),
        headers=[
            (column.label, is_num) for column, is_num in zip(table.columns, numeric, strict=True)
        ],
        rows=[
            [
                PrintedCell(
                    text=format_cell(value, column.kind),
                    numeric=is_num,
                    masked=isinstance(value, Masked),
                )
                for column, is_num, value in zip(table.columns, numeric, row, strict=True)
            ]
            for row in table.rows
        ],
        masked_groups=table.masked_groups,
        anchor=f"tableau-{table.key}",
        wide=len(table.columns) > WIDE_COLUMNS,
    )


def printed_sections(study: Study) -> list[PrintedSection]:
    """The study's tables grouped by section, sections in order of first appearance."""
    sections: dict[str, PrintedSection] = {}
    for table in study.tables:
        key = table.section or "other"
        if key not in sections:
            sections[key] = PrintedSection(key=key, title=section_title(key))
        sections[key].tables.append(printed_table(table))
    return list(sections.values())


def render_study_html(study: Study, *, office: Office | None = None) -> str:
    """The study as an HTML document for WeasyPrint, always in French."""
    with translation.override("fr"):
        rate = study.completed / study.invited * 100 if study.invited else None
        return render_to_string(
            "insights/study_pdf.html",
            {
                "study": study,
                "office": office,
                "generated_on": timezone.localtime(study.generated_at).date(),
                "rate": format_value(rate, unit="\u00a0%") if rate is not None else "",
                "sections": printed_sections(study),
                "has_masked": any(table.masked_groups for table in study.tables)
                or any(isinstance(v, Masked) for t in study.tables for r in t.rows for v in r),
                "min_group": MIN_GROUP,
            },
        )


def render_study_pdf(study: Study, *, office: Office | None = None) -> bytes:
    """The study as an A4 PDF (tagged, for screen readers)."""
    return html_to_pdf(render_study_html(study, office=office))
