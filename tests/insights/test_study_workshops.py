"""The study shows the workshops' measured effect when two campaigns are compared."""

import pytest

from balise.insights.filters import StudyFilters
from balise.insights.study import build_study
from balise.insights.tables import MASKED
from balise.members.models import Category
from balise.workshops.models import Registration

from ..workshops.test_progress import build_set, campaigns, theme, version  # noqa: F401

pytestmark = pytest.mark.django_db


def test_comparison_adds_the_workshops_effect_table(office, campaigns, theme):  # noqa: F811
    build_set(office, campaigns, theme)
    before, after = campaigns

    study = build_study(after, compare=before)

    table = study.table("workshops_effect")
    assert table is not None and table.section == "evolution"
    web = next(row for row in table.rows if row[1] == "Site web")
    # theme, axis, attendees, their change, others, their change, difference
    assert web == ["Créer son site", "Site web", 5, 20.0, 6, 3.0, 17.0]
    assert table.masked_groups == 0


def test_small_groups_are_masked_and_filters_leave_it_out(office, campaigns, theme):  # noqa: F811
    build_set(office, campaigns, theme, attendees=3)
    before, after = campaigns

    table = build_study(after, compare=before).table("workshops_effect")
    web = next(row for row in table.rows if row[1] == "Site web")
    assert web[3] is MASKED and web[6] is MASKED
    assert table.masked_groups == 2

    filtered = build_study(after, compare=before, filters=StudyFilters(category=Category.HOTEL))
    assert filtered.table("workshops_effect") is None


def test_marking_attendance_refreshes_the_cached_study(office, campaigns, theme):  # noqa: F811
    build_set(office, campaigns, theme)
    before, after = campaigns
    assert build_study(after, compare=before).table("workshops_effect").rows[0][2] == 5

    Registration.objects.filter(attended=False).update(attended=True)

    assert build_study(after, compare=before).table("workshops_effect").rows[0][2] == 6
