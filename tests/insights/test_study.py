"""The territory study of the demo matches a hand count, and the cache follows the data.

The demo is built once for the module inside a transaction rolled back at the end (as
tests/test_demo_diagnostics.py does). Hand counts iterate ``Response.answers`` (the JSON
source of truth) in Python, independently of the SQL aggregates under test.
"""

from collections import Counter, defaultdict
from statistics import mean

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from balise.audits.models import CheckOutcome
from balise.audits.services import latest_audits
from balise.demo.builder import build_demo
from balise.diagnostics.models import AxisScore, Campaign, Invitation, Response
from balise.insights.definitions import INDICATORS
from balise.insights.filters import StudyFilters
from balise.insights.study import build_study
from balise.insights.tables import MASKED, MIN_GROUP
from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup, Commune

from .respondents import make_campaign, respondent, respondents

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def campaign(office: str, year: int) -> Campaign:
    return Campaign.objects.get(office__slug=office, name=f"Diagnostic numérique {year}")


def done(c: Campaign):
    return list(
        Response.objects.filter(campaign=c, completed_at__isnull=False).select_related("provider")
    )


def group_label(category: str) -> str:
    return CategoryGroup(CATEGORY_GROUP[category]).label


def test_demo_participation_and_levels_match_a_hand_count(demo):
    c = campaign("haut-vallon", 2026)
    study = build_study(c)
    responses = done(c)
    usable = {i.provider_id for i in Invitation.objects.filter(campaign=c, revoked_at__isnull=True)}
    answered = set(Response.objects.filter(campaign=c).values_list("provider_id", flat=True))
    assert study.completed == len(responses) > 100
    assert study.invited == len(usable | answered)

    # By commune: counted by hand, masked exactly when under MIN_GROUP.
    by_commune = Counter(r.provider.commune_id for r in responses)
    names = dict(Commune.objects.values_list("pk", "name"))
    table = {row[0]: row for row in study.table("participation_by_commune").rows}
    assert any(0 < n < MIN_GROUP for n in by_commune.values())  # the demo has small ones
    for commune, n in by_commune.items():
        row = table[names[commune]]
        assert row[2] == (n if n >= MIN_GROUP else MASKED)
    masked = sum(1 for row in table.values() if row[2] is MASKED)
    assert study.table("participation_by_commune").masked_groups == masked

    # Levels and the overall score.
    levels = Counter(r.level for r in responses)
    rows = study.table("levels").rows
    assert [row[1] for row in rows] == [levels.get(n, 0) for n in range(1, 6)]
    assert rows[2][2] == pytest.approx(100 * levels[3] / len(responses))
    overall = mean(r.overall_score for r in responses)
    assert f"{round(overall)} sur 100" in study.table("levels").note


def test_demo_indicators_and_needs_match_the_answers(demo):
    c = campaign("haut-vallon", 2026)
    study = build_study(c)
    responses = done(c)
    indicators = {row["label"]: row for row in study.table("indicators").as_dicts()}
    for indicator in INDICATORS:
        given = [
            r.answers[indicator.question] for r in responses if indicator.question in r.answers
        ]
        if indicator.none:
            yes = [v for v in given if v != "nsp" and not set(v) & set(indicator.none)]
        else:
            yes = [v for v in given if v in indicator.yes]
        row = indicators[str(indicator.label)]
        assert row["declared_base"] == len(given), indicator.key
        assert row["declared"] == pytest.approx(100 * len(yes) / len(given)), indicator.key

    # Observed HTTPS: the respondents' latest audits, verdict ok, unknown left out.
    providers = {r.provider_id for r in responses}
    latest = [a for a in latest_audits(c.office) if a.provider_id in providers]
    outcomes = [
        o.verdict
        for o in CheckOutcome.objects.filter(audit__in=latest, code="security.https")
        if o.verdict != "unknown"
    ]
    assert len(outcomes) >= MIN_GROUP
    https = indicators["Site sécurisé (HTTPS)"]
    assert https["observed_base"] == len(outcomes)
    assert https["observed"] == pytest.approx(100 * outcomes.count("ok") / len(outcomes))

    # Wished topics: overall, then among the accommodation providers.
    themes = [r for r in responses if "besoins.themes" in r.answers]
    counts = Counter(code for r in themes for code in r.answers["besoins.themes"])
    table = study.table("needs_themes")
    first = table.as_dicts()[0]
    top_code, top_count = counts.most_common(1)[0]
    assert first["count"] == top_count
    assert first["share"] == pytest.approx(100 * top_count / len(themes))
    lodging = [r for r in themes if CATEGORY_GROUP[r.provider.category] == "hebergement"]
    wanted = sum(1 for r in lodging if top_code in r.answers["besoins.themes"])
    assert first["hebergement"] == pytest.approx(100 * wanted / len(lodging))


def test_demo_axes_heatmap_and_findings(demo):
    c = campaign("haut-vallon", 2026)
    study = build_study(c)
    responses = {r.pk: r for r in done(c)}
    scores = defaultdict(list)
    by_group = defaultdict(list)
    for axis, response_id, score in AxisScore.objects.filter(
        response_id__in=responses, score__isnull=False
    ).values_list("axis", "response_id", "score"):
        scores[axis].append(score)
        group = group_label(responses[response_id].provider.category)
        by_group[(group, axis)].append(score)
    axes = study.table("axes").as_dicts()
    site = next(row for row in axes if row["label"] == "Site web")
    assert site["answers"] == len(scores["site_web"])
    assert site["score"] == pytest.approx(mean(scores["site_web"]))
    # The network average (two offices) is there and differs from the territory's.
    assert site["network"] is not None and site["network"] != site["score"]
    heat = {row["label"]: row for row in study.table("heatmap_category_group").as_dicts()}
    for (group, axis), values in by_group.items():
        group_size = sum(1 for r in responses.values() if group_label(r.provider.category) == group)
        expected = mean(values) if group_size >= MIN_GROUP and len(values) >= MIN_GROUP else None
        assert heat[group][axis] == (pytest.approx(expected) if expected else None)

    # Findings: the best and worst axes, and sentences whose figure is a real share.
    best = max(scores, key=lambda axis: mean(scores[axis]))
    assert study.strengths[0].text.startswith("Axe le plus avancé")
    assert f"{round(mean(scores[best]))} sur 100" in study.strengths[0].text
    assert study.weaknesses and len(study.findings) >= 4
    answered = [r for r in responses.values() if "avis.reponse" in r.answers]
    never = [r for r in answered if r.answers["avis.reponse"] == "jamais"]
    lodging = [r for r in answered if CATEGORY_GROUP[r.provider.category] == "hebergement"]
    never_lodging = [r for r in lodging if r.answers["avis.reponse"] == "jamais"]
    for finding in study.findings:
        if "ne répondent jamais aux avis" in finding.text:
            if finding.text.split(" des ")[1].startswith("hébergements"):
                assert finding.value == pytest.approx(100 * len(never_lodging) / len(lodging))
            else:
                assert finding.value == pytest.approx(100 * len(never) / len(answered))
        assert "(base :" in finding.text or finding.text.startswith("Axe")


def test_demo_evolution_on_the_panel_and_on_everyone(demo):
    new, old = campaign("haut-vallon", 2026), campaign("haut-vallon", 2025)
    study = build_study(new, compare=old)
    before, after = done(old), done(new)
    both = {r.provider_id for r in before} & {r.provider_id for r in after}
    panel = study.table("evolution_panel").as_dicts()[0]
    assert panel["before_n"] == panel["after_n"] == len(both)
    b = mean(r.overall_score for r in before if r.provider_id in both)
    a = mean(r.overall_score for r in after if r.provider_id in both)
    assert panel["before"] == pytest.approx(b) and panel["after"] == pytest.approx(a)
    assert panel["delta"] == pytest.approx(a - b)
    everyone = study.table("evolution_all").as_dicts()[0]
    assert everyone["before_n"] == len(before) and everyone["after_n"] == len(after)
    assert everyone["before"] == pytest.approx(mean(r.overall_score for r in before))
    assert len(both) < len(after)  # the panel is a real subset


def test_demo_filters_and_small_groups(demo):
    c = campaign("haut-vallon", 2026)
    responses = done(c)
    lodging = [r for r in responses if CATEGORY_GROUP[r.provider.category] == "hebergement"]
    study = build_study(c, filters=StudyFilters(category_group="hebergement"))
    assert study.completed == len(lodging)
    assert study.filters_text == "Famille : Hébergement"
    scores = [r.overall_score for r in lodging]
    assert f"{round(mean(scores))} sur 100" in study.table("levels").note
    # A commune under five respondents: the study says so and shows nothing.
    small = Counter(r.provider.commune for r in responses)
    commune = next(commune for commune, n in small.items() if 0 < n < MIN_GROUP)
    hidden = build_study(c, filters=StudyFilters(commune=commune))
    assert hidden.completed < MIN_GROUP and hidden.tables == []


def test_the_study_is_cached_and_refreshed_when_answers_change(
    office, django_assert_max_num_queries
):
    c = make_campaign(office)
    respondents(c, 5, score=40.0)
    first = build_study(c)
    with CaptureQueriesContext(connection) as queries:
        again = build_study(c)
    assert len(queries) == 5  # the data version only
    assert again.generated_at == first.generated_at
    # A sixth diagnostic is completed: the key changes, the figures follow.
    respondents(c, 1, score=100.0)
    fresh = build_study(c)
    assert fresh.completed == 6
    assert fresh.table("axes").as_dicts()[0]["score"] == pytest.approx(50.0)
    # An answer edited in place (same count of responses): refreshed too.
    response = Response.objects.filter(campaign=c).first()
    AxisScore.objects.filter(response=response).update(score=70.0)
    response.save()  # every write of the diagnostics app saves the response (updated_at)
    edited = build_study(c)
    assert edited.table("axes").as_dicts()[0]["score"] == pytest.approx(55.0)
    # A provider moved to another category changes the groups: refreshed too.
    provider = response.provider
    provider.category = Category.CAMPSITE
    provider.save()
    moved = build_study(c)
    assert moved.generated_at != edited.generated_at
    # Other filters, other languages: other entries.
    assert build_study(c, filters=StudyFilters(size="seul")).completed == 0


def test_compare_with_another_offices_campaign_is_ignored(office, other_office):
    mine, theirs = make_campaign(office), make_campaign(other_office, year=2025)
    respondents(mine, 5)
    study = build_study(mine, compare=theirs)
    assert study.compare_name == "" and study.table("evolution_all") is None


def test_panel_under_five_is_masked(office):
    new, old = make_campaign(office), make_campaign(office, year=2025)
    people = respondents(new, 6, score=60.0)
    for response in people[:3]:
        respondent(old, response.provider, score=40.0)
    respondents(old, 4, score=30.0)
    study = build_study(new, compare=old)
    panel = study.table("evolution_panel")
    assert all(value is MASKED for row in panel.rows for value in row[1:])
    assert panel.masked_groups == 1
    everyone = study.table("evolution_all").as_dicts()[0]
    assert everyone["before"] == pytest.approx((3 * 40 + 4 * 30) / 7)
    assert everyone["delta"] == pytest.approx(60 - (3 * 40 + 4 * 30) / 7)
