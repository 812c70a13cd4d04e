"""Questionnaires (versioned data), campaigns, personal invitations and responses.

``Response.answers`` is the source of truth for what a provider answered. On each save,
answers and scores are also written as rows (:class:`Answer`, :class:`AxisScore`,
:class:`FiredRecommendation`) so that the territory study aggregates them in SQL.
"""

import secrets
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.members.models import Provider
from balise.offices.models import Office

from .definition import Definition, load_definition

INVITATION_SALT = "balise.diagnostics.invitation"


class Questionnaire(models.Model):
    """A questionnaire and its versions; ``office`` is empty for the one shipped with Balise."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="questionnaires"
    )
    code = models.SlugField(_("code"), max_length=80)
    title = models.CharField(_("titre"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="unique_questionnaire_code"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(office=None), name="unique_shared_questionnaire"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire. Published versions never change: responses point to
    the exact wording and points they answered."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("numéro"))
    definition = models.JSONField(_("définition"))
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="derived_versions"
    )
    notes = models.TextField(_("notes de version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("version de questionnaire")
        verbose_name_plural = _("versions de questionnaire")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="unique_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.title} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = (
                QuestionnaireVersion.objects.filter(pk=self.pk)
                .values("status", "definition")
                .first()
            )
            if (
                stored
                and stored["status"] == VersionStatus.PUBLISHED
                and stored["definition"] != self.definition
            ):
                raise ValidationError(
                    _("Une version publiée ne peut plus être modifiée : copiez-la.")
                )
        super().save(*args, **kwargs)

    @cached_property
    def parsed(self) -> Definition:
        """The validated definition (cached on the instance)."""
        return load_definition(self.definition)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Clôturée")


class Campaign(models.Model):
    """A diagnostic campaign of an office: one questionnaire version, a period, targets."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80)
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire"),
        on_delete=models.RESTRICT,
        related_name="campaigns",
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    status = models.CharField(
        _("état"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    target_filters = models.JSONField(
        _("prestataires visés"), default=dict, blank=True, help_text=_("Filtres de l'annuaire.")
    )
    message = models.TextField(
        _("message d'invitation"), blank=True, help_text=_("Ajouté à l'e-mail d'invitation.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "slug"], name="unique_campaign_slug")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return (
            self.status == CampaignStatus.OPEN
            and self.starts_on <= timezone.localdate() <= self.ends_on
        )


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class Invitation(models.Model):
    """A provider's personal, revocable link to answer a campaign (no account needed).

    The link carries ``key`` signed with the installation's secret: a forged or altered
    link is refused before any database lookup, and revoking sets ``revoked_at``.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="invitations")
    key = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("envoyée à"), blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "provider"], name="unique_invitation_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.provider}"

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)

    @property
    def token(self) -> str:
        """What goes in the URL: the key and its signature."""
        return signing.Signer(salt=INVITATION_SALT).sign(self.key)

    @staticmethod
    def key_from_token(token: str) -> str | None:
        try:
            return signing.Signer(salt=INVITATION_SALT).unsign(token)
        except signing.BadSignature:
            return None

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class ResponseSource(models.TextChoices):
    SELF = "self", _("Autodiagnostic")
    ASSISTED = "assisted", _("Avec l'animateur")


class ResponseStatus(models.TextChoices):
    INVITED = "invited", _("Invité")
    OPENED = "opened", _("Lien ouvert")
    IN_PROGRESS = "in_progress", _("En cours")
    COMPLETED = "completed", _("Terminé")


class Response(models.Model):
    """A provider's diagnostic in a campaign, answered alone or with the animator."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.RESTRICT, related_name="responses"
    )
    source = models.CharField(
        _("mode"), max_length=20, choices=ResponseSource.choices, default=ResponseSource.SELF
    )
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    last_section = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    overall_score = models.FloatField(_("score global"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("niveau"), null=True, blank=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "provider"], name="unique_response_per_provider"
            )
        ]
        indexes = [models.Index(fields=["campaign", "completed_at"], name="response_campaign_done")]

    def __str__(self) -> str:
        return f"{self.provider} — {self.campaign}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class Answer(models.Model):
    """One answer as a row, for SQL aggregates: one row per chosen option of a multiple
    choice; ``option`` is "nsp" for "je ne sais pas"."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_rows")
    question = models.CharField(max_length=80)
    option = models.CharField(max_length=80, blank=True)
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    points = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["question", "option"], name="answer_question_option")]

    def __str__(self) -> str:
        return f"{self.question} = {self.option or self.number or self.text}"


class AxisScore(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="axis_scores")
    axis = models.CharField(max_length=80)
    score = models.FloatField(null=True, blank=True)
    counted = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "axis"], name="unique_axis_score")
        ]
        indexes = [models.Index(fields=["axis"], name="axis_score_axis")]

    def __str__(self) -> str:
        return f"{self.axis}: {self.score}"


class FiredRecommendation(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="recommendations")
    code = models.CharField(max_length=80)
    priority = models.PositiveSmallIntegerField()
    themes = models.JSONField(default=list, blank=True)
    # Fired only because the respondent answered "je ne sais pas": advice "à vérifier".
    to_check = models.BooleanField(default=False)

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["code"], name="fired_recommendation_code")]

    def __str__(self) -> str:
        return self.code
