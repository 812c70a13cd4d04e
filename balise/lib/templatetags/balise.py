"""Small template helpers shared by all apps: ``{% load balise %}``."""

from django import template
from django.template.base import token_kwargs
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ labels|get_item:provider.category }}``: a dict lookup with a variable key."""
    return mapping.get(key, "") if mapping else ""


TABLE_SCROLL_OPTIONS = {"label", "labelledby", "class"}


@register.tag
def tablescroll(parser, token):
    """Frame a table that may be wider than the screen::

        {% tablescroll label=_("Séances") %}<table>…</table>{% endtablescroll %}
        {% tablescroll labelledby="h-slots" class="slot-table-wrap" %}…{% endtablescroll %}

    The table scrolls inside its own frame, never the page; the frame is a named region a
    keyboard can reach (WCAG: a scrolling region must be focusable), and a hint says there
    is more to see while there is (``includes/_table_scroll.html``; CSS alone shows it,
    ``balise.js`` adds shadows on the hidden sides on staff pages).
    """
    bits = token.split_contents()
    kwargs = token_kwargs(bits[1:], parser)
    if len(bits) != len(kwargs) + 1 or not kwargs.keys() <= TABLE_SCROLL_OPTIONS:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes keyword arguments only: {', '.join(sorted(TABLE_SCROLL_OPTIONS))}"
        )
    if ("label" in kwargs) == ("labelledby" in kwargs):
        raise template.TemplateSyntaxError(f"{bits[0]} needs one of label= or labelledby=")
    nodelist = parser.parse(("endtablescroll",))
    parser.delete_first_token()
    return TableScrollNode(nodelist, kwargs)


class TableScrollNode(template.Node):
    def __init__(self, nodelist, kwargs):
        self.nodelist = nodelist
        self.kwargs = kwargs

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.kwargs.items()}
        frame = context.template.engine.get_template("includes/_table_scroll.html")
        with context.push(
            table=mark_safe(self.nodelist.render(context)),
            label=values.get("label", ""),
            labelledby=values.get("labelledby", ""),
            extra_class=values.get("class", ""),
        ):
            return frame.render(context)
