"""Form helpers shared by the apps."""

from django import forms
from django.db import models


def https_by_default(field, **kwargs):
    """Model form fields, with "example.fr" typed in a URL field read as https://example.fr.

    Use as ``Meta.formfield_callback`` on model forms that hold URL fields.
    """
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class DateInput(forms.DateInput):
    """A browser date picker; the value written back as ISO, which every browser reads."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)
