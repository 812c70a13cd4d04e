"""Helpers for the W4 tests (sessions, invitations, attendance, journey, progress):
completed diagnostics written row by row, without going through the answering flow."""

import datetime

from django.utils import timezone

from balise.diagnostics.models import Answer, AxisScore, FiredRecommendation

from ..diagnostics.factories import ResponseFactory


def completed_response(
    *,
    campaign,
    provider,
    completed_at: datetime.datetime | None = None,
    scores: dict[str, float] | None = None,
    fired: list[tuple[str, list[str]]] = (),
    asked: list[str] = (),
    overall: float | None = 50.0,
):
    """A completed response with its AxisScore, FiredRecommendation and Answer rows."""
    response = ResponseFactory(
        campaign=campaign,
        provider=provider,
        completed_at=completed_at or timezone.now(),
        overall_score=overall,
        level=2 if overall is not None else None,
    )
    AxisScore.objects.bulk_create(
        AxisScore(response=response, axis=axis, score=score, counted=2)
        for axis, score in (scores or {}).items()
    )
    FiredRecommendation.objects.bulk_create(
        FiredRecommendation(response=response, code=code, priority=n + 1, themes=themes)
        for n, (code, themes) in enumerate(fired)
    )
    Answer.objects.bulk_create(
        Answer(response=response, question="besoins.themes", option=code) for code in asked
    )
    return response


def days_ago(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
