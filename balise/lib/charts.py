"""Server-side SVG charts: the one chart module of Balise, for web pages and PDFs alike.

Every chart is a :class:`Chart`: the picture (``svg``), its data table (``table``) and a
text summary (``alt``). The same SVG goes into a page and into a WeasyPrint PDF, so it uses
only what both understand:

- presentation attributes (``fill``, ``stroke``, ``stroke-dasharray``, ``font-size``...),
  never a ``style`` attribute or a ``<style>`` element: the Content-Security-Policy of the
  pages forbids inline styles, and attributes are allowed;
- a ``viewBox`` with ``width``/``height`` giving the intrinsic size, so the chart scales
  down to a 360 px phone (the page CSS says ``width: 100%; height: auto``);
- ``role="img"``, a ``<title>`` and a ``<desc>`` referenced by ``aria-labelledby``: a
  screen reader announces the title and the summary, and the data table next to the chart
  gives the figures.

Series are told apart by colour (a palette safe for the common colour-vision deficiencies,
each colour at least 4.5:1 on white), by dash pattern and by marker shape, so a chart
printed in black and white still reads. A value of ``None`` is a gap in the picture and
"non renseigné" in the table. Every text that comes from data is escaped.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Value = float | int | None


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: str  # stroke-dasharray, "" for a solid line
    marker: str  # "circle", "square", "diamond", "triangle"


# Teal, terracotta, purple, near-black: distinct under protanopia, deuteranopia and
# tritanopia, and ≥ 4.5:1 on white (text-grade contrast, more than the 3:1 needed for
# graphics). Dash patterns and markers carry the difference without colour.
PALETTE: tuple[SeriesStyle, ...] = (
    SeriesStyle("#0b5c6b", "", "circle"),
    SeriesStyle("#b3440f", "8 5", "square"),
    SeriesStyle("#6a3d9a", "2 4", "diamond"),
    SeriesStyle("#1b1f24", "12 4 2 4", "triangle"),
)
INK = "#1b1f24"
MUTED = "#4a5562"
GRID = "#c9d1d9"
FONT_SIZE = 14
SMALL = 12


@dataclass(frozen=True)
class ChartTable:
    """The chart's data as a table: ``rows[i][0]`` is the row header (the label)."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    table: ChartTable
    alt: str
    title: str
    id: str

    def __str__(self) -> str:  # {{ chart }} in a template gives the picture
        return self.svg

    def __html__(self) -> str:
        return self.svg


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """82.5 → 83, as people round (Python's round() gives 82: banker's rounding)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def shown_difference(before: float, after: float) -> float:
    """``after - before`` as a reader computes it from the two rounded figures shown, so a
    page never says "from 44 to 46 (+3)"."""
    return float(round_half_up(after) - round_half_up(before))


def format_value(value: Value, *, decimals: int = 0, unit: str = "") -> str:
    """A number in the active locale ("62", "62,5"), or "non renseigné" for None."""
    if value is None:
        return _("non renseigné")
    text = number_format(round_half_up(value, decimals), decimal_pos=decimals)
    return f"{text}{unit}" if unit else text


def _num(value: float) -> str:
    """A coordinate for SVG: short, dot decimal, whatever the locale."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _chart_id(kind: str, title: str, *data) -> str:
    digest = hashlib.sha1(repr((kind, title, data)).encode("utf-8"), usedforsecurity=False)
    return f"chart-{kind}-{digest.hexdigest()[:10]}"


def _text_width(text: str, size: float) -> float:
    """A rough width of ``text`` in a sans-serif font, to size the viewBox."""
    return len(text) * size * 0.56


def _wrap(text: str, width: int) -> list[str]:
    """Split a label into lines of about ``width`` characters, on spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    common = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect x="{_num(x - s)}" y="{_num(y - s)}" width="{_num(2 * s)}" '
            f'height="{_num(2 * s)}" {common}/>'
        )
    if shape == "diamond":
        s = size * 1.25
        points = f"{_num(x)},{_num(y - s)} {_num(x + s)},{_num(y)} {_num(x)},{_num(y + s)} " + (
            f"{_num(x - s)},{_num(y)}"
        )
        return f'<polygon points="{points}" {common}/>'
    if shape == "triangle":
        s = size * 1.25
        points = f"{_num(x)},{_num(y - s)} {_num(x + s)},{_num(y + s * 0.8)} " + (
            f"{_num(x - s)},{_num(y + s * 0.8)}"
        )
        return f'<polygon points="{points}" {common}/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" {common}/>'


def _svg(
    chart_id: str, title: str, desc: str, width: float, height: float, body: list[str]
) -> SafeString:
    return mark_safe(  # every piece of data in ``body`` went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif" '
        f'font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(names: list[str], *, x: float, y: float, bars: bool = False) -> tuple[list[str], float]:
    """One legend row per series: its line (dash and marker) or bar swatch, and its name."""
    parts = [f'<g class="chart-legend" aria-hidden="true" transform="translate({_num(x)} 0)">']
    for index, name in enumerate(names):
        style = PALETTE[index % len(PALETTE)]
        row_y = y + index * 22
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        if bars:
            swatch = (
                f'<rect x="0" y="{_num(row_y - 7)}" width="34" height="14" fill="{style.colour}"/>'
                if index == 0
                else f'<rect x="1" y="{_num(row_y - 5)}" width="32" height="10" '
                f'fill="{style.colour}" fill-opacity="0.18" stroke="{style.colour}" '
                f'stroke-width="2"{dash}/>'
            )
        else:
            swatch = (
                f'<line x1="0" y1="{_num(row_y)}" x2="34" y2="{_num(row_y)}" '
                f'stroke="{style.colour}" stroke-width="2.5"{dash}/>'
                + _marker(style.marker, 17, row_y, style.colour)
            )
        parts.append(
            swatch + f'<text x="44" y="{_num(row_y + 4.5)}" fill="{INK}">{escape(name)}</text>'
        )
    parts.append("</g>")
    return parts, y + len(names) * 22


def _summary(
    title: str, labels: list[str], series: list[tuple[str, list[Value]]], decimals: int, unit: str
) -> str:
    """The text alternative: every series' values in words, label by label."""
    chunks = []
    for name, values in series:
        figures = ", ".join(
            f"{label} : {format_value(value, decimals=decimals, unit=unit)}"
            for label, value in zip(labels, values, strict=True)
        )
        chunks.append(f"{name} — {figures}.")
    return f"{title}. " + " ".join(chunks)


def _table(
    caption: str,
    label_header: str,
    labels: list[str],
    series: list[tuple[str, list[Value]]],
    decimals: int,
    unit: str,
) -> ChartTable:
    return ChartTable(
        caption=caption,
        headers=[label_header] + [name for name, _values in series],
        rows=[
            [label]
            + [format_value(values[index], decimals=decimals, unit=unit) for _n, values in series]
            for index, label in enumerate(labels)
        ],
    )


def _check(labels: list[str], compare: Sequence[tuple[str, Sequence[Value]]]) -> None:
    for name, values in compare:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r}: {len(values)} values for {len(labels)} labels")


def _spread(blocks: list[dict], spacing: float = 3.0) -> None:
    """Move label blocks apart where they would overlap: those in the lower half of the
    circle downwards, those in the upper half upwards (away from the chart)."""

    def overlap(a: dict, b: dict) -> bool:
        return (
            a["left"] < b["right"]
            and b["left"] < a["right"]
            and a["top"] < b["bottom"] + spacing
            and b["top"] < a["bottom"] + spacing
        )

    lower = sorted((b for b in blocks if not b["upper"]), key=lambda b: b["top"])
    upper = sorted((b for b in blocks if b["upper"]), key=lambda b: -b["bottom"])
    for group, down in ((lower, True), (upper, False)):
        placed: list[dict] = []
        for block in group:
            for other in placed:
                if overlap(block, other):
                    shift = (
                        other["bottom"] + spacing - block["top"]
                        if down
                        else other["top"] - spacing - block["bottom"]
                    )
                    block["top"] += shift
                    block["bottom"] += shift
            placed.append(block)


def radar(
    axes: Sequence[tuple[str, Value]],
    *,
    title: str,
    description: str = "",
    series_name: str | None = None,
    compare: Sequence[tuple[str, Sequence[Value]]] = (),
    max_value: float = 100,
    label_header: str | None = None,
    decimals: int = 0,
) -> Chart:
    """A radar (spider) chart of scores on 3 or more axes, 0 to ``max_value``.

    ``axes`` are (label, value) pairs of the main series; ``compare`` adds series drawn
    over it, such as the territory average or the previous diagnostic, each a (name,
    values in the same order) pair. The main series' value is written under each label.
    """
    labels = [str(label) for label, _value in axes]
    if len(labels) < 3:
        raise ValueError("a radar needs at least 3 axes; use bars()")
    _check(labels, compare)
    main_name = series_name or _("Score")
    series = [(main_name, [value for _label, value in axes])] + [
        (str(name), list(values)) for name, values in compare
    ]
    chart_id = _chart_id("radar", title, labels, series)
    alt = _summary(title, labels, series, decimals, "")
    if description:
        alt = f"{description} {alt}"

    # Compact on purpose: labels take most of the width, and the smaller the viewBox the
    # larger the text once scaled down to a 360 px phone.
    radius = 105.0
    gap = 12.0
    line_height = FONT_SIZE + 2
    count = len(labels)
    angles = [-math.pi / 2 + 2 * math.pi * index / count for index in range(count)]

    def point(index: int, value: float, scale: float = 1.0) -> tuple[float, float]:
        distance = radius * scale * max(0.0, min(value, max_value)) / max_value
        return distance * math.cos(angles[index]), distance * math.sin(angles[index])

    # Labels first, to know how much room they need around the circle.
    blocks = []
    for index, label in enumerate(labels):
        lines = _wrap(label, 13)
        value_text = format_value(series[0][1][index], decimals=decimals)
        cos, sin = math.cos(angles[index]), math.sin(angles[index])
        x, y = (radius + gap) * cos, (radius + gap) * sin
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        block_height = line_height * (len(lines) + 1)
        # Above the circle the block grows upwards, below it downwards, at the sides
        # it is centred on the spoke.
        if sin < -0.5:
            first_baseline = y - block_height + FONT_SIZE * 0.8
        elif sin > 0.5:
            first_baseline = y + FONT_SIZE * 0.9
        else:
            first_baseline = y - block_height / 2 + FONT_SIZE * 0.9
        widest = max(_text_width(text, FONT_SIZE) for text in [*lines, value_text])
        left_edge = {"start": x, "end": x - widest, "middle": x - widest / 2}[anchor]
        blocks.append(
            {
                "lines": lines,
                "value": value_text,
                "x": x,
                "anchor": anchor,
                "left": left_edge,
                "right": left_edge + widest,
                "top": first_baseline - FONT_SIZE,
                "bottom": first_baseline + line_height * len(lines) + 4,
                "upper": y < 0,
            }
        )
    _spread(blocks)

    left = min([-radius] + [block["left"] for block in blocks])
    right = max([radius] + [block["right"] for block in blocks])
    top = min([-radius] + [block["top"] for block in blocks])
    bottom = max([radius] + [block["bottom"] for block in blocks])
    label_blocks = [
        (block["lines"], block["value"], block["x"], block["top"] + FONT_SIZE, block["anchor"])
        for block in blocks
    ]

    margin = 8.0
    left, right = left - margin, right + margin
    legend_width = max(44 + _text_width(name, FONT_SIZE) for name, _v in series)
    width = max(right - left, legend_width + 2 * margin)
    cx = -left + (width - (right - left)) / 2
    cy = -top + margin
    legend_top = cy + bottom + 28
    body: list[str] = [f'<g transform="translate({_num(cx)} {_num(cy)})">']

    # Grid: rings every fifth of the scale, spokes, scale figures on the top spoke.
    body.append('<g class="chart-grid" aria-hidden="true">')
    for step in range(1, 6):
        ring = [point(index, max_value * step / 5) for index in range(count)]
        body.append(
            '<polygon points="'
            + " ".join(f"{_num(x)},{_num(y)}" for x, y in ring)
            + f'" fill="none" stroke="{GRID}" stroke-width="1"/>'
        )
    for index in range(count):
        x, y = point(index, max_value)
        body.append(
            f'<line x1="0" y1="0" x2="{_num(x)}" y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
    body.append("</g>")

    # Series, the main one last so that it is drawn on top.
    for series_index in reversed(range(len(series))):
        name, values = series[series_index]
        style = PALETTE[series_index % len(PALETTE)]
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        present = [(index, value) for index, value in enumerate(values) if value is not None]
        body.append(f'<g class="chart-series" data-series="{escape(name)}">')
        if len(present) == count:
            coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in (point(i, v) for i, v in present))
            fill = (
                f'fill="{style.colour}" fill-opacity="0.14"' if series_index == 0 else 'fill="none"'
            )
            body.append(
                f'<polygon points="{coords}" {fill} stroke="{style.colour}" '
                f'stroke-width="2.5" stroke-linejoin="round"{dash}/>'
            )
        else:
            # Gaps: draw only the sides between two known neighbours.
            for index in range(count):
                following = (index + 1) % count
                if values[index] is None or values[following] is None or count < 2:
                    continue
                x1, y1 = point(index, values[index])
                x2, y2 = point(following, values[following])
                body.append(
                    f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                    f'stroke="{style.colour}" stroke-width="2.5" stroke-linecap="round"{dash}/>'
                )
        for index, value in present:
            x, y = point(index, value)
            body.append(_marker(style.marker, x, y, style.colour))
        body.append("</g>")

    # Scale figures on the top spoke, over the series, each on a white halo (drawn
    # twice: paint-order is not understood by every renderer).
    body.append('<g class="chart-scale" aria-hidden="true">')
    for step in range(1, 6):
        figure = escape(format_value(max_value * step / 5))
        y = _num(-radius * step / 5 + 4)
        body.append(
            f'<text x="5" y="{y}" font-size="{SMALL - 2}" fill="#ffffff" stroke="#ffffff" '
            f'stroke-width="3" stroke-linejoin="round">{figure}</text>'
            f'<text x="5" y="{y}" font-size="{SMALL - 2}" fill="{MUTED}">{figure}</text>'
        )
    body.append("</g>")

    # Axis labels with the main series' value under each.
    body.append('<g class="chart-labels">')
    for lines, value_text, x, baseline, anchor in label_blocks:
        body.append(
            f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="{anchor}" fill="{INK}">'
        )
        for line_index, line in enumerate(lines):
            dy = "0" if line_index == 0 else _num(line_height)
            body.append(f'<tspan x="{_num(x)}" dy="{dy}">{escape(line)}</tspan>')
        body.append(
            f'<tspan x="{_num(x)}" dy="{_num(line_height)}" font-weight="bold" '
            f'fill="{PALETTE[0].colour}">{escape(value_text)}</tspan></text>'
        )
    body.append("</g></g>")

    legend, legend_bottom = _legend([name for name, _v in series], x=margin, y=legend_top)
    body += legend
    height = legend_bottom + margin - 8
    table = _table(title, label_header or _("Axe"), labels, series, decimals=decimals, unit="")
    return Chart(
        svg=_svg(chart_id, title, alt, width, height, body),
        table=table,
        alt=alt,
        title=title,
        id=chart_id,
    )


def bars(
    items: Sequence[tuple[str, Value]],
    *,
    title: str,
    description: str = "",
    series_name: str | None = None,
    compare: Sequence[tuple[str, Sequence[Value]]] = (),
    max_value: float = 100,
    label_header: str | None = None,
    decimals: int = 0,
    unit: str = "",
) -> Chart:
    """Horizontal bars, one group per item, with the value written after each bar.

    The label sits above its bars so that long labels keep the full width on a phone.
    ``compare`` series are drawn as thinner, outlined bars (dashed for the second series,
    dotted for the third), each with its own colour.
    """
    labels = [str(label) for label, _value in items]
    _check(labels, compare)
    main_name = series_name or _("Valeur")
    series = [(main_name, [value for _label, value in items])] + [
        (str(name), list(values)) for name, values in compare
    ]
    chart_id = _chart_id("bars", title, labels, series, max_value)
    alt = _summary(title, labels, series, decimals, unit)
    if description:
        alt = f"{description} {alt}"

    width = 480.0
    margin = 8.0
    value_room = max(
        _text_width(format_value(max_value, decimals=decimals, unit=unit), SMALL),
        _text_width(_("non renseigné"), SMALL),
    )
    bar_room = width - 2 * margin - value_room - 8
    main_height, other_height, bar_gap = 16.0, 10.0, 4.0
    body: list[str] = []
    y = margin
    scale = bar_room / max_value if max_value else 0
    for index, label in enumerate(labels):
        for line in _wrap(label, 60):
            y += FONT_SIZE + 2
            body.append(
                f'<text x="{_num(margin)}" y="{_num(y - 3)}" fill="{INK}">{escape(line)}</text>'
            )
        y += 3
        for series_index, (_name, values) in enumerate(series):
            style = PALETTE[series_index % len(PALETTE)]
            value = values[index]
            height = main_height if series_index == 0 else other_height
            length = max(0.0, min(float(value), max_value)) * scale if value is not None else 0
            if value is not None:
                if series_index == 0:
                    body.append(
                        f'<rect x="{_num(margin)}" y="{_num(y)}" width="{_num(length)}" '
                        f'height="{_num(height)}" fill="{style.colour}"/>'
                    )
                else:
                    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
                    body.append(
                        f'<rect x="{_num(margin + 1)}" y="{_num(y + 1)}" '
                        f'width="{_num(max(length - 2, 0))}" height="{_num(height - 2)}" '
                        f'fill="{style.colour}" fill-opacity="0.18" stroke="{style.colour}" '
                        f'stroke-width="2"{dash}/>'
                    )
            text = format_value(value, decimals=decimals, unit=unit)
            weight = ' font-weight="bold"' if series_index == 0 else ""
            body.append(
                f'<text x="{_num(margin + length + 6)}" y="{_num(y + height - 2)}" '
                f'font-size="{SMALL}" fill="{INK if value is not None else MUTED}"{weight}>'
                f"{escape(text)}</text>"
            )
            y += height + bar_gap
        y += 10
    # Scale line at the bottom: 0 and the maximum.
    body.append(
        f'<g aria-hidden="true"><line x1="{_num(margin)}" y1="{_num(y)}" '
        f'x2="{_num(margin + bar_room)}" y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>'
        f'<text x="{_num(margin)}" y="{_num(y + SMALL + 2)}" font-size="{SMALL}" '
        f'fill="{MUTED}">0</text>'
        f'<text x="{_num(margin + bar_room)}" y="{_num(y + SMALL + 2)}" font-size="{SMALL}" '
        f'text-anchor="end" fill="{MUTED}">'
        f"{escape(format_value(max_value, decimals=decimals, unit=unit))}</text></g>"
    )
    y += SMALL + 2
    if len(series) > 1:
        legend, y = _legend([name for name, _v in series], x=margin, y=y + 22, bars=True)
        body += legend
    height = y + margin
    table = _table(
        title, label_header or _("Libellé"), labels, series, decimals=decimals, unit=unit
    )
    return Chart(
        svg=_svg(chart_id, title, alt, width, height, body),
        table=table,
        alt=alt,
        title=title,
        id=chart_id,
    )
