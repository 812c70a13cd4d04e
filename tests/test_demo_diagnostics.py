"""The demo's diagnostic campaigns: realistic participation, answers and scores, repeatable.

The demo is built once for the module inside a transaction that is rolled back at the end
(the tests only read it, or change it inside their own savepoint).
"""

import hashlib
import json
import random
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from statistics import mean

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from balise.demo.answers import draw_answers
from balise.demo.builder import build_demo, reset_demo
from balise.demo.diagnostics import CAMPAIGNS
from balise.demo.respondents import Respondent
from balise.diagnostics import answering, campaigns, reports, versions
from balise.diagnostics.definition import load_default, load_definition
from balise.diagnostics.models import (
    Answer,
    AxisScore,
    Campaign,
    FiredRecommendation,
    Invitation,
    Questionnaire,
    Response,
    ResponseSource,
)
from balise.diagnostics.scoring import applicable_questions, score, visible_sections
from balise.lib.charts import round_half_up
from balise.members.models import Category, MembershipStatus, Provider

pytestmark = pytest.mark.django_db

SMALL_RENTALS = [Category.RENTAL, Category.BED_AND_BREAKFAST]
BOOKING_QUESTIONS = {
    "resa.module_en_ligne",
    "resa.paiement_en_ligne",
    "resa.otas",
    "resa.part_otas",
    "resa.channel_manager",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo()
        transaction.set_rollback(True)


def campaign(office: str, year: int) -> Campaign:
    return Campaign.objects.get(office__slug=office, name=f"Diagnostic numérique {year}")


def completed(c: Campaign):
    return Response.objects.filter(campaign=c, completed_at__isnull=False)


def axis_mean(axis: str, categories) -> float:
    return AxisScore.objects.filter(
        response__office__slug="haut-vallon",
        response__completed_at__isnull=False,
        response__provider__category__in=categories,
        axis=axis,
        score__isnull=False,
    ).aggregate(mean=Avg("score"))["mean"]


def digest() -> str:
    """Everything drawn from the seed: answers, scores, sources and the links' history."""
    responses = Response.objects.order_by(
        "office__slug", "campaign__name", "provider__normalized_name"
    ).values_list(
        "office__slug",
        "campaign__name",
        "provider__normalized_name",
        "source",
        "answers",
        "last_section",
        "overall_score",
        "level",
        "started_at",
        "completed_at",
    )
    invitations = Invitation.objects.order_by(
        "office__slug", "campaign__name", "provider__normalized_name"
    ).values_list(
        "campaign__name", "provider__normalized_name", "sent_at", "opened_at", "reminder_count"
    )
    data = json.dumps([list(responses), list(invitations)], default=str, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def score_rows(response: Response) -> tuple:
    answers = Answer.objects.filter(response=response)
    return (
        sorted(answers.values_list("question", "option", "number", "text", "points"), key=repr),
        sorted(AxisScore.objects.filter(response=response).values_list("axis", "score", "counted")),
        list(FiredRecommendation.objects.filter(response=response).values_list("code", "themes")),
    )


def test_three_campaigns_with_realistic_participation(demo):
    version = versions.ensure_default_version()
    animatrice = demo.users["animatrice@haut-vallon.demo"]
    today = timezone.localdate()
    for spec in CAMPAIGNS:
        c = campaign(spec.office_slug, spec.starts_on.year)
        members = Provider.objects.filter(
            office__slug=spec.office_slug,
            membership_status=MembershipStatus.MEMBER,
            archived_at__isnull=True,
        )
        invitations = Invitation.objects.filter(campaign=c).select_related("provider")
        panel = invitations.count()
        assert panel == members.count()
        assert c.version == version and c.version.questionnaire.office is None
        assert c.status == spec.status
        assert c.starts_on == spec.starts_on
        # Every provider with an address was mailed; the others wait for a phone call.
        for invitation in invitations:
            assert (invitation.sent_at is not None) == bool(invitation.provider.email)
            assert invitation.email == invitation.provider.email
            if invitation.opened_at:
                assert invitation.sent_at < invitation.opened_at
        assert invitations.filter(reminder_count__gt=0).count() >= panel * 0.3

        done = completed(c)
        in_progress = Response.objects.filter(campaign=c, completed_at__isnull=True)
        assert abs(done.count() / panel - spec.completed) <= 0.02
        assert abs(in_progress.count() / panel - spec.in_progress) <= 0.02
        assert demo.counts[spec.office_slug][f"{c.slug} : terminés"] == done.count()
        for response in Response.objects.filter(campaign=c):
            assert spec.starts_on <= timezone.localdate(response.started_at)
            assert response.started_at <= response.updated_at <= timezone.now()
            assert timezone.localdate(response.updated_at) <= spec.ends_on
        # Those who finished alone opened their link; assisted ones were helped by phone.
        alone = done.filter(source=ResponseSource.SELF).values("provider")
        assert not invitations.filter(provider__in=alone, opened_at__isnull=True).exists()
        assisted = done.filter(source=ResponseSource.ASSISTED)
        assert assisted.count() == spec.assisted
        assert all(r.filled_by == animatrice and not r.provider.email for r in assisted)

    old, new = campaign("haut-vallon", 2025), campaign("haut-vallon", 2026)
    assert not old.is_open and new.is_open
    assert new.ends_on == max(date(2026, 12, 20), today + timedelta(days=7))
    assert demo.counts["haut-vallon"]["campagnes"] == 2
    assert demo.counts["val-d-arre"]["campagnes"] == 1
    # In progress: the first pages only, up to where the respondent stopped.
    stopped = Response.objects.filter(campaign=new, completed_at__isnull=True)
    for response in stopped.select_related("provider", "version"):
        definition = response.version.parsed
        category = response.provider.category
        pages = [s.code for s in visible_sections(definition, response.answers, category=category)]
        assert response.last_section in pages[:-1]
        reached = pages[: pages.index(response.last_section) + 1]
        section_of = {q.code: s.code for s in definition.sections for q in s.questions}
        assert {section_of[code] for code in response.answers} <= set(reached)


def test_completed_responses_have_rows_consistent_with_scoring(demo):
    done = Response.objects.filter(completed_at__isnull=False).select_related("provider", "version")
    axis_rows = {}
    for response_id, axis, value, counted in AxisScore.objects.values_list(
        "response_id", "axis", "score", "counted"
    ):
        axis_rows.setdefault(response_id, {})[axis] = (value, counted)
    fired = {}
    for response_id, code in FiredRecommendation.objects.order_by("priority", "id").values_list(
        "response_id", "code"
    ):
        fired.setdefault(response_id, []).append(code)
    assert done.count() > 300
    for response in done:
        definition = response.version.parsed
        category = response.provider.category
        result = score(definition, response.answers, category=category)
        assert axis_rows[response.pk] == {
            code: (axis.score, axis.counted) for code, axis in result.axes.items()
        }
        assert response.overall_score == result.overall
        assert response.level == result.level.number
        assert fired.get(response.pk, []) == [rule.code for rule in result.recommendations]
        # Only answers to questions on the respondent's path: nothing to prune.
        assert response.answers == answering.prune_answers(
            definition, response.answers, category=category
        )
    # The rows written in bulk are the ones the service writes.
    for response in random.Random(4).sample(list(done), 12):
        before = score_rows(response)
        answering.write_scores(response)
        assert score_rows(response) == before


def test_answers_show_the_intended_effects(demo):
    # Small rentals are weak on reviews and online booking; restaurants and activities
    # strong on social networks; hotels and campsites good at selling online.
    assert axis_mean("e_reputation", SMALL_RENTALS) + 15 < axis_mean(
        "e_reputation", [Category.RESTAURANT]
    )
    assert axis_mean("reseaux_sociaux", [Category.RESTAURANT]) > 15 + axis_mean(
        "reseaux_sociaux", [Category.RENTAL]
    )
    assert axis_mean("reseaux_sociaux", [Category.ACTIVITY]) > axis_mean(
        "reseaux_sociaux", SMALL_RENTALS
    )
    assert axis_mean("commercialisation", [Category.HOTEL, Category.CAMPSITE]) > 20 + axis_mean(
        "commercialisation", SMALL_RENTALS
    )
    # Booking questions never reach associations.
    associations = Response.objects.filter(provider__category=Category.ASSOCIATION)
    assert associations.filter(completed_at__isnull=False).count() >= 10
    assert not any(BOOKING_QUESTIONS & set(r.answers) for r in associations)
    assert not Answer.objects.filter(
        response__provider__category=Category.ASSOCIATION, question__in=BOOKING_QUESTIONS
    ).exists()
    assert Answer.objects.filter(
        response__provider__category=Category.HOTEL, question="resa.otas", option="booking"
    ).exists()

    done = Response.objects.filter(completed_at__isnull=False).select_related("provider")
    # Declared against observed: a website in the directory is mostly declared, not always.
    declared = Counter((bool(r.provider.website), r.answers.get("web.site_dedie")) for r in done)
    with_site = sum(n for (site, _), n in declared.items() if site)
    assert declared[(True, "oui")] / with_site >= 0.8
    assert declared[(True, "non")] + declared[(True, "en_cours")] >= 5
    assert declared[(False, "non")] > declared[(False, "oui")]
    # "Je ne sais pas" on technical questions, more than on plain ones.
    dont_know = Counter(Answer.objects.filter(option="nsp").values_list("question", flat=True))
    for code in ("web.https", "web.statistiques", "secu.mots_de_passe_2fa"):
        assert dont_know[code] >= 10, code
    assert dont_know["equip.connexion"] < dont_know["web.https"]
    # Needs: off-season months, and the themes of each one's weak points.
    months = Counter(
        Answer.objects.filter(question="besoins.mois").values_list("option", flat=True)
    )
    assert sum(months[m] for m in ("m11", "m12", "m01", "m02", "m03")) > 5 * sum(
        months[m] for m in ("m06", "m07", "m08")
    )
    assert Answer.objects.filter(question="besoins.formats").exists()
    reviews = dict(
        AxisScore.objects.filter(axis="e_reputation", score__isnull=False).values_list(
            "response_id", "score"
        )
    )
    wants_reviews = set(
        Answer.objects.filter(question="besoins.themes", option="avis").values_list(
            "response_id", flat=True
        )
    )

    def share(ids):
        return sum(1 for i in ids if i in wants_reviews) / len(ids)

    weak = [i for i, s in reviews.items() if s < 35]
    strong = [i for i, s in reviews.items() if s >= 65]
    assert share(weak) > 2 * share(strong)


def test_providers_who_answered_both_years_improved(demo):
    before = dict(completed(campaign("haut-vallon", 2025)).values_list("provider", "overall_score"))
    after = dict(completed(campaign("haut-vallon", 2026)).values_list("provider", "overall_score"))
    both = before.keys() & after.keys()
    assert len(both) >= 60
    gain = mean(after[p] - before[p] for p in both)
    assert 2 <= gain <= 15
    assert sum(after[p] > before[p] for p in both) > 0.6 * len(both)
    # So the report of a returning provider shows the change.
    response = completed(campaign("haut-vallon", 2026)).get(provider=min(both))
    change = reports.build_report(response).change
    assert change.campaign_name == "Diagnostic numérique 2025"
    # The difference of the two figures the report shows, each rounded.
    shown = round_half_up(after[min(both)]) - round_half_up(before[min(both)])
    assert change.overall_delta == shown


def test_same_seed_same_answers_and_reset_twice(demo):
    first = digest()
    shared = Questionnaire.objects.get(office=None)
    version = versions.ensure_default_version()
    models = (Campaign, Invitation, Response, Answer, AxisScore, FiredRecommendation)
    counts = [model.objects.count() for model in models]
    for _ in range(2):
        call_command("demo", "--reset", stdout=StringIO())
        assert digest() == first
        assert [model.objects.count() for model in models] == counts  # replaced, not added
    # The shipped questionnaire is shared with real offices: a reset never deletes it.
    assert Questionnaire.objects.get(office=None) == shared
    assert versions.ensure_default_version() == version


def test_reset_after_the_office_adapted_the_questionnaire(demo):
    # Campaign.version is RESTRICT: deleting an office deletes its campaigns and its own
    # questionnaire versions together, while a version still in use elsewhere is kept.
    office = demo.main_office
    copy = versions.copy_version(
        version=versions.ensure_default_version(), office=office, user=None
    )
    versions.publish_version(version=copy)
    campaigns.create_campaign(
        office=office,
        name="Diagnostic maison",
        version=copy,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 12, 31),
        target_filters={"category": Category.HOTEL},
        message="",
        user=None,
    )
    reset_demo()
    assert not Campaign.objects.exists()


def test_draw_answers_follows_the_respondent_path():
    definition = load_definition(load_default())

    def respondent(category, seed, **extra):
        rng = random.Random(seed)
        return Respondent(
            category=category,
            website=extra.get("website", rng.random() < 0.6),
            social=frozenset({"facebook"} if rng.random() < 0.5 else ()),
            labels=frozenset(),
            classified=False,
            email="contact@gite.example",
            description="Gîte de 6 personnes.",
            year_round=False,
            maturity=rng.random(),
        )

    for category in Category.values:
        for seed in range(20):
            person = respondent(category, seed)
            answers, last = draw_answers(definition, person, random.Random(seed))
            assert answers == draw_answers(definition, person, random.Random(seed))[0]
            applicable = {
                q.code for q in applicable_questions(definition, answers, category=category)
            }
            assert set(answers) <= applicable
            assert len(answers) >= 0.8 * len(applicable)
            assert last == visible_sections(definition, answers, category=category)[-1].code
            if category == Category.ASSOCIATION:
                assert not BOOKING_QUESTIONS & set(answers)
            if answers.get("profil.capacite") is not None and category == Category.RENTAL:
                assert answers["profil.capacite"] == 6

    # Stopping after two pages: the answers of the first two pages only.
    person = respondent(Category.HOTEL, 1, website=True)
    answers, last = draw_answers(definition, person, random.Random(1), pages=2)
    pages = [s.code for s in visible_sections(definition, answers, category=Category.HOTEL)]
    assert last == pages[1]
    first_two = {q.code for s in definition.sections[:2] for q in s.questions}
    assert set(answers) <= first_two
    assert answers != draw_answers(definition, person, random.Random(2), pages=2)[0]
