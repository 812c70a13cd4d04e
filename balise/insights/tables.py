"""What a territory study is made of, independent of how it is shown.

A :class:`Study` is a list of :class:`StudyTable` (one per view of the dashboard: rows of
raw values, masked cells where a group is under :data:`MIN_GROUP` providers), the key
findings as sentences and the method. The dashboard, the XLSX/CSV exports, the PDF study,
the API and the network comparison all read this one structure, so a masked figure is
masked everywhere and the figures on paper are those on screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from balise.lib.charts import Chart

# Below this many providers, a group's figures are not shown (statistical secrecy: with 3
# campsites in a commune, "33 %" points at one of them).
MIN_GROUP = 5


class Masked:
    """A cell hidden because its group has fewer than MIN_GROUP providers."""

    _instance: Masked | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MASKED"

    def __bool__(self) -> bool:
        return False


MASKED = Masked()

Cell = int | float | str | None | Masked


@dataclass
class Column:
    """A column of a table. ``kind`` tells how to format and export its values:
    "label" (text), "count", "percent" (0–100), "score" (0–100), "delta" (points)."""

    key: str
    label: str
    kind: str = "label"


@dataclass
class StudyTable:
    """One view of the study as a table.

    ``rows`` hold raw values (not formatted strings), ``MASKED`` for a hidden cell, None
    for "no data". ``charts`` draw the same figures (each chart carries its own data table
    for screen readers). ``note`` explains what the figures mean (base, masking)."""

    key: str  # stable identifier: "participation_by_category", "axes", ...
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    section: str = ""  # the dashboard section it belongs to ("participation", "maturity"...)
    note: str = ""
    charts: list[Chart] = field(default_factory=list)
    masked_groups: int = 0  # how many groups were masked in this table

    def as_dicts(self) -> list[dict[str, Any]]:
        """Rows as {column key: value} with masked cells as None (for the API and JSON)."""
        return [
            {
                column.key: (None if isinstance(value, Masked) else value)
                for column, value in zip(self.columns, row, strict=True)
            }
            for row in self.rows
        ]


@dataclass
class Finding:
    """A key finding written as a sentence with its figure ("62 % des hébergements ne
    répondent jamais aux avis"). ``kind`` is "strength" or "weakness"."""

    kind: str
    text: str
    value: float | None = None
    base: int | None = None  # how many providers the figure is computed on


@dataclass
class Study:
    """A territory study for one campaign of an office (or a network comparison)."""

    title: str
    office_name: str
    campaign_name: str
    generated_at: dt.datetime
    invited: int
    completed: int
    filters_text: str = ""  # "Catégorie : Hébergement · Commune : …", empty if none
    compare_name: str = ""  # the earlier campaign compared with, if any
    score: float | None = None  # mean overall score of the completed responses (0-100)
    tables: list[StudyTable] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    method: list[str] = field(default_factory=list)  # paragraphs on method and samples

    def table(self, key: str) -> StudyTable | None:
        return next((table for table in self.tables if table.key == key), None)

    def section(self, section: str) -> list[StudyTable]:
        return [table for table in self.tables if table.section == section]

    @property
    def strengths(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == "strength"]

    @property
    def weaknesses(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == "weakness"]
