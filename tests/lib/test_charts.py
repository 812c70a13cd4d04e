"""The SVG charts: accessible, escaped, styled without inline CSS, readable without colour."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from balise.lib import charts

SVG = "{http://www.w3.org/2000/svg}"
AXES = [
    ("Équipement & connexion", 82.5),
    ("Site web", 40),
    ("Visibilité", None),
    ("Réservation", 25),
    ("E-réputation", 12),
]


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def test_radar_is_an_accessible_image():
    chart = charts.radar(AXES, title="Vos scores", description="Cinq axes.", series_name="Vous")
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart.id}-title {chart.id}-desc"
    assert root.find(f"{SVG}title").get("id") == f"{chart.id}-title"
    assert root.find(f"{SVG}title").text == "Vos scores"
    assert root.find(f"{SVG}desc").text == chart.alt
    assert chart.alt.startswith("Cinq axes. Vos scores. Vous — Équipement & connexion : 83")
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))


def test_no_inline_style_anywhere():
    for chart in (
        charts.radar(AXES, title="t", compare=[("Territoire", [50] * 5)]),
        charts.bars(AXES, title="t", compare=[("Territoire", [50] * 5)]),
    ):
        svg = str(chart.svg)
        assert "style=" not in svg and "<style" not in svg and "<script" not in svg


def test_labels_and_titles_are_escaped():
    evil = '<script>alert("x")</script>'
    chart = charts.radar(
        [(evil, 10), ("b", 20), ("c", 30)], title=evil, compare=[(evil, [1, 2, 3])]
    )
    svg = str(chart.svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    parse(chart)  # still well-formed XML
    bars = charts.bars([(evil, 10)], title=evil, series_name=evil)
    assert "<script>" not in str(bars.svg)
    assert chart.table.rows[0][0] == evil  # the table holds raw text: templates escape it


def test_none_is_a_gap_and_non_renseigne_in_the_table():
    chart = charts.radar(AXES, title="Scores", series_name="Vous")
    root = parse(chart)
    main = next(group for group in root.iter(f"{SVG}g") if group.get("data-series") == "Vous")
    # With a gap, no closed polygon: only the sides between two known values.
    assert main.find(f"{SVG}polygon") is None
    # Sides between known neighbours: 82.5–40, 25–12 and 12 back to 82.5; none to "None".
    assert len(main.findall(f"{SVG}line")) == 3
    assert len(main.findall(f"{SVG}circle")) == 4
    assert chart.table.rows[2] == ["Visibilité", "non renseigné"]
    assert chart.table.rows[0] == ["Équipement & connexion", "83"]  # rounded half up


def test_table_has_one_column_per_series():
    chart = charts.radar(
        AXES,
        title="Scores",
        series_name="Vous",
        compare=[("Territoire", [50, 60, 70, 80, 90]), ("2025", [None] * 5)],
        label_header="Axe",
    )
    assert chart.table.headers == ["Axe", "Vous", "Territoire", "2025"]
    assert chart.table.rows[1] == ["Site web", "40", "60", "non renseigné"]
    assert chart.table.caption == "Scores"


def test_series_differ_by_dash_and_marker_not_only_colour():
    chart = charts.radar(
        [("a", 50), ("b", 60), ("c", 70)],
        title="t",
        compare=[("Territoire", [40, 40, 40]), ("Avant", [30, 30, 30])],
    )
    svg = str(chart.svg)
    assert 'stroke-dasharray="8 5"' in svg and 'stroke-dasharray="2 4"' in svg
    assert "<rect" in svg and "<polygon" in svg and "<circle" in svg  # three marker shapes
    styles = charts.PALETTE
    assert len({style.dash for style in styles}) == len(styles)
    assert len({style.marker for style in styles}) == len(styles)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_palette_contrast_on_white():
    for style in charts.PALETTE:
        ratio = 1.05 / (_luminance(style.colour) + 0.05)
        assert ratio >= 4.5, style.colour


def test_bars_write_every_value_and_french_decimals():
    chart = charts.bars(
        [("Hébergement", 12.25), ("Restauration", None)],
        title="Part",
        decimals=1,
        unit=" %",
        max_value=100,
    )
    svg = str(chart.svg)
    assert "12,3 %" in svg and "non renseigné" in svg
    assert chart.table.rows == [["Hébergement", "12,3 %"], ["Restauration", "non renseigné"]]
    parse(chart)


def test_ids_are_stable_and_distinct():
    first = charts.radar(AXES, title="A")
    assert charts.radar(AXES, title="A").id == first.id
    assert charts.radar(AXES, title="B").id != first.id


def test_bad_input():
    with pytest.raises(ValueError, match="at least 3"):
        charts.radar([("a", 1), ("b", 2)], title="t")
    with pytest.raises(ValueError, match="values for 3 labels"):
        charts.radar([("a", 1), ("b", 2), ("c", 3)], title="t", compare=[("x", [1])])


def test_values_outside_the_scale_stay_inside_the_chart():
    chart = charts.radar([("a", -20), ("b", 250), ("c", 50)], title="t")
    assert chart.table.rows[1] == ["b", "250"]  # the table tells the truth
    parse(chart)
