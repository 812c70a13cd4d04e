"""The study's SQL aggregates and masking on small, hand-made samples."""

import pytest
from django.db import connection

from balise.insights import aggregates
from balise.insights.filters import StudyFilters
from balise.insights.study import build_study
from balise.insights.tables import MASKED
from balise.members.models import Category
from tests.diagnostics.factories import InvitationFactory
from tests.factories import CommuneFactory, ProviderFactory

from .respondents import make_campaign, respondent, respondents

pytestmark = pytest.mark.django_db


def test_participation_counts_invited_and_assisted_respondents(office):
    campaign = make_campaign(office)
    commune = CommuneFactory(name="Auzillargues")
    respondents(campaign, 5, commune=commune)
    # Invited, not answered; answered with the animator without an invitation; revoked.
    InvitationFactory(campaign=campaign, provider=ProviderFactory(office=office, commune=commune))
    respondent(campaign, ProviderFactory(office=office, commune=commune))
    revoked = InvitationFactory(
        campaign=campaign, provider=ProviderFactory(office=office, commune=commune)
    )
    revoked.revoke()
    rows = aggregates.participation([campaign], StudyFilters())
    assert sum(row["invited"] for row in rows) == 7
    assert sum(row["completed"] for row in rows) == 6


def test_participation_of_several_offices_counts_each_in_its_own_campaign(office, other_office):
    ours, theirs = make_campaign(office), make_campaign(other_office)
    respondents(ours, 5)
    respondents(theirs, 2)
    InvitationFactory(campaign=theirs, provider=ProviderFactory(office=other_office))
    # Our providers invited to another campaign of ours do not count in this one.
    respondents(make_campaign(office, year=2025), 3)
    rows = aggregates.participation([ours, theirs], StudyFilters())
    by_campaign = {row["campaign"]: (row["invited"], row["completed"]) for row in rows}
    assert by_campaign == {ours.pk: (5, 5), theirs.pk: (3, 2)}
    with pytest.raises(ValueError):
        aggregates.participation([ours, make_campaign(office, year=2024)], StudyFilters())


def test_axis_and_level_aggregates_match_the_rows(office):
    campaign = make_campaign(office)
    scores = [10.0, 30.0, 50.0, 70.0, 90.0, 90.0]
    for score in scores:
        respondents(campaign, 1, score=score)
    sample = aggregates.Sample(campaigns=(campaign.pk,))
    levels = {row["level"]: row["n"] for row in aggregates.levels(sample)}
    assert levels == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2}
    axes = {row["axis"]: row for row in aggregates.axes_by(sample)}
    assert axes["site_web"]["n"] == 6
    assert axes["site_web"]["total"] == pytest.approx(sum(scores))


def test_null_axis_scores_are_not_counted(office):
    campaign = make_campaign(office)
    respondents(campaign, 6, axes={"site_web": None, "equipement": 40.0})
    study = build_study(campaign)
    axes = {row["label"]: row for row in study.table("axes").as_dicts()}
    assert axes["Site web"]["score"] is None and axes["Site web"]["answers"] == 0
    assert axes["Équipement & connexion"]["score"] == pytest.approx(40.0)
    assert axes["Équipement & connexion"]["answers"] == 6


def test_a_commune_with_three_respondents_is_masked_everywhere(office):
    campaign = make_campaign(office)
    big = CommuneFactory(name="Grandville")
    small = CommuneFactory(name="Petitbourg")
    respondents(campaign, 6, commune=big, score=60.0)
    respondents(campaign, 3, commune=small, score=20.0, category=Category.CAMPSITE)
    study = build_study(campaign)
    by_commune = {row[0]: row for row in study.table("participation_by_commune").rows}
    assert by_commune["Petitbourg"][1:] == [MASKED, MASKED, MASKED]
    assert by_commune["Grandville"][1:3] == [6, 6]
    heat = {row[0]: row for row in study.table("heatmap_commune").rows}
    assert all(value is MASKED for value in heat["Petitbourg"][1:])
    assert heat["Grandville"][2] == pytest.approx(60.0)
    # The campsites (3) are masked in the category views too.
    by_category = {row[0]: row for row in study.table("participation_by_category").rows}
    assert by_category["Camping"][1:] == [MASKED, MASKED, MASKED]
    assert study.table("participation_by_commune").masked_groups == 1
    # In the API/JSON form, masked cells are None, never a figure.
    dicts = {row["label"]: row for row in study.table("heatmap_commune").as_dicts()}
    assert set(dicts["Petitbourg"].values()) == {"Petitbourg", None}
    # Nothing of the small commune leaks as a figure anywhere in the study.
    for table in study.tables:
        for row in table.rows:
            if row[0] == "Petitbourg":
                assert all(value is MASKED for value in row[1:]), table.key


def test_filters_restrict_every_view(office):
    campaign = make_campaign(office)
    here = CommuneFactory(name="Ici")
    respondents(campaign, 5, commune=here, score=80.0, answers={"profil.taille": "seul"})
    respondents(
        campaign, 6, score=20.0, category=Category.RESTAURANT, answers={"profil.taille": "p2_5"}
    )
    everyone = build_study(campaign)
    assert everyone.completed == 11
    only_here = build_study(campaign, filters=StudyFilters(commune=here))
    assert only_here.completed == 5
    axes = {row["label"]: row["score"] for row in only_here.table("axes").as_dicts()}
    assert axes["Site web"] == pytest.approx(80.0)
    food = build_study(campaign, filters=StudyFilters(category_group="restauration"))
    assert food.completed == 6
    assert {row[0] for row in food.table("heatmap_category_group").rows} == {"Restauration"}
    small = build_study(campaign, filters=StudyFilters(size="p2_5"))
    assert small.completed == 6
    assert small.table("axes").as_dicts()[1]["score"] == pytest.approx(20.0)


def test_a_sample_under_five_shows_nothing_but_says_why(office):
    campaign = make_campaign(office)
    respondents(campaign, 4)
    study = build_study(campaign)
    assert study.completed == 4
    assert study.tables == [] and study.findings == []
    assert "Moins de 5 diagnostics complets" in study.method[0]


def test_declared_and_observed_indicators(office):
    campaign = make_campaign(office)
    yes = {"web.site_dedie": "oui", "web.https": "oui", "social.reseaux": ["facebook", "instagram"]}
    no = {"web.site_dedie": "non", "social.reseaux": ["aucun"]}
    respondents(campaign, 6, answers=yes)
    respondents(campaign, 4, answers=no)
    study = build_study(campaign)
    rows = {row["label"]: row for row in study.table("indicators").as_dicts()}
    assert rows["Site internet à soi"]["declared"] == pytest.approx(60.0)
    assert rows["Site internet à soi"]["declared_base"] == 10
    # Multiple choice: every answer but "aucun" means present, counted once per provider.
    assert rows["Présence sur les réseaux sociaux"]["declared"] == pytest.approx(60.0)
    # Six answered the HTTPS question: all yes.
    assert rows["Site sécurisé (HTTPS)"]["declared"] == pytest.approx(100.0)
    # No audit: nothing observed; not observable at all: None too.
    assert rows["Site sécurisé (HTTPS)"]["observed"] is None
    assert rows["Paiement en ligne"]["observed"] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT setting")
def test_analytic_reads_turn_jit_off_for_the_study_only():
    def jit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]

    with aggregates.analytic_reads():
        assert jit() == "off"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT setting")
def test_analytic_reads_leave_the_connection_as_it_was():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        before = cursor.fetchone()[0]
    with aggregates.analytic_reads():
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == before
