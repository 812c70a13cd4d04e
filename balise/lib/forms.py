"""Form helpers shared by the apps."""

import re
import unicodedata

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


# Bidirectional overrides and isolates: invisible, they reorder what follows them, so a
# name could display as something else in the office's mail client.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
SPACES = re.compile(r"[^\S\n]+")


def plain_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without control characters, as typed text that is safe to echo in mail.

    Public forms feed e-mails (a registration's name greets the person and names them in
    the office's notices): a line break in a name would add a line of the attacker's
    choosing to the message. Single-line text: every line break, tab and other control
    character becomes a space and runs of spaces shrink to one. Multi-line text keeps its
    line breaks (as ``\\n``) and drops the other controls. Bidirectional overrides go in
    both cases. Leading and trailing whitespace is stripped.
    """
    value = LINE_BREAKS.sub("\n" if multiline else " ", value)
    kept = []
    for char in value:
        if char in BIDI_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc" and not (multiline and char == "\n"):
            kept.append(" ")
            continue
        kept.append(char)
    text = "".join(kept)
    if multiline:
        return "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    return SPACES.sub(" ", text).strip()


class PlainTextField(forms.CharField):
    """A text field for public forms: :func:`plain_text` applied before validation (so
    ``max_length`` counts what is kept). ``multiline=True`` for a textarea."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        if multiline:
            kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return plain_text(value, multiline=self.multiline)
