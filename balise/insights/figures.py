"""Small helpers shared by the sections of the territory study: shares, groups, language."""

from __future__ import annotations

from django.utils.translation import get_language

from balise.lib.charts import Chart, format_value
from balise.members.models import CATEGORY_GROUP, CategoryGroup

PERCENT = "\u00a0%"


def share(count: float | None, base: float | None) -> float | None:
    return 100.0 * count / base if base and count is not None else None


def percent_text(value: float) -> str:
    return format_value(value, unit=PERCENT)


def group_of(category: str) -> str:
    return str(CATEGORY_GROUP.get(category, CategoryGroup.OTHER).value)


def language() -> str:
    return (get_language() or "fr")[:2]


def present(charts: list[Chart | None]) -> list[Chart]:
    return [chart for chart in charts if chart is not None]
