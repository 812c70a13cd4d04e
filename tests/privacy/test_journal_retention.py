"""Retention of the journal of actions: ``balise apply_retention`` deletes an office's
journal entries older than its limit (``PrivacySettings.journal_days``, two years by
default), and only that office's."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from balise.privacy.models import PrivacySettings
from balise.privacy.retention import apply_retention
from balise.trail.models import Entry
from tests.factories import ProviderFactory

from .rich_provider import url

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def entry_aged(office, days: int, name: str) -> Entry:
    """The journal entry of a provider's creation, moved ``days`` into the past."""
    provider = ProviderFactory(office=office, name=name)
    entry = Entry.objects.get_for_object(provider).get(action=Entry.Action.CREATE)
    Entry.objects.filter(pk=entry.pk).update(timestamp=NOW - dt.timedelta(days=days))
    return entry


def journal_names(office) -> set[str]:
    """The providers the office's journal still names (the office's own creation, logged
    by the fixtures, is recent and left aside)."""
    entries = Entry.objects.filter(office=office, content_type__model="provider")
    return set(entries.values_list("object_repr", flat=True))


@pytest.fixture
def journal(office, other_office):
    """Entries on both sides of the default two-year limit, and old ones elsewhere."""
    entry_aged(office, 3 * 365, "Gîte de 2022")
    entry_aged(office, 731, "Camping d'il y a deux ans")
    entry_aged(office, 729, "Hôtel d'avant-hier")
    entry_aged(office, 1, "Restaurant d'hier")
    entry_aged(other_office, 3 * 365, "Gîte de l'Autre-Rive")


def test_the_default_limit_is_two_years(office):
    assert PrivacySettings.for_office(office).journal_days == 730


def test_old_entries_of_the_office_are_deleted_and_the_rest_kept(office, other_office, journal):
    result = apply_retention(office=office, now=NOW)

    assert result.counts["journal"] == 2
    assert journal_names(office) == {"Hôtel d'avant-hier", "Restaurant d'hier"}
    # Another office's entries, however old, are that office's business.
    assert journal_names(other_office) == {"Gîte de l'Autre-Rive"}


def test_a_dry_run_counts_and_deletes_nothing(office, journal):
    before = Entry.objects.count()
    result = apply_retention(office=office, dry_run=True, now=NOW)
    assert result.counts["journal"] == 2
    assert Entry.objects.count() == before


def test_a_second_run_deletes_nothing_more(office, journal):
    apply_retention(office=office, now=NOW)
    left = Entry.objects.count()
    again = apply_retention(office=office, now=NOW)
    assert again.counts["journal"] == 0
    assert again.total == 0
    assert Entry.objects.count() == left


def test_the_office_duration_applies(office, other_office, journal):
    PrivacySettings.objects.create(office=office, journal_days=90)
    PrivacySettings.objects.create(office=other_office, journal_days=3650)
    entry_aged(office, 91, "Ferme de l'automne")

    assert apply_retention(office=office, now=NOW).counts["journal"] == 4
    assert journal_names(office) == {"Restaurant d'hier"}
    assert apply_retention(office=other_office, now=NOW).counts["journal"] == 0
    assert journal_names(other_office) == {"Gîte de l'Autre-Rive"}


def test_the_rule_deletes_in_one_statement_whatever_the_number(office):
    """A big journal must not be loaded in memory to be deleted."""

    def queries_for(count: int) -> int:
        for index in range(count):
            entry_aged(office, 800, f"Prestataire {count}-{index}")
        with CaptureQueriesContext(connection) as queries:
            assert apply_retention(office=office, now=NOW).counts["journal"] == count
        return len(queries)

    assert queries_for(1) == queries_for(5)


def test_the_command_prints_the_journal_count(office, other_office, journal):
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(
        line.startswith("[simulation] haut-vallon") and "entrées du journal supprimées : 2" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("[simulation] autre-rive") and "entrées du journal supprimées : 1" in line
        for line in lines
    ), lines
    assert len(journal_names(office)) == 4

    out = StringIO()
    call_command("apply_retention", "--office", "haut-vallon", stdout=out)
    assert "entrées du journal supprimées : 2" in out.getvalue()
    assert "autre-rive" not in out.getvalue()
    assert journal_names(other_office) == {"Gîte de l'Autre-Rive"}

    out = StringIO()
    call_command("apply_retention", "--office", "haut-vallon", stdout=out)
    assert "entrées du journal supprimées : 0" in out.getvalue()


# --- the settings form and the register -------------------------------------------------

FORM = {
    "dpo_name": "",
    "dpo_email": "",
    "import_file_days": 90,
    "invitation_days": 365,
    "registration_years": 3,
    "archived_provider_years": 3,
    "staff_inactive_years": 2,
}


@pytest.mark.parametrize("days", [90, 365, 3650])
def test_the_settings_accept_a_limit_within_bounds(client_for, admin_user, office, days):
    response = client_for(admin_user).post(
        url(office, "privacy:settings"), {**FORM, "journal_days": days}
    )
    assert response.status_code == 302
    assert PrivacySettings.objects.get(office=office).journal_days == days


@pytest.mark.parametrize("days", ["", "0", "-5", "89", "3651", "99999", "deux ans"])
def test_the_settings_refuse_a_limit_out_of_bounds(client_for, admin_user, office, days):
    response = client_for(admin_user).post(
        url(office, "privacy:settings"), {**FORM, "journal_days": days}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"journal_days"}
    assert not PrivacySettings.objects.exists()


def test_the_settings_page_shows_the_field(client_for, admin_user, office):
    page = client_for(admin_user).get(url(office, "privacy:settings")).content.decode()
    assert "Journal des actions : entrées supprimées après (jours)" in page
    assert 'name="journal_days" value="730"' in page


def test_the_register_announces_the_limit(client_for, reader, office):
    client = client_for(reader)
    page = client.get(url(office, "privacy:register")).content.decode()
    assert "Entrées supprimées 730 jours après l&#x27;action" in page
    PrivacySettings.objects.create(office=office, journal_days=365)
    page = client.get(url(office, "privacy:register")).content.decode()
    assert "Entrées supprimées 365 jours après l&#x27;action" in page
    assert "sauf purge par l&#x27;hébergeur" not in page
