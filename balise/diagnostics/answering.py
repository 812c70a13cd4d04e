"""Answering a diagnostic page by page, by personal link or with the animator.

``Response.answers`` (question code → value, see :mod:`.definition`) is the truth. Each
page is merged into it under a row lock, so two devices saving different pages both keep
their answers and the same page posted twice changes nothing the second time. Answers of
questions that no longer apply (the provider said it has no website after all) are
dropped at each save. Completing, or changing a completed response, writes the scores and
the answer rows the territory study aggregates, in the same transaction.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from balise.lib.forms import plain_text
from balise.members.models import Provider
from balise.offices.models import User

from . import signals
from .conditions import DONT_KNOW
from .definition import Definition, Question, Section
from .models import (
    Answer,
    AxisScore,
    Campaign,
    FiredRecommendation,
    Response,
    ResponseSource,
)
from .scoring import ScoreResult, applicable_questions, score, visible_sections

TEXT_MAX_LENGTH = 2000
NUMBER_LIMIT = 1e9  # beyond any count, capacity or share a provider could mean


class UnknownSection(LookupError):
    """The section code is not in the questionnaire, or not shown to this provider."""


def start_or_resume(
    *, campaign: Campaign, provider: Provider, source: str, user: User | None = None
) -> Response:
    """The provider's response to the campaign, created on the first saved page.

    In assisted mode (``source="assisted"``) the response is marked as filled with the
    animator ``user``, even when the provider had started alone. Side effects: may create
    the Response, or update its source and ``filled_by``.
    """
    if provider.office_id != campaign.office_id:
        raise ValidationError(_("Ce prestataire n'appartient pas à l'office de la campagne."))
    assisted = source == ResponseSource.ASSISTED
    response, created = Response.objects.get_or_create(
        campaign=campaign,
        provider=provider,
        defaults={
            "office_id": campaign.office_id,
            "version_id": campaign.version_id,
            "source": ResponseSource.ASSISTED if assisted else ResponseSource.SELF,
            "filled_by": user if assisted else None,
        },
    )
    if (
        not created
        and assisted
        and (response.source != ResponseSource.ASSISTED or response.filled_by_id != user.pk)
    ):
        response.source = ResponseSource.ASSISTED
        response.filled_by = user
        response.save(update_fields=["source", "filled_by", "updated_at"])
    return response


def visible_section(
    definition: Definition, answers: Mapping[str, Any], *, category: str, code: str
) -> Section:
    """The section ``code`` when this provider sees it, else :class:`UnknownSection`."""
    for section in visible_sections(definition, answers, category=category):
        if section.code == code:
            return section
    raise UnknownSection(code)


def _number_text(value: float) -> str:
    return formats.number_format(int(value) if float(value).is_integer() else value)


def _parse_number(text: str) -> float | None:
    # French input: "1 200,5" as well as "1200.5".
    cleaned = "".join(text.split()).replace("\u202f", "").replace(",", ".")
    if len(cleaned) > 30:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def clean_answer(question: Question, values: Iterable[str]) -> tuple[Any, str | None]:
    """Validate what was posted for one question: ``(value, None)`` or ``(None, error)``.

    ``value`` is None when nothing was answered. Unknown option codes are ignored (as if
    not posted); wrong types, out-of-range numbers and over-long texts give French errors.
    """
    values = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if DONT_KNOW in values:
        if question.dont_know:
            if len(values) > 1:
                return None, _("« Je ne sais pas » ne se combine pas avec une autre réponse.")
            return DONT_KNOW, None
        values = [v for v in values if v != DONT_KNOW]
    if question.type == "multiple":
        chosen = {v for v in values if question.option(v) is not None}
        codes = [option.code for option in question.options if option.code in chosen]
        exclusive = [question.option(code) for code in codes if question.option(code).exclusive]
        if exclusive and len(codes) > 1:
            return None, _("« %(option)s » ne se combine pas avec d'autres choix.") % {
                "option": exclusive[0].label
            }
        return (codes or None), None
    if question.type in ("single", "yes_partly_no", "scale5"):
        known = list(dict.fromkeys(v for v in values if question.option(v) is not None))
        if len(known) > 1:
            return None, _("Choisissez une seule réponse.")
        return (known[0] if known else None), None
    if not values:
        return None, None
    if len(values) > 1:
        return None, _("Une seule réponse est attendue.")
    if question.type == "number":
        number = _parse_number(values[0])
        if number is None:
            return None, _("Entrez un nombre, par exemple 12 ou 3,5.")
        low = question.min if question.min is not None else -NUMBER_LIMIT
        high = question.max if question.max is not None else NUMBER_LIMIT
        if not low <= number <= high:
            if question.min is not None and question.max is not None:
                message = _("Entrez un nombre entre %(min)s et %(max)s.")
            elif question.min is not None and number < low:
                message = _("Entrez un nombre supérieur ou égal à %(min)s.")
            elif question.max is not None and number > high:
                message = _("Entrez un nombre inférieur ou égal à %(max)s.")
            else:
                message = _("Ce nombre est trop grand.")
            return None, message % {"min": _number_text(low), "max": _number_text(high)}
        return (int(number) if number.is_integer() else number), None
    # text: echoed in the office's exports and e-mails, so without control characters
    # (PostgreSQL cannot store NUL characters in JSON either).
    text = plain_text(values[0], multiline=True)
    if not text:
        return None, None
    if len(text) > TEXT_MAX_LENGTH:
        return None, _("%(max)s caractères au plus (vous en avez écrit %(count)s).") % {
            "max": formats.number_format(TEXT_MAX_LENGTH, force_grouping=True),
            "count": formats.number_format(len(text), force_grouping=True),
        }
    return text, None


def prune_answers(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> dict[str, Any]:
    """``answers`` without unknown questions and questions that do not apply any more.

    Repeated until stable: dropping one answer can make others inapplicable in turn.
    """
    answers = dict(answers)
    while True:
        codes = {q.code for q in applicable_questions(definition, answers, category=category)}
        kept = {code: value for code, value in answers.items() if code in codes}
        if kept == answers:
            return kept
        answers = kept


def _posted(data: Mapping, code: str) -> list[str]:
    if hasattr(data, "getlist"):
        return data.getlist(code)
    value = data.get(code)
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]


@dataclass
class SaveResult:
    """What :func:`save_section` did.

    ``errors`` maps question codes to French messages (those answers were not saved, the
    others were); ``raw`` keeps what was posted for them, to show it again. ``new_questions``
    are questions of the page that apply now but were not on it (a follow-up opened by an
    answer on the same page): the page should be shown again.
    """

    response: Response
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, list[str]] = field(default_factory=dict)
    new_questions: list[str] = field(default_factory=list)
    changed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.new_questions


def save_section(
    *,
    response: Response,
    section_code: str,
    data: Mapping,
    shown: Iterable[str] | None = None,
    require: bool = True,
) -> SaveResult:
    """Validate and merge one page of answers into the response.

    ``data`` maps question codes to posted values (a QueryDict or lists of strings).
    ``shown`` lists the questions that were on the page: only those are changed, and one
    left empty is cleared (None: the questions that applied before this save). ``require``
    reports the page's required questions left empty as errors (off for "Précédent").

    Side effects, in one transaction under a lock on the response row: the valid answers
    are merged, answers of questions that no longer apply anywhere are dropped,
    ``last_section`` is recorded, and a completed response is scored again (its answer,
    axis and recommendation rows rewritten). Raises :class:`UnknownSection`.
    """
    with transaction.atomic():
        locked = (
            Response.objects.select_for_update(of=("self",))
            .select_related("version", "provider")
            .get(pk=response.pk)
        )
        definition = locked.version.parsed
        category = locked.provider.category
        stored = dict(locked.answers or {})
        section = visible_section(definition, stored, category=category, code=section_code)
        before = {
            q.code
            for q in applicable_questions(definition, stored, category=category, section=section)
        }
        on_page = before if shown is None else set(shown) & {q.code for q in section.questions}
        answers = dict(stored)
        result = SaveResult(response=locked)
        handled: set[str] = set()
        # In page order, recomputing what applies as answers are merged: a follow-up
        # question answered on the same page as the answer it depends on is kept.
        progress = True
        while progress:
            progress = False
            for question in applicable_questions(
                definition, answers, category=category, section=section
            ):
                if question.code in handled or question.code not in on_page:
                    continue
                handled.add(question.code)
                progress = True
                values = _posted(data, question.code)
                value, error = clean_answer(question, values)
                if error is None and value is None and require and question.required:
                    error = _("Répondez à cette question.")
                if error is not None:
                    result.errors[question.code] = error
                    result.raw[question.code] = values
                elif value is None:
                    answers.pop(question.code, None)
                else:
                    answers[question.code] = value
        answers = prune_answers(definition, answers, category=category)
        result.new_questions = [
            q.code
            for q in applicable_questions(definition, answers, category=category, section=section)
            if q.code not in on_page and q.code not in answers
        ]
        result.changed = answers != stored
        if result.changed or locked.last_section != section_code:
            locked.answers = answers
            locked.last_section = section_code
            locked.save(update_fields=["answers", "last_section", "updated_at"])
        if result.changed and locked.completed_at is not None:
            write_scores(locked)
    return result


def answer_rows(definition: Definition, response: Response) -> list[Answer]:
    """One row per answer, one per chosen option of a multiple choice; points for scored
    questions only ("sans objet" options have none)."""
    rows = []
    for code, value in response.answers.items():
        question = definition.question(code)
        if question is None:
            continue
        if value == DONT_KNOW:
            rows.append(Answer(response=response, question=code, option=DONT_KNOW))
        elif question.type == "number":
            rows.append(Answer(response=response, question=code, number=value))
        elif question.type == "text":
            rows.append(Answer(response=response, question=code, text=value))
        else:
            for option_code in value if isinstance(value, list) else [value]:
                option = question.option(option_code)
                if option is None:
                    continue
                points = option.points if question.scored and not option.not_applicable else None
                rows.append(
                    Answer(response=response, question=code, option=option_code, points=points)
                )
    return rows


@dataclass(frozen=True)
class ScoreRows:
    """The rows a scored response owns, unsaved."""

    answers: list[Answer]
    axes: list[AxisScore]
    recommendations: list[FiredRecommendation]


def set_score(response: Response, result: ScoreResult) -> None:
    """Put the overall score and the level of ``result`` on ``response`` (not saved)."""
    response.overall_score = result.overall
    response.level = result.level.number if result.level is not None else None


def score_rows(definition: Definition, response: Response, result: ScoreResult) -> ScoreRows:
    """The Answer, AxisScore and FiredRecommendation rows of ``response`` scored as
    ``result``, unsaved: :func:`write_scores` writes them for one response, the demo in
    bulk for a whole campaign. No query."""
    return ScoreRows(
        answers=answer_rows(definition, response),
        axes=[
            AxisScore(response=response, axis=code, score=axis.score, counted=axis.counted)
            for code, axis in result.axes.items()
        ],
        recommendations=[
            FiredRecommendation(
                response=response,
                code=rule.code,
                priority=rule.priority,
                themes=list(rule.themes),
                to_check=rule.code in result.to_check,
            )
            for rule in result.recommendations
        ],
    )


def write_scores(response: Response) -> ScoreResult:
    """Score the response and write its score, level and rows (call inside a transaction).

    Side effects: sets ``overall_score``, ``level`` and ``completed_at`` (kept from the
    first completion), replaces its Answer, AxisScore and FiredRecommendation rows.
    """
    definition = response.version.parsed
    result = score(definition, response.answers, category=response.provider.category)
    set_score(response, result)
    response.completed_at = response.completed_at or timezone.now()
    response.save(update_fields=["overall_score", "level", "completed_at", "updated_at"])
    Answer.objects.filter(response=response).delete()
    AxisScore.objects.filter(response=response).delete()
    FiredRecommendation.objects.filter(response=response).delete()
    rows = score_rows(definition, response, result)
    Answer.objects.bulk_create(rows.answers)
    AxisScore.objects.bulk_create(rows.axes)
    FiredRecommendation.objects.bulk_create(rows.recommendations)
    return result


def complete(*, response: Response) -> Response:
    """Finish the diagnostic: score it and write its rows (see :func:`write_scores`).

    Completing again re-scores (same result for the same answers). Side effects, in one
    transaction under a lock on the response: answers pruned of inapplicable questions,
    score, level, ``completed_at``, answer, axis and recommendation rows.
    """
    with transaction.atomic():
        locked = (
            Response.objects.select_for_update(of=("self",))
            .select_related("version", "provider")
            .get(pk=response.pk)
        )
        definition = locked.version.parsed
        pruned = prune_answers(definition, locked.answers or {}, category=locked.provider.category)
        if pruned != locked.answers:
            locked.answers = pruned
            locked.save(update_fields=["answers", "updated_at"])
        write_scores(locked)
        transaction.on_commit(
            lambda: signals.response_completed.send(sender=Response, response=locked)
        )
    return locked


def missing_required(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> list[tuple[Section, Question]]:
    """Required questions that apply and have no answer, with their section, in order."""
    return [
        (section, question)
        for section in visible_sections(definition, answers, category=category)
        for question in applicable_questions(
            definition, answers, category=category, section=section
        )
        if question.required and question.code not in answers
    ]


def section_progress(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> list[tuple[Section, int, int]]:
    """Each visible section with how many of its applicable questions are answered."""
    rows = []
    for section in visible_sections(definition, answers, category=category):
        codes = [
            q.code
            for q in applicable_questions(definition, answers, category=category, section=section)
        ]
        rows.append((section, sum(1 for code in codes if code in answers), len(codes)))
    return rows


def resume_section(
    definition: Definition, answers: Mapping[str, Any], *, category: str
) -> Section | None:
    """Where to resume: the first page with no answer yet, None when every page has some.

    Pages are saved whole, so a page without any answer is one not reached yet (or left
    blank on purpose: showing it again costs one click).
    """
    for section, answered, applicable in section_progress(definition, answers, category=category):
        if applicable and not answered:
            return section
    return None
