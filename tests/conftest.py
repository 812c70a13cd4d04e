"""Shared fixtures: an office with one user per role, an outsider from another office, and
the victim rows the tenancy walkers aim at."""

import pytest
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations
from django.utils import timezone

from balise.audits.models import AuditRun, DeclaredObservedGap, SiteAudit
from balise.members.models import ImportBatch
from balise.offices.models import Role
from balise.workshops.models import ThemeAlert

from .diagnostics.factories import (
    CampaignFactory,
    InvitationFactory,
    QuestionnaireFactory,
    ResponseFactory,
    VersionFactory,
)
from .factories import PASSWORD, MembershipFactory, OfficeFactory, ProviderFactory, UserFactory
from .workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    CandidateSlotFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
    VenueFactory,
)

_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_cascade(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    # django-auditlog's own log table stays in the schema (its model is swapped for
    # trail.Entry, but its migrations still create it) and references users, so the
    # TRUNCATE between transactional tests needs CASCADE on PostgreSQL. The table is always
    # empty; production never flushes.
    return _sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=True)


DatabaseOperations.sql_flush = _sql_flush_cascade


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    cache.clear()  # rate-limit counters and cached studies never leak from one test to the next
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture
def office(db):
    return OfficeFactory(slug="haut-vallon", name="Office de tourisme du Haut-Vallon")


@pytest.fixture
def other_office(db):
    return OfficeFactory(slug="autre-rive", name="Office de tourisme de l'Autre-Rive")


def _member(office, role, email):
    return MembershipFactory(office=office, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def admin_user(office):
    return _member(office, Role.ADMIN, "admin@haut-vallon.example")


@pytest.fixture
def animator(office):
    return _member(office, Role.ANIMATOR, "animatrice@haut-vallon.example")


@pytest.fixture
def reader(office):
    return _member(office, Role.READER, "lecteur@haut-vallon.example")


@pytest.fixture
def outsider(other_office):
    return _member(other_office, Role.ADMIN, "admin@autre-rive.example")


@pytest.fixture
def client_for(client):
    """Log a user in on the test client: ``client_for(animator).get(url)``."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def victim_objects(office, admin_user):
    """One row of each kind an office URL names, in the victim office: the tenancy walkers
    (tests/test_tenancy_all.py, tests/api/) fill URL parameters with their ids."""
    provider = ProviderFactory(office=office, name="Gîte Secret")
    batch = ImportBatch.objects.create(
        office=office, format="csv", filename="x.csv", file="imports/x.csv"
    )
    membership = admin_user.memberships.get()
    version = VersionFactory(questionnaire=QuestionnaireFactory(office=office, code="secret"))
    campaign = CampaignFactory(office=office, version=version)
    invitation = InvitationFactory(campaign=campaign, provider=provider)
    response = ResponseFactory(campaign=campaign, provider=provider, completed_at=timezone.now())
    audit = SiteAudit.objects.create(
        office=office, provider=provider, url="https://secret.example/", fetched_at=timezone.now()
    )
    gap = DeclaredObservedGap.objects.create(
        office=office, provider=provider, response=response, audit=audit, code="web.mobile"
    )
    programme = ProgrammeFactory(office=office)
    session = SessionFactory(office=office, programme=programme)
    appointment_slot = AppointmentSlotFactory(office=office)
    workshops = {
        "theme_id": session.theme.pk,
        "venue_id": VenueFactory(office=office).pk,
        "slot_id": CandidateSlotFactory(office=office).pk,
        "programme_id": programme.pk,
        "session_id": session.pk,
        "registration_id": RegistrationFactory(session=session, provider=provider).pk,
        "session_invitation_id": SessionInvitationFactory(session=session, provider=provider).pk,
        "appointment_slot_id": appointment_slot.pk,
        "appointment_id": AppointmentFactory(slot=appointment_slot, provider=provider).pk,
        "theme_code": session.theme.code,
        "alert_id": ThemeAlert.objects.create(
            office=office, theme=session.theme, email="alerte@secret.example"
        ).pk,
    }
    return workshops | {
        "provider_id": provider.pk,
        "batch_id": batch.pk,
        "membership_id": membership.pk,
        "campaign_id": campaign.pk,
        "invitation_id": invitation.pk,
        "version_id": version.pk,
        "response_id": response.pk,
        "run_id": AuditRun.objects.create(office=office, total=1).pk,
        "gap_id": gap.pk,
    }
