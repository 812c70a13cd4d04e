"""RGPD records of an office: its privacy settings (DPO, retention durations), the history
of each provider's marketing consent and the log of erasures.

None of these rows holds more personal data than the rows they describe: an
``ErasureRecord`` keeps the erased provider's id, never its name or e-mail address.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from balise.members.models import Provider
from balise.offices.models import Office

DEFAULT_RETENTION = {
    "import_file_days": 90,
    "invitation_days": 365,
    "registration_years": 3,
    "archived_provider_years": 3,
    "staff_inactive_years": 2,
    "journal_days": 730,
}
# The journal of actions is the office's means to find out who changed what after an
# incident: it cannot be shortened below three months (the CNIL's recommendation for such
# traces is six months to a year), nor kept for more than ten years.
JOURNAL_MIN_DAYS = 90
JOURNAL_MAX_DAYS = 3650


def _between_1_and(value: int) -> list:
    return [MinValueValidator(1), MaxValueValidator(value)]


class PrivacySettings(models.Model):
    """Per office: the data protection officer to name in the register and the privacy
    notice, and how long each kind of personal data is kept (applied by
    ``balise apply_retention``)."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="privacy_settings")
    dpo_name = models.CharField(
        _("délégué à la protection des données (DPO)"),
        max_length=200,
        blank=True,
        help_text=_("Nom ou service. Laisser vide si l'office n'a pas désigné de DPO."),
    )
    dpo_email = models.EmailField(
        _("e-mail du DPO"),
        blank=True,
        help_text=_("Adresse où exercer ses droits ; à défaut, l'e-mail de l'office."),
    )
    import_file_days = models.PositiveSmallIntegerField(
        _("fichiers importés : supprimés après (jours)"),
        default=DEFAULT_RETENTION["import_file_days"],
        validators=_between_1_and(3650),
    )
    invitation_days = models.PositiveSmallIntegerField(
        _("liens personnels de diagnostic : révoqués après la fin de la campagne (jours)"),
        default=DEFAULT_RETENTION["invitation_days"],
        validators=_between_1_and(3650),
    )
    registration_years = models.PositiveSmallIntegerField(
        _("inscriptions et rendez-vous de personnes sans fiche : anonymisés après (années)"),
        default=DEFAULT_RETENTION["registration_years"],
        validators=_between_1_and(10),
    )
    archived_provider_years = models.PositiveSmallIntegerField(
        _("prestataires archivés : effacés après (années)"),
        default=DEFAULT_RETENTION["archived_provider_years"],
        validators=_between_1_and(10),
    )
    staff_inactive_years = models.PositiveSmallIntegerField(
        _("comptes du personnel sans connexion : désactivés après (années)"),
        default=DEFAULT_RETENTION["staff_inactive_years"],
        validators=_between_1_and(10),
    )
    journal_days = models.PositiveSmallIntegerField(
        _("journal des actions : entrées supprimées après (jours)"),
        default=DEFAULT_RETENTION["journal_days"],
        validators=[MinValueValidator(JOURNAL_MIN_DAYS), MaxValueValidator(JOURNAL_MAX_DAYS)],
        help_text=_("Entre 90 jours et 10 ans (3650 jours)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réglages RGPD")
        verbose_name_plural = _("réglages RGPD")

    def __str__(self) -> str:
        return str(self.office)

    @classmethod
    def for_office(cls, office: Office) -> "PrivacySettings":
        """The office's settings, or unsaved defaults when it never saved any (no write)."""
        found = cls.objects.filter(office=office).first()
        return found or cls(office=office)

    # Durations as timedeltas (a year counted as 365 days).
    @property
    def import_file_age(self) -> timedelta:
        return timedelta(days=self.import_file_days)

    @property
    def invitation_age(self) -> timedelta:
        return timedelta(days=self.invitation_days)

    @property
    def registration_age(self) -> timedelta:
        return timedelta(days=365 * self.registration_years)

    @property
    def archived_provider_age(self) -> timedelta:
        return timedelta(days=365 * self.archived_provider_years)

    @property
    def staff_inactive_age(self) -> timedelta:
        return timedelta(days=365 * self.staff_inactive_years)

    @property
    def journal_age(self) -> timedelta:
        return timedelta(days=self.journal_days)


class ConsentRecord(models.Model):
    """One change of a provider's consent to information e-mails: given or withdrawn,
    when, how (``source``) and by which staff member when known. Written by a signal on
    every provider save and, for the importer's bulk writes, by
    :func:`balise.privacy.consent.reconcile`."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="consent_records")
    given = models.BooleanField(_("consentement donné"))
    at = models.DateTimeField(_("date"))
    source = models.CharField(_("origine"), max_length=200, blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("historique du consentement")
        verbose_name_plural = _("historique des consentements")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["provider", "id"], name="consent_provider_id")]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.given} ({self.at:%Y-%m-%d})"


class ErasureScope(models.TextChoices):
    PROVIDER = "provider", _("Prestataire")
    PERSON = "person", _("Personne (par e-mail)")
    RETENTION = "retention", _("Durée de conservation échue")


class ErasureRecord(models.Model):
    """Proof that an erasure happened (who, when, what kind, how many rows), without any
    of the erased personal data."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    provider_id = models.PositiveIntegerField(_("prestataire n°"), null=True, blank=True)
    at = models.DateTimeField(_("date"), auto_now_add=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scope = models.CharField(_("portée"), max_length=20, choices=ErasureScope.choices)
    counts = models.JSONField(_("lignes modifiées"), default=dict, blank=True)

    class Meta:
        verbose_name = _("effacement")
        verbose_name_plural = _("effacements")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["office", "provider_id"], name="erasure_office_provider")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.provider_id or ''} ({self.at:%Y-%m-%d})"
