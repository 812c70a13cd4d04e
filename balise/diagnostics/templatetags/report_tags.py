"""Number formatting for reports: ``{% load report_tags %}``."""

from django import template

from balise.lib.charts import format_value, round_half_up

register = template.Library()


@register.filter
def score(value) -> str:
    """A score as people read it: "63" (rounded half up), "non renseigné" for None."""
    return format_value(value)


@register.filter
def signed(value) -> str:
    """A change with its sign: "+12", "−5" (a true minus sign), "0"."""
    if value is None:
        return "—"
    rounded = round_half_up(value)
    if rounded > 0:
        return f"+{format_value(rounded)}"
    if rounded < 0:
        return f"−{format_value(-rounded)}"
    return "0"
