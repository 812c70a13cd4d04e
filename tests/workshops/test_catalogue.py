"""The shipped catalogue of workshop themes: consistent with the questionnaire, copied into
an office once, and never overwriting what the office changed."""

import pytest

from balise.diagnostics.conditions import referenced_questions
from balise.workshops import catalogue
from balise.workshops.models import Format, Level, Theme

DEFINITION = catalogue.default_definition()
ENTRIES = {entry.code: entry for entry in catalogue.catalogue()}


def test_every_wished_topic_of_the_questionnaire_has_exactly_one_theme():
    options = [option.code for option in DEFINITION.question("besoins.themes").options]
    assert sorted(ENTRIES) == sorted(options)
    assert len(catalogue.catalogue()) == len(ENTRIES)


def test_question_codes_axes_and_prerequisites_exist():
    axes = {axis.code for axis in DEFINITION.axes}
    for entry in catalogue.catalogue():
        assert entry.questions, entry.code
        for code in entry.questions:
            assert DEFINITION.question(code) is not None, (entry.code, code)
        assert entry.axes and set(entry.axes) <= axes, entry.code
        assert entry.prerequisite is None or entry.prerequisite in ENTRIES
        assert entry.title and entry.description
        assert 15 <= entry.duration_minutes <= 240 and entry.capacity >= 1


def test_every_recommendation_theme_addresses_what_its_rule_looks_at():
    """A rule naming a theme fires on some answers; the theme must address them (the
    question itself, or its axis)."""
    for rule in DEFINITION.recommendations:
        looked_at = referenced_questions(rule.when)
        for code in rule.themes:
            entry = ENTRIES[code]
            addressed = {
                question
                for question in looked_at
                if question in entry.questions
                or (DEFINITION.question(question).axis or "") in entry.axes
            }
            assert addressed, (rule.code, code)


def test_formats_levels_and_progression_follow_the_usual_programme():
    assert ENTRIES["fiche_ot_sit"].format == Format.ONE_TO_ONE
    assert ENTRIES["fiche_ot_sit"].duration_minutes == 60
    assert {ENTRIES[c].format for c in ("newsletter", "statistiques")} == {Format.WEBINAR}
    assert ENTRIES["reseaux_avance"].prerequisite == "reseaux_debuter"
    assert ENTRIES["site_mobile_seo"].prerequisite == "creer_site"
    assert ENTRIES["reseaux_avance"].level == Level.ADVANCED
    collective = [e for e in catalogue.catalogue() if e.format == Format.WORKSHOP]
    assert len(collective) >= 12
    assert all(120 <= e.duration_minutes <= 180 and 6 <= e.capacity <= 12 for e in collective)


@pytest.mark.django_db
def test_ensure_catalogue_creates_the_themes_once(office, other_office):
    themes = catalogue.ensure_catalogue(office)
    assert sorted(t.code for t in themes) == sorted(ENTRIES)
    advanced = Theme.objects.get(office=office, code="reseaux_avance")
    assert advanced.prerequisite.code == "reseaux_debuter"
    assert advanced.question_codes == list(ENTRIES["reseaux_avance"].questions)
    assert catalogue.ensure_catalogue(office) and Theme.objects.filter(office=office).count() == 19
    # Another office gets its own copy.
    catalogue.ensure_catalogue(other_office)
    assert Theme.objects.count() == 38


@pytest.mark.django_db
def test_ensure_catalogue_keeps_the_office_changes_and_adds_only_what_is_missing(office):
    catalogue.ensure_catalogue(office)
    Theme.objects.filter(office=office, code="avis").update(title="Nos avis", active=False)
    Theme.objects.filter(office=office, code="canva").delete()
    catalogue.ensure_catalogue(office)
    avis = Theme.objects.get(office=office, code="avis")
    assert (avis.title, avis.active) == ("Nos avis", False)
    assert Theme.objects.filter(office=office, code="canva").count() == 1


@pytest.mark.django_db
def test_ensure_catalogue_costs_two_queries_once_done(office, django_assert_num_queries):
    catalogue.ensure_catalogue(office)
    with django_assert_num_queries(2):
        catalogue.ensure_catalogue(office)


@pytest.mark.django_db
def test_settings_default_to_summer_for_seasonal_categories_and_save_clean_months(office):
    assert catalogue.high_season(office)["hebergement"] == frozenset({7, 8})
    assert catalogue.high_season(office)["commerce"] == frozenset()
    catalogue.save_settings(
        office=office, high_season={"hebergement": [8, 7, 7, 13], "loisirs": []}, signature="A+"
    )
    assert catalogue.high_season(office)["hebergement"] == frozenset({7, 8})
    assert catalogue.high_season(office)["loisirs"] == frozenset()
    assert catalogue.workshop_settings(office).signature == "A+"
