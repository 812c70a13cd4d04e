"""A completed diagnostic rebuilds its campaign's default study in the background, so the
dashboard opens from the cache."""

import pytest
from django.core.cache import cache

from balise.diagnostics.answering import complete
from balise.insights import study as study_module
from balise.insights.study import build_study

from .respondents import make_campaign, respondents

pytestmark = pytest.mark.django_db


def spy_on_builds(monkeypatch) -> list:
    """The compared campaign's id (or None) of each study actually built."""
    built = []
    original = study_module.gather

    def spy(campaign, filters, compare):
        built.append(compare.pk if compare else None)
        return original(campaign, filters, compare)

    monkeypatch.setattr(study_module, "gather", spy)
    return built


def test_completing_a_diagnostic_warms_the_study(
    office, django_capture_on_commit_callbacks, monkeypatch
):
    campaign = make_campaign(office)
    responses = respondents(campaign, 6)
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complete(response=responses[0])

    built = spy_on_builds(monkeypatch)
    study = build_study(campaign)  # served from the cache: nothing rebuilt
    assert built == []
    assert study.completed == 6


def test_the_comparison_with_the_previous_campaign_is_warmed_too(office, monkeypatch):
    from balise.insights.tasks import refresh_study

    older = make_campaign(office, year=2024)
    previous = make_campaign(office, year=2025)
    campaign = make_campaign(office)
    respondents(previous, 5)
    respondents(campaign, 6)
    cache.clear()
    refresh_study.call(campaign.pk)

    built = spy_on_builds(monkeypatch)
    compared = build_study(campaign, compare=previous)
    build_study(campaign)
    build_study(campaign, compare=older)  # not the previous one: built on demand
    assert built == [older.pk]
    assert compared.compare_name == previous.name


def test_refreshes_are_debounced_and_can_be_turned_off(
    office, settings, django_capture_on_commit_callbacks, monkeypatch
):
    campaign = make_campaign(office)
    responses = respondents(campaign, 6)
    queued = []

    class FakeTask:
        def get_backend(self):
            return type("Backend", (), {"supports_defer": False})()

        def enqueue(self, campaign_id):
            queued.append(campaign_id)

    monkeypatch.setattr("balise.insights.signals.refresh_study", FakeTask())
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for response in responses[:3]:
            complete(response=response)
    assert len(queued) == 1

    cache.clear()
    settings.BALISE_STUDY_PREWARM = False
    with django_capture_on_commit_callbacks(execute=True):
        complete(response=responses[3])
    assert len(queued) == 1
