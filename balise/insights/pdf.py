"""The printable study "Étude du numérique sur le territoire" (WeasyPrint, A4 portrait).

A one-page summary for elected officials (the sample and the mean score, strengths and
weaknesses as sentences, what the office proposes: its coming workshops, or the themes
most asked for), then the study's sections flowing from page to page, and the method.

Paper is read, not explored: a table is printed with the chart that says it best (only
where one helps, :data:`PLANS`), and the needs' breakdown by family only for the themes
asked for (the spreadsheet holds the rest). WeasyPrint's layout cost grows with every
cell and every SVG shape, so this is also what keeps the printed study quick to build.
The figures are formatted here in the French way ("62 %", "1 234", "+3") so that the
template only lays them out.
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

from .proposal import office_proposal
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


@dataclass(frozen=True)
class PrintPlan:
    """How a table is printed: with its chart or not (``beside``: a narrow table next to
    it), and how many of its columns (``columns``: the first ones; None for all)."""

    chart: bool = False
    beside: bool = False
    columns: int | None = None


# Tables not named here are printed whole, without their charts.
PLANS = {
    "levels": PrintPlan(chart=True, beside=True),
    "axes": PrintPlan(chart=True, beside=True),
    "indicators": PrintPlan(chart=True),
    "evolution_panel": PrintPlan(columns=4),
    "evolution_all": PrintPlan(columns=4),
    "needs_formats": PrintPlan(columns=3),
    "needs_months": PrintPlan(columns=3),
    "needs_moments": PrintPlan(columns=3),
    "needs_obstacles": PrintPlan(columns=3),
}
# Beyond this many columns, a table's headers are hyphenated to fit their narrow columns.
DENSE_COLUMNS = 8
# A table of at most this many rows is kept whole on one page.
SHORT_ROWS = 30


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
    widths: list[str] = field(default_factory=list)  # CSS widths of the columns
    masked_labels: list[str] = field(default_factory=list)  # whole rows masked, not printed
    anchor: str = ""
    beside: bool = False  # the chart beside the table rather than above it
    cut: bool = False  # some columns left out (in the spreadsheet)
    dense: bool = False  # many narrow columns: headers hyphenated

    @property
    def masked_cells(self) -> bool:
        return any(cell.masked for row in self.rows for cell in row)

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


def column_widths(kinds: list[str]) -> list[str]:
    """CSS widths of a table's columns, in percent: the row headers' column widest (more
    so with few columns), other text columns next, the figures sharing the rest. A fixed
    table layout then sizes no column from its cells, and text wraps as little as it can
    (both are most of the cost of laying out a long table)."""
    first = 3.5 if len(kinds) <= 4 else 2.5
    weights = [first] + [1.0 if kind != "label" else 2.0 for kind in kinds[1:]]
    total = sum(weights)
    return [f"{100 * weight / total:.2f}%" for weight in weights]


def printed_table(table: StudyTable) -> PrintedTable:
    """A table as printed. A group masked entirely (a row of dashes) is named in a note
    rather than printed as a row: the figures of the groups shown are easier to read."""
    plan = PLANS.get(table.key, PrintPlan())
    columns = table.columns[: plan.columns]
    numeric = [column.kind != "label" for column in columns]
    charts = list(table.charts[:1]) if plan.chart else []
    masked_rows = [
        row
        for row in table.rows
        if len(row) > 1 and all(isinstance(value, Masked) for value in row[1:])
    ]
    return PrintedTable(
        key=table.key,
        title=table.title,
        note=table.note,
        charts=charts,
        headers=[(column.label, is_num) for column, is_num in zip(columns, numeric, strict=True)],
        rows=[
            [
                PrintedCell(
                    text=format_cell(value, column.kind),
                    numeric=is_num,
                    masked=isinstance(value, Masked),
                )
                for column, is_num, value in zip(columns, numeric, row, strict=False)
            ]
            for row in table.rows
            if not any(row is masked for masked in masked_rows)
        ],
        masked_labels=[str(row[0]) for row in masked_rows],
        masked_groups=table.masked_groups,
        widths=column_widths([column.kind for column in columns]),
        anchor=f"tableau-{table.key}",
        beside=plan.beside and bool(charts),
        cut=len(columns) < len(table.columns),
        dense=len(columns) > DENSE_COLUMNS,
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


def score_change(study: Study) -> str:
    """The overall score's change on the providers who answered both compared campaigns
    ("+3"), or "" without a comparison or when it is masked."""
    table = study.table("evolution_panel")
    if table is None or not table.rows or not isinstance(table.rows[0][3], float):
        return ""
    return format_cell(table.rows[0][3], "delta")


def wanted_themes(study: Study, count: int = 3) -> list[str]:
    """The workshop themes the most respondents asked for (the needs table is sorted)."""
    table = study.table("needs_themes")
    if table is None:
        return []
    return [str(row[0]) for row in table.rows[:count] if isinstance(row[1], int) and row[1]]


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
                "score": format_value(study.score) if study.score is not None else "",
                "score_change": score_change(study),
                "proposal": office_proposal(office=office) if office is not None else None,
                "wanted_themes": wanted_themes(study),
                "sections": printed_sections(study),
                "has_masked": any(table.masked_groups for table in study.tables)
                or any(isinstance(v, Masked) for t in study.tables for r in t.rows for v in r),
                "min_group": MIN_GROUP,
            },
        )


def render_study_pdf(study: Study, *, office: Office | None = None) -> bytes:
    """The study as an A4 PDF (tagged, for screen readers)."""
    return html_to_pdf(render_study_html(study, office=office))
