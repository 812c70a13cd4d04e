"""What the web really shows: audit runs, one audit per provider's site, one row per check.

Check outcomes are rows (not JSON) so the territory study counts verdicts in SQL. Audits
are never edited: a new audit is a new row, and the provider page shows the latest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from balise.members.models import Provider
from balise.offices.models import Office

from .checks.base import Verdict


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class AuditRun(models.Model):
    """A batch of site audits started by the animator, a command or the monthly schedule."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="audit_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    is_demo = models.BooleanField(
        _("démonstration"), default=False, help_text=_("Résultats enregistrés pour la démo.")
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campagne d'audit")
        verbose_name_plural = _("campagnes d'audit")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.office} {self.created_at:%Y-%m-%d} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class SiteAudit(models.Model):
    """One fetch of a provider's website and the checks run on it."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="site_audits")
    run = models.ForeignKey(
        AuditRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="audits"
    )
    url = models.CharField(_("adresse auditée"), max_length=500)
    url_final = models.CharField(_("adresse finale"), max_length=500, blank=True)
    reachable = models.BooleanField(_("site joignable"), default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=40, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)
    elapsed_ms = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    fetched_at = models.DateTimeField(_("audité le"))
    ok_count = models.PositiveSmallIntegerField(default=0)
    to_improve_count = models.PositiveSmallIntegerField(default=0)
    missing_count = models.PositiveSmallIntegerField(default=0)
    is_demo = models.BooleanField(_("démonstration"), default=False)

    class Meta:
        verbose_name = _("audit de site")
        verbose_name_plural = _("audits de sites")
        ordering = ["-fetched_at"]
        indexes = [models.Index(fields=["provider", "-fetched_at"], name="site_audit_latest")]

    def __str__(self) -> str:
        return f"{self.provider} {self.fetched_at:%Y-%m-%d}"


class CheckOutcome(models.Model):
    """The verdict of one check on one audited site."""

    audit = models.ForeignKey(SiteAudit, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=60)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    evidence = models.CharField(max_length=300, blank=True)
    advice = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "code"], name="unique_check_per_audit")
        ]
        indexes = [models.Index(fields=["code", "verdict"], name="check_outcome_code_verdict")]

    def __str__(self) -> str:
        return f"{self.code}: {self.verdict}"


class GapStatus(models.TextChoices):
    OPEN = "open", _("À vérifier")
    CONFIRMED = "confirmed", _("Confirmé")
    DISMISSED = "dismissed", _("Écarté")


class DeclaredObservedGap(models.Model):
    """A difference between what a provider declared and what the audit observed
    ("says mobile-friendly, no viewport"), which the animator confirms or dismisses."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="audit_gaps")
    response = models.ForeignKey(
        "diagnostics.Response", on_delete=models.CASCADE, related_name="audit_gaps"
    )
    audit = models.ForeignKey(SiteAudit, on_delete=models.CASCADE, related_name="gaps")
    code = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=GapStatus.choices, default=GapStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("écart déclaré / observé")
        verbose_name_plural = _("écarts déclaré / observé")
        constraints = [
            models.UniqueConstraint(fields=["response", "audit", "code"], name="unique_gap")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.code} ({self.status})"


class AuditSchedule(models.Model):
    """An office's choice to re-audit every member's site each month."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="audit_schedule")
    monthly = models.BooleanField(_("audit mensuel"), default=False)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("planification des audits")
        verbose_name_plural = _("planifications des audits")

    def __str__(self) -> str:
        return f"{self.office}: {'mensuel' if self.monthly else 'manuel'}"
