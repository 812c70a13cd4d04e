"""The questionnaire as data: its schema, validation and lookups.

A questionnaire version is a YAML or JSON document (see ``questionnaires/default.yaml``)
validated here with pydantic. Texts are ``{"fr": ..., "en": ...}`` mappings; French is
required, other languages fall back to French. Question, option, axis and recommendation
codes are stable across versions and offices: the shared core that campaigns, offices and
networks are compared on.

Answer values, as stored in ``Response.answers`` (question code → value):

- ``single``, ``yes_partly_no``, ``scale5``: the chosen option code (str);
- ``multiple``: a list of option codes;
- ``number``: an int or float; ``text``: a str;
- :data:`DONT_KNOW` ("nsp") for "je ne sais pas" on any question that allows it.

Conditions (``when``) are plain data, evaluated by :mod:`balise.diagnostics.conditions`::

    {"answer": "web.site", "in": ["oui", "en_cours"]}     # single-valued answer in a list
    {"answer": "social.reseaux", "includes": ["instagram"]}  # multiple answer contains any
    {"answer": "profil.salaries", "at_least": 3}          # number answer >= value
    {"answered": "web.site"}                               # any answer but "je ne sais pas"
    {"category": ["hotel", "camping"]}                     # provider category among
    {"category_group": ["hebergement"]}                    # provider category group among
    {"axis": "e_reputation", "below": 40}                  # axis score < value (rules only)
    {"axis": "e_reputation", "at_least": 60}               # axis score >= value (rules only)
    {"all": [...]}, {"any": [...]}, {"not": {...}}
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .conditions import DONT_KNOW, check_condition

QUESTION_TYPES = ("single", "multiple", "yes_partly_no", "scale5", "number", "text")
CHOICE_TYPES = ("single", "multiple", "yes_partly_no", "scale5")
DEFAULT_PATH = Path(__file__).resolve().parent / "questionnaires" / "default.yaml"

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=80)]


class DefinitionError(ValueError):
    """A questionnaire document that does not follow the schema; ``errors`` are French."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class Text(BaseModel):
    """A text in several languages; French is required and is the fallback."""

    model_config = ConfigDict(extra="forbid")
    fr: str = Field(min_length=1)
    en: str = ""

    def get(self, language: str | None = None) -> str:
        language = (language or get_language() or "fr")[:2]
        return getattr(self, language, "") or self.fr

    def __str__(self) -> str:
        return self.get()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    code: Code
    label: Text
    points: float = 0
    description: Text | None = None  # the words that describe a step of a 5-step scale
    exclusive: bool = False  # "aucun" in a multiple choice: cannot be combined


class Question(Strict):
    code: Code
    type: Literal["single", "multiple", "yes_partly_no", "scale5", "number", "text"]
    label: Text
    help: Text | None = None
    axis: Code | None = None  # None: profile or needs question, not scored
    weight: float = Field(default=1, gt=0)
    options: list[Option] = []
    dont_know: bool = False
    max_points: float | None = None  # multiple choice: cap on the sum of points
    required: bool = False
    when: dict[str, Any] | None = None
    min: float | None = None
    max: float | None = None
    unit: Text | None = None

    @model_validator(mode="after")
    def _check_options(self):
        if self.type in CHOICE_TYPES and not self.options:
            raise ValueError(f"question {self.code} : des options sont nécessaires")
        if self.type not in CHOICE_TYPES and self.options:
            raise ValueError(f"question {self.code} : pas d'options pour le type {self.type}")
        if self.type == "scale5" and len(self.options) != 5:
            raise ValueError(f"question {self.code} : une échelle compte 5 paliers")
        codes = [option.code for option in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError(f"question {self.code} : codes d'options en double")
        if DONT_KNOW in codes:
            raise ValueError(f"question {self.code} : « {DONT_KNOW} » est réservé (dont_know)")
        return self

    @property
    def scored(self) -> bool:
        return self.axis is not None and self.type in CHOICE_TYPES

    @cached_property
    def max_score(self) -> float:
        """The most points an answer can earn: the best option, or the capped sum."""
        positive = [option.points for option in self.options if option.points > 0]
        if self.type == "multiple":
            total = sum(positive)
            return min(total, self.max_points) if self.max_points is not None else total
        return max(positive, default=0)

    def option(self, code: str) -> Option | None:
        return next((option for option in self.options if option.code == code), None)


class Section(Strict):
    code: Code
    title: Text
    intro: Text | None = None
    when: dict[str, Any] | None = None
    questions: list[Question] = Field(min_length=1)


class Axis(Strict):
    code: Code
    title: Text
    description: Text | None = None
    weight: float = Field(default=1, gt=0)


class Level(Strict):
    number: int = Field(ge=1, le=5)
    min_score: float = Field(ge=0, le=100)
    name: Text
    description: Text


class Recommendation(Strict):
    code: Code
    priority: int = Field(ge=1, le=5, default=3)  # 1 = most urgent
    when: dict[str, Any]
    title: Text
    advice: Text
    themes: list[Code] = []  # workshop theme codes (workshops issue)


class Definition(Strict):
    """A whole questionnaire version."""

    code: Code
    title: Text
    description: Text | None = None
    axes: list[Axis] = Field(min_length=1)
    levels: list[Level] = Field(min_length=2)
    sections: list[Section] = Field(min_length=1)
    recommendations: list[Recommendation] = []

    @field_validator("levels")
    @classmethod
    def _levels_in_order(cls, levels: list[Level]) -> list[Level]:
        if levels[0].min_score != 0:
            raise ValueError("le premier niveau doit commencer à 0")
        if [level.min_score for level in levels] != sorted({level.min_score for level in levels}):
            raise ValueError("les seuils des niveaux doivent être croissants et distincts")
        return levels

    @model_validator(mode="after")
    def _check_references(self):
        axes = {axis.code for axis in self.axes}
        seen: set[str] = set()
        errors = []
        for question in self.questions:
            if question.code in seen:
                errors.append(f"code de question en double : {question.code}")
            seen.add(question.code)
            if question.axis and question.axis not in axes:
                errors.append(f"question {question.code} : axe inconnu {question.axis}")
        for section in self.sections:
            for item, where in [(section, f"rubrique {section.code}")] + [
                (q, f"question {q.code}") for q in section.questions
            ]:
                if item.when is not None:
                    errors += [
                        f"{where} : {e}" for e in check_condition(item.when, self, rule=False)
                    ]
        for rule in self.recommendations:
            errors += [
                f"recommandation {rule.code} : {e}"
                for e in check_condition(rule.when, self, rule=True)
            ]
        if errors:
            raise ValueError(" ; ".join(errors))
        return self

    @cached_property
    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    @cached_property
    def _by_code(self) -> dict[str, Question]:
        return {question.code: question for question in self.questions}

    def question(self, code: str) -> Question | None:
        return self._by_code.get(code)

    def axis(self, code: str) -> Axis | None:
        return next((axis for axis in self.axes if axis.code == code), None)

    def level_for(self, score: float) -> Level:
        return [level for level in self.levels if score >= level.min_score][-1]


def load_definition(data: dict | str) -> Definition:
    """Validate a questionnaire document (a dict, or YAML/JSON text).

    Raises :class:`DefinitionError` with French messages that say where the problem is.
    """
    if isinstance(data, str):
        try:
            data = yaml.safe_load(data)
        except yaml.YAMLError as error:
            raise DefinitionError([f"fichier illisible : {error}"]) from None
    if not isinstance(data, dict):
        raise DefinitionError(["le document doit être un objet (clés : code, title, axes…)"])
    try:
        return Definition.model_validate(data)
    except ValidationError as error:
        raise DefinitionError(
            [
                f"{'.'.join(str(part) for part in e['loc']) or 'document'} : {e['msg']}"
                for e in error.errors()
            ]
        ) from None


def load_default() -> dict:
    """The questionnaire shipped with Balise, as a plain dict (what versions store)."""
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
