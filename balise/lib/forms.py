"""Form helpers shared by the apps."""

from django.db import models


def https_by_default(field, **kwargs):
    """Model form fields, with "example.fr" typed in a URL field read as https://example.fr.

    Use as ``Meta.formfield_callback`` on model forms that hold URL fields.
    """
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)
