"""Small template helpers shared by all apps: ``{% load balise %}``."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ labels|get_item:provider.category }}``: a dict lookup with a variable key."""
    return mapping.get(key, "") if mapping else ""
