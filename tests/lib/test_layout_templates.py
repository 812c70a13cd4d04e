"""The shared layout pieces: the frame of wide tables and the site's icons."""

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template, TemplateSyntaxError
from django.templatetags.static import static
from selectolax.lexbor import LexborHTMLParser as HTMLParser

TABLE = "<table><tr><td>1</td></tr></table>"


def render(source: str, **context) -> HTMLParser:
    return HTMLParser(Template("{% load i18n balise %}" + source).render(Context(context)))


def test_a_wide_table_scrolls_in_a_named_region_a_keyboard_reaches():
    html = render(
        "{% tablescroll label=title %}" + TABLE + "{% endtablescroll %}",
        title='Séances "à venir" <b>',
    )
    frame = html.css_first("[data-table-scroll]")
    region = frame.css_first(".table-wrap")
    assert region.attributes["role"] == "region"
    assert region.attributes["tabindex"] == "0"
    assert region.attributes["aria-label"] == 'Séances "à venir" <b>'
    assert region.css_first("table td").text() == "1"
    # The hint (shown by CSS while the table scrolls) is for the eyes: the region's name
    # is what a screen reader announces.
    hint = region.css_first(".table-scroll__hint")
    assert hint.attributes["aria-hidden"] == "true"
    assert "Faites défiler le tableau" in hint.text()


def test_the_region_can_be_named_by_a_heading_and_carry_a_class():
    html = render(
        '<h2 id="h-slots">Créneaux</h2>'
        '{% tablescroll labelledby="h-slots" class="slot-table-wrap" %}'
        + TABLE
        + "{% endtablescroll %}"
    )
    frame = html.css_first("[data-table-scroll]")
    assert "slot-table-wrap" in frame.attributes["class"].split()
    region = frame.css_first(".table-wrap")
    assert region.attributes["aria-labelledby"] == "h-slots"
    assert "aria-label" not in region.attributes


def test_the_label_is_translatable():
    html = render('{% tablescroll label=_("Séances") %}' + TABLE + "{% endtablescroll %}")
    assert html.css_first(".table-wrap").attributes["aria-label"] == "Séances"


@pytest.mark.parametrize(
    "tag",
    [
        "{% tablescroll %}",  # no name: a region must have one
        '{% tablescroll label="a" labelledby="b" %}',
        '{% tablescroll "Séances" %}',
        '{% tablescroll label="a" colour="red" %}',
    ],
)
def test_a_frame_without_exactly_one_name_is_refused(tag):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load balise %}" + tag + TABLE + "{% endtablescroll %}")


def test_pages_name_the_site_icon_and_the_icons_exist(client):
    page = HTMLParser(client.get("/compte/connexion/").content.decode())
    icons = {link.attributes["href"] for link in page.css('link[rel="icon"]')}
    assert icons == {static("balise/favicon.svg"), static("balise/favicon-32.png")}
    for name in ("favicon.svg", "favicon-32.png", "favicon.ico", "apple-touch-icon.png"):
        assert finders.find(f"balise/{name}"), name


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("balise/favicon.ico")
