"""Retention limits: ``balise apply_retention`` with rows dated in the past."""

import datetime as dt
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from balise.diagnostics.models import Invitation
from balise.members.models import ImportBatch, Provider
from balise.offices.models import Role, User
from balise.privacy.models import ErasureRecord, PrivacySettings
from balise.privacy.retention import apply_retention
from balise.workshops.models import Appointment, Registration, ThemeAlert
from tests.diagnostics.factories import CampaignFactory, InvitationFactory
from tests.factories import MembershipFactory, ProviderFactory, UserFactory
from tests.workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def aged(office, other_office):
    """One row past each limit, one just inside it, and the same in another office."""
    rows = {}
    for key, age in (("old", 100), ("new", 10)):
        name = default_storage.save(f"imports/{key}.csv", ContentFile(b"Nom\nJeanne\n"))
        rejected = default_storage.save(f"imports/{key}-rejets.xlsx", ContentFile(b"xlsx"))
        batch = ImportBatch.objects.create(
            office=office, format="csv", filename=f"{key}.csv", file=name, rejected_file=rejected
        )
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=ago(age))
        rows[f"batch_{key}"] = batch
    ended = CampaignFactory(
        office=office, starts_on=ago(500).date(), ends_on=ago(400).date(), status="closed"
    )
    recent = CampaignFactory(
        office=office, starts_on=ago(200).date(), ends_on=ago(100).date(), status="closed"
    )
    rows["invitation_old"] = InvitationFactory(campaign=ended)
    rows["invitation_new"] = InvitationFactory(campaign=recent)
    old_session = SessionFactory(
        office=office, starts_at=ago(4 * 365), ends_at=ago(4 * 365) + dt.timedelta(hours=2)
    )
    new_session = SessionFactory(
        office=office, starts_at=ago(365), ends_at=ago(365) + dt.timedelta(hours=2)
    )
    rows["registration_old"] = RegistrationFactory(
        session=old_session, provider=None, name="Paul", email="paul@ex.org"
    )
    rows["registration_provider"] = RegistrationFactory(session=old_session)  # has a provider
    rows["registration_new"] = RegistrationFactory(
        session=new_session, provider=None, email="lise@ex.org"
    )
    rows["appointment_old"] = AppointmentFactory(
        slot=AppointmentSlotFactory(
            office=office, starts_at=ago(4 * 365), ends_at=ago(4 * 365) + dt.timedelta(hours=1)
        ),
        email="paul@ex.org",
    )
    theme = ThemeFactory(office=office)
    for key, age in (("old", 4 * 365), ("new", 30)):
        alert = ThemeAlert.objects.create(office=office, theme=theme, email=f"{key}@ex.org")
        ThemeAlert.objects.filter(pk=alert.pk).update(created_at=ago(age))
        rows[f"alert_{key}"] = alert
    rows["provider_old"] = ProviderFactory(
        office=office, name="Fermé depuis longtemps", archived_at=ago(4 * 365)
    )
    rows["provider_new"] = ProviderFactory(
        office=office, name="Fermé cette année", archived_at=ago(30)
    )
    rows["provider_active"] = ProviderFactory(office=office, name="Ouvert")
    for key, login in (("sleeper", ago(3 * 365)), ("active", ago(5))):
        user = UserFactory(email=f"{key}@haut-vallon.example", last_login=login)
        MembershipFactory(office=office, user=user, role=Role.ANIMATOR)
        rows[f"user_{key}"] = user
    never = UserFactory(email="never@haut-vallon.example", date_joined=ago(3 * 365))
    MembershipFactory(office=office, user=never, role=Role.READER)
    rows["user_never"] = never
    # Another office: same ages, not touched by a run limited to ``office``.
    rows["foreign_provider"] = ProviderFactory(office=other_office, archived_at=ago(4 * 365))
    return rows


EXPECTED = {
    "import_files": 1,
    "invitations": 1,
    "registrations": 1,
    "appointments": 1,
    "workshop_alerts": 1,
    "archived_providers": 1,
    "staff_accounts": 2,
    "journal": 0,  # the rows above were just written: their journal entries are recent
}


def test_dry_run_counts_and_changes_nothing(office, aged):
    result = apply_retention(office=office, dry_run=True, now=NOW)
    assert result.counts == EXPECTED
    aged["provider_old"].refresh_from_db()
    assert aged["provider_old"].name == "Fermé depuis longtemps"
    assert default_storage.exists(aged["batch_old"].file.name)
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 0
    assert User.objects.filter(is_active=False).count() == 0
    assert not ErasureRecord.objects.exists()


def test_real_run_applies_each_limit_then_a_second_run_does_nothing(office, aged):
    result = apply_retention(office=office, now=NOW)
    assert result.counts == EXPECTED

    batch = ImportBatch.objects.get(pk=aged["batch_old"].pk)
    assert batch.file.name == batch.rejected_file.name == ""
    assert not default_storage.exists(aged["batch_old"].file.name)
    assert not default_storage.exists(aged["batch_old"].rejected_file.name)
    assert default_storage.exists(aged["batch_new"].file.name)
    assert default_storage.exists(aged["batch_new"].rejected_file.name)
    assert Invitation.objects.get(pk=aged["invitation_old"].pk).revoked_at is not None
    assert Invitation.objects.get(pk=aged["invitation_new"].pk).revoked_at is None
    old = Registration.objects.get(pk=aged["registration_old"].pk)
    assert (old.name, old.email) == ("effacé", f"efface-{old.pk}@invalid")
    assert Registration.objects.get(pk=aged["registration_new"].pk).email == "lise@ex.org"
    kept = Registration.objects.get(pk=aged["registration_provider"].pk)
    assert kept.email == aged["registration_provider"].email
    assert Appointment.objects.get(pk=aged["appointment_old"].pk).email.endswith("@invalid")
    assert list(ThemeAlert.objects.values_list("email", flat=True)) == ["new@ex.org"]
    assert Provider.objects.get(pk=aged["provider_old"].pk).name.startswith("Prestataire effacé")
    assert Provider.objects.get(pk=aged["provider_new"].pk).name == "Fermé cette année"
    assert Provider.objects.get(pk=aged["foreign_provider"].pk).name != "" and not (
        Provider.objects.get(pk=aged["foreign_provider"].pk).name.startswith("Prestataire effacé")
    )
    inactive = set(User.objects.filter(is_active=False).values_list("email", flat=True))
    assert inactive == {"sleeper@haut-vallon.example", "never@haut-vallon.example"}
    scopes = sorted(ErasureRecord.objects.values_list("scope", flat=True))
    assert scopes == ["retention", "retention"]  # the provider, and the people

    again = apply_retention(office=office, now=NOW)
    assert again.total == 0
    assert ErasureRecord.objects.count() == 2


def test_shorter_office_durations_apply(office, aged):
    PrivacySettings.objects.create(
        office=office, import_file_days=5, archived_provider_years=1, staff_inactive_years=5
    )
    counts = apply_retention(office=office, dry_run=True, now=NOW).counts
    assert counts["import_files"] == 2
    assert counts["archived_providers"] == 1  # 30 days is still under a year
    assert counts["staff_accounts"] == 0


def test_command_prints_counts_per_office_and_refuses_unknown_office(office, other_office, aged):
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "[simulation] haut-vallon" in text and "[simulation] autre-rive" in text
    assert "prestataires archivés effacés : 1" in text
    assert Provider.objects.get(pk=aged["provider_old"].pk).name == "Fermé depuis longtemps"

    out = StringIO()
    call_command("apply_retention", "--office", "haut-vallon", stdout=out)
    assert "autre-rive" not in out.getvalue()
    assert Provider.objects.get(pk=aged["foreign_provider"].pk).archived_at is not None
    assert not Provider.objects.get(pk=aged["foreign_provider"].pk).name.startswith(
        "Prestataire effacé"
    )
    with pytest.raises(CommandError):
        call_command("apply_retention", "--office", "nulle-part")
