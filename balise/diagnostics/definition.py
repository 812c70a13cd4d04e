"""The questionnaire as data: its schema, validation and lookups.

A questionnaire version is a YAML or JSON document (see ``questionnaires/default.yaml``)
validated here with pydantic. Texts are ``{"fr": ..., "en": ...}`` mappings; French is
required, other languages fall back to French. Question, option, axis and recommendation
codes are stable across versions and offices: the shared core that campaigns, offices and
networks are compared on.

Question types: ``single`` (one option), ``multiple`` (several options; an ``exclusive``
option such as "aucun" stands alone; ``max_points`` caps the sum), ``yes_partly_no``
(always the options ``oui``, ``en_partie``, ``non``), ``scale5`` (five steps, each
described in words), ``number`` and ``text`` (never scored). An option marked
``not_applicable`` ("sans objet", e.g. "je n'ai pas encore d'avis") is left out of the
score like "je ne sais pas".

Answer values, as stored in ``Response.answers`` (question code → value):

- ``single``, ``yes_partly_no``, ``scale5``: the chosen option code (str);
- ``multiple``: a list of option codes;
- ``number``: an int or float; ``text``: a str;
- :data:`DONT_KNOW` ("nsp") for "je ne sais pas" on any question that allows it.

Conditions (``when``) are plain data, evaluated by :mod:`balise.diagnostics.conditions`::

    {"answer": "web.site", "in": ["oui", "en_cours"]}     # single-valued answer in a list
    {"answer": "social.reseaux", "includes": ["instagram"]}  # answer contains any of these
    {"answer": "profil.salaries", "at_least": 3}          # number answer >= value
    {"answer": "profil.salaries", "below": 3}             # number answer < value
    {"answered": "web.site"}                               # any answer but "je ne sais pas"
    {"category": ["hotel", "camping"]}                     # provider category among
    {"category_group": ["hebergement"]}                    # provider category group among
    {"axis": "e_reputation", "below": 40}                  # axis score < value (rules only)
    {"axis": "e_reputation", "at_least": 60}               # axis score >= value (rules only)
    {"all": [...]}, {"any": [...]}, {"not": {...}}

A condition only looks back: a question's condition refers to questions placed before it,
a section's condition to questions of earlier sections. So the respondent's path is read
in one pass, and an answer left over from a question that no longer applies (the
respondent changed an earlier answer) is ignored everywhere, in conditions and in scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .conditions import DONT_KNOW, check_condition, compile_condition, referenced_questions

QUESTION_TYPES = ("single", "multiple", "yes_partly_no", "scale5", "number", "text")
CHOICE_TYPES = ("single", "multiple", "yes_partly_no", "scale5")
YES_PARTLY_NO = ("oui", "en_partie", "non")
DEFAULT_PATH = Path(__file__).resolve().parent / "questionnaires" / "default.yaml"
# libyaml's loader when PyYAML was built with it: ten times faster on the default file.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=80)]


class DefinitionError(ValueError):
    """A questionnaire document that does not follow the schema; ``errors`` are French."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class Text(BaseModel):
    """A text in several languages; French is required and is the fallback."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fr: str = Field(min_length=1)
    en: str = ""

    def get(self, language: str | None = None) -> str:
        language = (language or get_language() or "fr")[:2]
        value = getattr(self, language, "") if language in type(self).model_fields else ""
        return value or self.fr

    def __str__(self) -> str:
        return self.get()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getstate__(self) -> dict[Any, Any]:
        # Cached lookups and compiled conditions (closures) are rebuilt on demand: pickle
        # only the fields.
        state = super().__getstate__()
        fields = type(self).model_fields
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k in fields}
        return state

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False):
        # A copy with other fields must not inherit lookups cached from the original.
        copied = super().model_copy(update=update, deep=deep)
        fields = type(self).model_fields
        for key in [key for key in copied.__dict__ if key not in fields]:
            del copied.__dict__[key]
        return copied


class Option(Strict):
    code: Code
    label: Text
    points: float = 0
    description: Text | None = None  # the words that describe a step of a 5-step scale
    exclusive: bool = False  # "aucun" in a multiple choice: cannot be combined
    not_applicable: bool = False  # "sans objet": left out of the score, like "nsp"


class Question(Strict):
    code: Code
    type: Literal["single", "multiple", "yes_partly_no", "scale5", "number", "text"]
    label: Text
    help: Text | None = None
    axis: Code | None = None  # None: profile or needs question, not scored
    weight: float = Field(default=1, gt=0)
    options: list[Option] = []
    dont_know: bool = False
    max_points: float | None = Field(default=None, gt=0)  # multiple: cap on the sum
    required: bool = False
    when: dict[str, Any] | None = None
    min: float | None = None
    max: float | None = None
    unit: Text | None = None

    @model_validator(mode="after")
    def _check_options(self):
        errors = []
        codes = [option.code for option in self.options]
        if self.type in CHOICE_TYPES and not self.options:
            errors.append(f"des options sont nécessaires pour le type {self.type}")
        if self.type not in CHOICE_TYPES and self.options:
            errors.append(f"pas d'options pour le type {self.type}")
        if self.type == "scale5" and len(self.options) != 5:
            errors.append(f"une échelle compte 5 paliers (ici {len(self.options)})")
        if self.type == "yes_partly_no" and sorted(codes) != sorted(YES_PARTLY_NO):
            errors.append(
                "les options d'une question oui / en partie / non sont oui, en_partie, non"
            )
        if len(set(codes)) != len(codes):
            errors.append("codes d'options en double")
        if DONT_KNOW in codes:
            errors.append(f"le code d'option « {DONT_KNOW} » est réservé (employez dont_know)")
        if self.type != "multiple":
            if self.max_points is not None:
                errors.append("max_points ne s'emploie que pour un choix multiple")
            if any(option.exclusive for option in self.options):
                errors.append("une option exclusive ne s'emploie que dans un choix multiple")
        elif any(option.not_applicable for option in self.options):
            errors.append("une option « sans objet » ne s'emploie pas dans un choix multiple")
        if self.type != "number" and (self.min is not None or self.max is not None):
            errors.append("min et max ne s'emploient que pour un nombre")
        if self.min is not None and self.max is not None and self.min > self.max:
            errors.append("min doit être inférieur à max")
        if errors:
            raise DefinitionError(errors)
        return self

    @property
    def scored(self) -> bool:
        return self.axis is not None and self.type in CHOICE_TYPES

    @cached_property
    def max_score(self) -> float:
        """The most points an answer can earn: the best option, or the capped sum."""
        positive = [
            option.points
            for option in self.options
            if option.points > 0 and not option.not_applicable
        ]
        if self.type == "multiple":
            total = sum(positive)
            return min(total, self.max_points) if self.max_points is not None else total
        return max(positive, default=0)

    @cached_property
    def _options_by_code(self) -> dict[str, Option]:
        return {option.code: option for option in self.options}

    @cached_property
    def option_points(self) -> dict[str, float | None]:
        """Points per option code as written; None for an option "sans objet"."""
        return {
            option.code: None if option.not_applicable else option.points for option in self.options
        }

    @cached_property
    def _test(self):
        return compile_condition(self.when)

    def applies(self, answers: Mapping[str, Any], category: str) -> bool:
        """Whether the question's own condition holds (its section's is not looked at)."""
        return self._test(answers, category, None)

    def option(self, code: str) -> Option | None:
        try:
            return self._options_by_code.get(code)
        except TypeError:  # an unhashable answer is no option
            return None


class Section(Strict):
    code: Code
    title: Text
    intro: Text | None = None
    when: dict[str, Any] | None = None
    questions: list[Question] = Field(min_length=1)

    @cached_property
    def _test(self):
        return compile_condition(self.when)

    def applies(self, answers: Mapping[str, Any], category: str) -> bool:
        return self._test(answers, category, None)


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
    themes: list[Code] = []  # workshop theme codes

    @cached_property
    def _test(self):
        return compile_condition(self.when)

    def fires(
        self,
        answers: Mapping[str, Any],
        category: str,
        axis_scores: Mapping[str, float | None] | None = None,
    ) -> bool:
        return self._test(answers, category, axis_scores)


class ScoringRules(Strict):
    """How a version turns answers into scores (see :mod:`.scoring`).

    Every default is the rule of the first shipped versions, so a published version's
    stored scores never change; a new version opts into the stricter rules in its document
    (``scoring:`` at the top level).
    """

    # An axis is "non évalué" when fewer than this share of its applicable scored
    # questions were answered (not "je ne sais pas", not skipped): one "oui" and four
    # "je ne sais pas" say too little to score a whole axis.
    min_answered_share: float = Field(default=0, ge=0, le=1)
    # The overall score is "non évalué" when fewer than this share of the axes that apply
    # to the provider have a score.
    min_axes_share: float = Field(default=0, ge=0, le=1)
    # A scored question closed by a weaker answer to an earlier scored question (the
    # website questions, for "my site is being built") counts as zero, so a weaker answer
    # can never raise a score by shrinking what is counted.
    closed_questions_count: bool = False
    # "Je ne sais pas" is a need: the advice that the worst answer would fire fires too,
    # marked "à vérifier".
    dont_know_fires_advice: bool = False


def _duplicates(codes: list[str]) -> list[str]:
    """The codes that appear more than once, each named once."""
    seen: set[str] = set()
    repeated: list[str] = []
    for code in codes:
        if code in seen and code not in repeated:
            repeated.append(code)
        seen.add(code)
    return repeated


class Definition(Strict):
    """A whole questionnaire version."""

    code: Code
    title: Text
    description: Text | None = None
    axes: list[Axis] = Field(min_length=1)
    levels: list[Level] = Field(min_length=2)
    sections: list[Section] = Field(min_length=1)
    recommendations: list[Recommendation] = []
    scoring: ScoringRules = ScoringRules()

    @field_validator("levels")
    @classmethod
    def _levels_in_order(cls, levels: list[Level]) -> list[Level]:
        if levels[0].min_score != 0:
            raise ValueError("le premier niveau doit commencer à 0")
        if [level.min_score for level in levels] != sorted({level.min_score for level in levels}):
            raise ValueError("les seuils des niveaux doivent être croissants et distincts")
        if [level.number for level in levels] != list(range(1, len(levels) + 1)):
            raise ValueError("les niveaux sont numérotés 1, 2, 3… dans l'ordre")
        return levels

    @model_validator(mode="after")
    def _check_references(self):
        axes = {axis.code for axis in self.axes}
        errors = [
            f"code d'axe en double : {code}"
            for code in _duplicates([axis.code for axis in self.axes])
        ]
        errors += [
            f"code de rubrique en double : {code}"
            for code in _duplicates([section.code for section in self.sections])
        ]
        errors += [
            f"code de question en double : {code}"
            for code in _duplicates([question.code for question in self.questions])
        ]
        errors += [
            f"code de recommandation en double : {code}"
            for code in _duplicates([rule.code for rule in self.recommendations])
        ]
        position: dict[str, int] = {}
        for index, question in enumerate(self.questions):
            position.setdefault(question.code, index)
            if question.axis and question.axis not in axes:
                errors.append(f"question {question.code} : axe inconnu « {question.axis} »")
        start = 0
        for section in self.sections:
            if section.when is not None:
                where = f"rubrique {section.code}"
                found = check_condition(section.when, self, rule=False)
                errors += [f"{where} : {e}" for e in found]
                if not found:
                    errors += [
                        f"{where} : la condition porte sur {code}, qui n'est pas dans une "
                        "rubrique précédente"
                        for code in sorted(referenced_questions(section.when))
                        if position[code] >= start
                    ]
            for offset, question in enumerate(section.questions):
                if question.when is None:
                    continue
                where = f"question {question.code}"
                found = check_condition(question.when, self, rule=False)
                errors += [f"{where} : {e}" for e in found]
                if not found:
                    errors += [
                        f"{where} : la condition porte sur {code}, qui vient après "
                        "(une condition ne regarde que les questions précédentes)"
                        for code in sorted(referenced_questions(question.when))
                        if position[code] >= start + offset
                    ]
            start += len(section.questions)
        for rule in self.recommendations:
            errors += [
                f"recommandation {rule.code} : {e}"
                for e in check_condition(rule.when, self, rule=True)
            ]
        if errors:
            raise DefinitionError(errors)
        return self

    @cached_property
    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    @cached_property
    def _by_code(self) -> dict[str, Question]:
        return {question.code: question for question in self.questions}

    @cached_property
    def _axes_by_code(self) -> dict[str, Axis]:
        return {axis.code: axis for axis in self.axes}

    @cached_property
    def _plan(self) -> tuple:
        """What scoring needs, prepared once per definition: per section, its compiled
        condition and, per question, ``(question, code, test, axis, weight, best points,
        points per option, multiple)``, with ``axis`` None for a question that does not
        score; then the rules as ``(test, rule)`` in the order they are reported."""
        sections = tuple(
            (
                section,
                section._test if section.when is not None else None,
                tuple(
                    (
                        question,
                        question.code,
                        question._test if question.when is not None else None,
                        question.axis if question.scored and question.max_score > 0 else None,
                        question.weight,
                        question.max_score,
                        question.option_points,
                        question.type == "multiple",
                    )
                    for question in section.questions
                ),
            )
            for section in self.sections
        )
        order = sorted(
            range(len(self.recommendations)),
            key=lambda index: (self.recommendations[index].priority, index),
        )
        rules = tuple(
            (self.recommendations[index]._test, self.recommendations[index]) for index in order
        )
        return sections, rules

    @cached_property
    def best_answers(self) -> dict[str, Any]:
        """For each scored question, the answer that earns the most: the option with the
        most points, or every option with points for a multiple choice."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            if not question.scored or question.max_score <= 0:
                continue
            points = question.option_points
            if question.type == "multiple":
                answers[question.code] = [
                    option.code
                    for option in question.options
                    if not option.exclusive and (points[option.code] or 0) > 0
                ]
            else:
                answers[question.code] = max(
                    (option.code for option in question.options if points[option.code] is not None),
                    key=lambda code: points[code],
                )
        return answers

    @cached_property
    def worst_answers(self) -> dict[str, Any]:
        """For each scored question, the answer that earns the least (what "je ne sais pas"
        may hide): the option with the fewest points, as a list for a multiple choice."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            if not question.scored or question.max_score <= 0:
                continue
            points = question.option_points
            worst = min(
                (option.code for option in question.options if points[option.code] is not None),
                key=lambda code: points[code],
            )
            answers[question.code] = [worst] if question.type == "multiple" else worst
        return answers

    @cached_property
    def condition_questions(self) -> frozenset[str]:
        """Codes of the questions that some section or question condition looks at: a
        change of their answer can open or close other questions."""
        codes: set[str] = set()
        for section in self.sections:
            codes |= referenced_questions(section.when)
            for question in section.questions:
                codes |= referenced_questions(question.when)
        return frozenset(codes)

    def question(self, code: str) -> Question | None:
        try:
            return self._by_code.get(code)
        except TypeError:
            return None

    def axis(self, code: str) -> Axis | None:
        try:
            return self._axes_by_code.get(code)
        except TypeError:
            return None

    def level_for(self, score: float) -> Level:
        return [level for level in self.levels if score >= level.min_score][-1]


# French wording of pydantic's error types, for the people who write questionnaire files.
_PLACES = {
    "sections": ("rubrique", "rubriques"),
    "questions": ("question", "questions"),
    "options": ("option", "options"),
    "axes": ("axe", "axes"),
    "levels": ("niveau", "niveaux"),
    "recommendations": ("recommandation", "recommandations"),
}
_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu (faute de frappe ?)",
    "string_too_short": "ne doit pas être vide",
    "string_too_long": "trop long ({max_length} caractères au plus)",
    "string_type": "texte attendu",
    "string_pattern_mismatch": (
        "code invalide : lettres minuscules sans accent, chiffres, « _ », parties séparées "
        "par « . » (ex. web.mobile)"
    ),
    "literal_error": "valeur inconnue, attendue parmi {expected}",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "bool_type": "true ou false attendu",
    "bool_parsing": "true ou false attendu",
    "list_type": "liste attendue",
    "dict_type": "objet attendu (clé : valeur)",
    "model_type": "objet attendu (clé : valeur)",
    "model_attributes_type": "objet attendu (clé : valeur)",
    "too_short": "au moins {min_length} élément(s) attendu(s)",
    "too_long": "au plus {max_length} élément(s)",
}


def _where(data: Any, loc: tuple) -> str:
    """A French path to the faulty place, with codes: « rubrique « web » › question « web.x »"""
    parts: list[str] = []
    node = data
    index = 0
    while index < len(loc):
        key = loc[index]
        nxt = loc[index + 1] if index + 1 < len(loc) else None
        if key in _PLACES and isinstance(nxt, int):
            items = node.get(key) if isinstance(node, dict) else None
            item = items[nxt] if isinstance(items, list) and 0 <= nxt < len(items) else None
            ident = None
            if isinstance(item, dict):
                ident = item.get("code", item.get("number"))
            name = _PLACES[key][0]
            parts.append(
                f"{name} « {ident} »" if isinstance(ident, str | int) else f"{name} n° {nxt + 1}"
            )
            node = item
            index += 2
            continue
        parts.append(_PLACES[key][1] if key in _PLACES else str(key))
        node = node.get(key) if isinstance(node, dict) else None
        index += 1
    return " › ".join(parts) or "document"


def _messages(error: dict) -> list[str]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        original = ctx.get("error")
        if isinstance(original, DefinitionError):
            return original.errors
        message = str(original) if original is not None else error["msg"]
        return [message.removeprefix("Value error, ")]
    template = _MESSAGES.get(kind)
    if kind == "literal_error" and isinstance(ctx.get("expected"), str):
        ctx = {**ctx, "expected": ctx["expected"].replace(" or ", " ou ")}
    if template is None:
        return [error["msg"]]
    try:
        return [template.format(**ctx)]
    except (KeyError, IndexError):
        return [template]


def load_definition(data: dict | str) -> Definition:
    """Validate a questionnaire document (a dict, or YAML/JSON text).

    Raises :class:`DefinitionError` with French messages that say where the problem is,
    e.g. « rubrique « web » › question « web.mises_a_jour » : une échelle compte 5 paliers
    (ici 4) ».
    """
    if isinstance(data, str):
        try:
            data = yaml.load(data, Loader=_YAML_LOADER)
        except yaml.YAMLError as error:
            raise DefinitionError([f"fichier illisible : {error}"]) from None
    if not isinstance(data, dict):
        raise DefinitionError(["le document doit être un objet (clés : code, title, axes…)"])
    try:
        return Definition.model_validate(data)
    except ValidationError as error:
        errors = []
        for item in error.errors():
            where = _where(data, item["loc"])
            for message in _messages(item):
                errors.append(message if not item["loc"] else f"{where} : {message}")
        raise DefinitionError(errors) from None


def load_default() -> dict:
    """The questionnaire shipped with Balise, as a plain dict (what versions store)."""
    return yaml.load(DEFAULT_PATH.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
