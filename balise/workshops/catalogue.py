"""The catalogue of workshop themes and the office's workshop settings.

Every office starts from the themes of ``themes.yaml`` (the usual topics of an Animateur
Numérique de Territoire), copied into its own rows by :func:`ensure_catalogue` the first
time a workshop page needs them, then edited freely: a theme the office changed or
deactivated is never overwritten. Theme codes are the options of the questionnaire's
``besoins.themes`` question; question codes and axes are those of the shipped
questionnaire, which is what the theme form offers and validates against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from balise.diagnostics.definition import Definition, load_default, load_definition
from balise.members.models import CategoryGroup
from balise.offices.models import Office

from .models import Format, Level, Theme, WorkshopSettings

CATALOGUE_PATH = Path(__file__).resolve().parent / "themes.yaml"
# Questions of these sections describe the provider or its wishes: no theme "addresses" them.
UNADDRESSED_SECTIONS = ("profil", "besoins")
DEFAULT_HIGH_SEASON: dict[str, list[int]] = {
    CategoryGroup.ACCOMMODATION.value: [7, 8],
    CategoryGroup.FOOD.value: [7, 8],
    CategoryGroup.LEISURE.value: [7, 8],
    CategoryGroup.TRADE.value: [],
    CategoryGroup.OTHER.value: [],
}


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    title: str
    description: str
    level: str
    format: str
    duration_minutes: int
    capacity: int
    questions: tuple[str, ...]
    axes: tuple[str, ...]
    prerequisite: str | None = None


@cache
def default_definition() -> Definition:
    """The shipped questionnaire, parsed once per process."""
    return load_definition(load_default())


@cache
def catalogue() -> tuple[CatalogueEntry, ...]:
    """The themes of ``themes.yaml``, checked for the fields the models need."""
    entries = []
    for item in yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8")):
        entry = CatalogueEntry(
            code=item["code"],
            title=item["title"],
            description=" ".join(item.get("description", "").split()),
            level=Level(item["level"]),
            format=Format(item["format"]),
            duration_minutes=int(item["duration_minutes"]),
            capacity=int(item["capacity"]),
            questions=tuple(item.get("questions", ())),
            axes=tuple(item.get("axes", ())),
            prerequisite=item.get("prerequisite"),
        )
        entries.append(entry)
    return tuple(entries)


def question_choices() -> list[tuple[str, str]]:
    """(code, "code — label") of the questions a theme may address, in questionnaire order."""
    definition = default_definition()
    return [
        (question.code, f"{question.code} — {question.label.get()}")
        for section in definition.sections
        if section.code not in UNADDRESSED_SECTIONS
        for question in section.questions
    ]


def axis_choices() -> list[tuple[str, str]]:
    return [(axis.code, axis.title.get()) for axis in default_definition().axes]


def ensure_catalogue(office: Office) -> list[Theme]:
    """The office's themes, after creating the catalogue's missing ones.

    Idempotent: a theme whose code the office already has is left as the office edited it
    (the unique office + code constraint absorbs a concurrent call). Side effects: creates
    Theme rows and sets their prerequisite when the prerequisite exists.
    """
    existing = set(Theme.objects.filter(office=office).values_list("code", flat=True))
    missing = [entry for entry in catalogue() if entry.code not in existing]
    if missing:
        with transaction.atomic():
            Theme.objects.bulk_create(
                [
                    Theme(
                        office=office,
                        code=entry.code,
                        title=entry.title,
                        description=entry.description,
                        level=entry.level,
                        format=entry.format,
                        duration_minutes=entry.duration_minutes,
                        default_capacity=entry.capacity,
                        question_codes=list(entry.questions),
                        axes=list(entry.axes),
                    )
                    for entry in missing
                ],
                ignore_conflicts=True,
            )
            by_code = {theme.code: theme for theme in Theme.objects.filter(office=office)}
            for entry in missing:
                theme = by_code.get(entry.code)
                prerequisite = by_code.get(entry.prerequisite or "")
                if theme and prerequisite and theme.prerequisite_id is None:
                    theme.prerequisite = prerequisite
                    theme.save(update_fields=["prerequisite"])
    return list(Theme.objects.filter(office=office).select_related("prerequisite"))


def workshop_settings(office: Office) -> WorkshopSettings:
    """The office's settings, or unsaved defaults when it never changed them (no write)."""
    found = WorkshopSettings.objects.filter(office=office).first()
    return found or WorkshopSettings(office=office, high_season=dict(DEFAULT_HIGH_SEASON))


def high_season(office: Office) -> dict[str, frozenset[int]]:
    """{category group: months when no collective session is planned for it}."""
    months = workshop_settings(office).high_season or {}
    return {
        group.value: frozenset(int(m) for m in months.get(group.value, ()))
        for group in CategoryGroup
    }


def save_settings(
    *, office: Office, high_season: dict[str, list[int]], signature: str
) -> WorkshopSettings:
    """Store the office's workshop settings. Side effects: creates or updates its row."""
    clean = {
        group.value: sorted({int(m) for m in high_season.get(group.value, ()) if 1 <= int(m) <= 12})
        for group in CategoryGroup
    }
    found, _created = WorkshopSettings.objects.update_or_create(
        office=office, defaults={"high_season": clean, "signature": signature}
    )
    return found
