"""Retention limits (RGPD art. 5.1.e): what ``balise apply_retention`` does for one office.

Each rule reads its duration from the office's :class:`PrivacySettings` (defaults when it
never saved any). Every rule selects only rows not yet processed, so a second run changes
nothing: the command is idempotent and safe in a daily cron job.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from balise.diagnostics.models import Invitation
from balise.members.models import ImportBatch, Provider
from balise.offices.models import Office, User
from balise.trail.models import Entry
from balise.workshops.models import Appointment, Registration, ThemeAlert

from . import consent
from .erasure import ERASED_DOMAIN, _anonymise_people, erase_provider
from .models import ErasureRecord, ErasureScope, PrivacySettings

RULES = (
    "import_files",
    "invitations",
    "registrations",
    "appointments",
    "workshop_alerts",
    "archived_providers",
    "staff_accounts",
    "journal",
)


@dataclass
class RetentionResult:
    office: Office
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def due(office: Office, *, now: datetime | None = None) -> dict:
    """The querysets of rows past their retention limit, one per rule (no write)."""
    rules = PrivacySettings.for_office(office)
    now = now or timezone.now()
    inactive_before = now - rules.staff_inactive_age
    people_before = now - rules.registration_age
    erased = ErasureRecord.objects.filter(office=office, provider_id__isnull=False).values(
        "provider_id"
    )
    return {
        "import_files": ImportBatch.objects.filter(
            office=office, created_at__lt=now - rules.import_file_age
        ).exclude(file=""),
        "invitations": Invitation.objects.filter(
            office=office,
            revoked_at__isnull=True,
            campaign__ends_on__lt=(now - rules.invitation_age).date(),
        ),
        "registrations": Registration.objects.filter(
            office=office, provider__isnull=True, session__starts_at__lt=people_before
        ).exclude(email__endswith=ERASED_DOMAIN),
        "appointments": Appointment.objects.filter(
            office=office, provider__isnull=True, slot__starts_at__lt=people_before
        ).exclude(email__endswith=ERASED_DOMAIN),
        "workshop_alerts": ThemeAlert.objects.filter(office=office, created_at__lt=people_before),
        "archived_providers": Provider.objects.filter(
            office=office, archived_at__lt=now - rules.archived_provider_age
        ).exclude(pk__in=erased),
        "staff_accounts": User.objects.filter(
            memberships__office=office, is_active=True, is_superuser=False
        )
        .filter(
            Q(last_login__lt=inactive_before)
            | Q(last_login__isnull=True, date_joined__lt=inactive_before)
        )
        .distinct(),
        # Served by the journal's (office, -timestamp) index.
        "journal": Entry.objects.filter(office=office, timestamp__lt=now - rules.journal_age),
    }


def apply_retention(
    *, office: Office, dry_run: bool = False, now: datetime | None = None
) -> RetentionResult:
    """Apply the office's retention limits, or only count what they would change.

    Side effects (none with ``dry_run``), in one transaction:
    - uploaded import files older than the limit, and their rejected rows, deleted from
      storage (batch kept);
    - diagnostic links revoked once their campaign ended more than N days ago;
    - registrations and appointments of people without a directory record anonymised,
      « prévenez-moi » older than the same limit deleted;
    - archived providers erased (see erasure.erase_provider), one ErasureRecord each;
    - staff accounts without login for too long deactivated (on every office: an
      account is one person);
    - the office's journal entries older than the limit deleted (other offices' entries
      untouched; no ErasureRecord: the rule is routine and announced in the register);
    - consent records missing after bulk writes reconciled (not counted);
    - one ErasureRecord of scope "retention" for the anonymised people.
    """
    now = now or timezone.now()
    querysets = due(office, now=now)
    result = RetentionResult(office=office, dry_run=dry_run)
    if dry_run:
        result.counts = {rule: querysets[rule].count() for rule in RULES}
        return result
    counts = {}
    with transaction.atomic():
        batches = list(querysets["import_files"])
        for batch in batches:
            batch.file.delete(save=False)  # storage errors on a missing file are ignored
            batch.rejected_file.delete(save=False)
        ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).update(file="", rejected_file="")
        counts["import_files"] = len(batches)
        counts["invitations"] = querysets["invitations"].update(revoked_at=now)
        people = _anonymise_people(querysets["registrations"], querysets["appointments"])
        people["workshop_alerts"] = querysets["workshop_alerts"].delete()[0]
        counts |= people
        if any(people.values()):
            ErasureRecord.objects.create(office=office, scope=ErasureScope.RETENTION, counts=people)
        providers = list(querysets["archived_providers"])
        for provider in providers:
            erase_provider(provider=provider, scope=ErasureScope.RETENTION)
        counts["archived_providers"] = len(providers)
        counts["staff_accounts"] = User.objects.filter(
            pk__in=list(querysets["staff_accounts"].values_list("pk", flat=True))
        ).update(is_active=False)
        # One DELETE statement: entries have no dependent rows nor delete signals.
        counts["journal"] = querysets["journal"].delete()[0]
        consent.reconcile(Provider.objects.filter(office=office))
    result.counts = counts
    return result
