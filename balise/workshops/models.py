"""The workshop programme: themes, places, the animator's slots, programmes of sessions,
invitations, registrations (with a waiting list), attendance, feedback and individual
appointments.

Capacity is enforced in :mod:`balise.workshops.registrations` under a row lock on the
session; the models only carry the data and small rules.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.lib.queries import count_of
from balise.lib.tokens import key_from_token, new_key, sign_key
from balise.members.models import Provider
from balise.offices.models import Office

from .rationale import why_sentence


class Level(models.TextChoices):
    BEGINNER = "debutant", _("Débutant")
    INTERMEDIATE = "intermediaire", _("Intermédiaire")
    ADVANCED = "avance", _("Avancé")


LEVEL_RANK = {Level.BEGINNER: 0, Level.INTERMEDIATE: 1, Level.ADVANCED: 2}


class Format(models.TextChoices):
    WORKSHOP = "atelier", _("Atelier collectif")
    ONE_TO_ONE = "rdv_individuel", _("Rendez-vous individuel")
    WEBINAR = "webinaire", _("Webinaire")
    CAFE = "cafe_numerique", _("Café numérique")


class Theme(models.Model):
    """A workshop topic of the office's catalogue. ``code`` matches the options of the
    questionnaire's ``besoins.themes`` question and the ``themes`` of its recommendation
    rules, which is how needs are found."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="workshop_themes")
    code = models.SlugField(_("code"), max_length=80)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("niveau"), max_length=20, choices=Level.choices)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=150)
    default_capacity = models.PositiveSmallIntegerField(_("places par défaut"), default=10)
    question_codes = models.JSONField(_("questions concernées"), default=list, blank=True)
    axes = models.JSONField(_("axes concernés"), default=list, blank=True)
    prerequisite = models.ForeignKey(
        "self",
        verbose_name=_("à suivre avant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    active = models.BooleanField(_("proposé"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thème d'atelier")
        verbose_name_plural = _("thèmes d'ateliers")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="unique_theme_code"),
        ]

    def __str__(self) -> str:
        return self.title


class Venue(models.Model):
    """A room where sessions take place (salle de l'OT, médiathèque, tiers-lieu...)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacité"), default=12)
    notes = models.CharField(
        _("accès"), max_length=300, blank=True, help_text=_("Accessibilité, stationnement…")
    )

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CandidateSlot(models.Model):
    """A time the animator can run a session, offered to the programme builder. Without a
    venue, the slot suits an online session (webinaire)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="candidate_slots")
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    venue = models.ForeignKey(
        Venue, verbose_name=_("lieu"), on_delete=models.CASCADE, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("créneau disponible")
        verbose_name_plural = _("créneaux disponibles")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("La fin doit suivre le début.")})


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Proposition")
    PUBLISHED = "published", _("Publié")


class Programme(models.Model):
    """A programme of sessions over a period, proposed from the needs of a campaign, then
    edited and published by the animator."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(_("nom"), max_length=200)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    campaign = models.ForeignKey(
        "diagnostics.Campaign",
        verbose_name=_("besoins de la campagne"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes",
    )
    status = models.CharField(
        _("état"), max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    solver = models.CharField(_("méthode"), max_length=20, blank=True)
    # What the builder reported: needs in total, needs covered, solver status, time taken.
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme d'ateliers")
        verbose_name_plural = _("programmes d'ateliers")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Proposée")
    PUBLISHED = "published", _("Publiée")
    CANCELLED = "cancelled", _("Annulée")


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=SessionStatus.PUBLISHED)

    def with_counts(self):
        """Each session with ``confirmed`` and ``waiting`` (registrations), ``invitee_count``
        (targeted invitations) and ``places_left`` (never below 0), in the same query.

        Each count is its own subquery: counting two related tables through joins on one
        queryset would multiply one count by the other."""
        registrations = Registration.objects.filter(session=OuterRef("pk"))
        return self.annotate(
            confirmed=count_of(
                registrations.filter(status=RegistrationStatus.CONFIRMED), per="session"
            ),
            waiting=count_of(
                registrations.filter(status=RegistrationStatus.WAITING), per="session"
            ),
            invitee_count=count_of(
                SessionInvitation.objects.filter(session=OuterRef("pk")), per="session"
            ),
            places_left=Greatest(F("capacity") - F("confirmed"), Value(0)),
        )


class Session(models.Model):
    """One session of a theme: a date, a place or a video link, a trainer, a capacity."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="workshop_sessions")
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("thème"), on_delete=models.RESTRICT, related_name="sessions"
    )
    title = models.CharField(_("titre"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("lieu"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    video_url = models.URLField(_("lien de visioconférence"), blank=True)
    trainer = models.CharField(_("intervenant"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    status = models.CharField(
        _("état"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    # Why the builder proposed it: the optimiser's counts ("asked", "gap",
    # "preferred_month"…), written as a sentence in the reader's language by ``why``.
    reasons = models.JSONField(default=dict, blank=True)
    # The French sentence stored by the builder before it kept the counts.
    rationale = models.TextField(_("pourquoi cette séance"), blank=True)
    needs_covered = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=300, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["office", "starts_at"], name="session_office_start")]

    def __str__(self) -> str:
        return f"{self.display_title} {self.starts_at:%Y-%m-%d}"

    @property
    def display_title(self) -> str:
        return self.title or self.theme.title

    @property
    def is_online(self) -> bool:
        """Held by video: a link and no room, or a webinar whose link is still to come."""
        if self.venue_id is not None:
            return False
        return bool(self.video_url) or self.theme.format == Format.WEBINAR

    @property
    def why(self) -> str:
        """Why the programme builder proposed this session, in the active language ("" for
        a session the animator added)."""
        if self.reasons:
            month = timezone.localtime(self.starts_at).month
            return why_sentence(self.reasons, month=month)
        return self.rationale

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("La fin doit suivre le début.")})


class SignedLinkMixin(models.Model):
    """A random ``key`` and the signed ``token`` that goes in a provider's link."""

    TOKEN_SALT = ""

    key = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = new_key()
        super().save(*args, **kwargs)

    @property
    def token(self) -> str:
        return sign_key(self.key, salt=self.TOKEN_SALT)

    @classmethod
    def key_from_token(cls, token: str) -> str | None:
        return key_from_token(token, salt=cls.TOKEN_SALT)


class SessionInvitation(SignedLinkMixin):
    """A targeted invitation to a session, personalised from the provider's diagnostic."""

    TOKEN_SALT = "balise.workshops.invitation"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitations")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="workshop_invitations"
    )
    email = models.EmailField(_("envoyée à"), blank=True)
    # "votre diagnostic montre que…": the reasons found in the provider's answers.
    reason = models.TextField(_("motif"), blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation à une séance")
        verbose_name_plural = _("invitations à une séance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "provider"], name="unique_session_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} → {self.provider}"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Inscrit")
    WAITING = "waiting", _("Liste d'attente")
    CANCELLED = "cancelled", _("Désinscrit")


class RegistrationSource(models.TextChoices):
    INVITATION = "invitation", _("Lien d'invitation")
    PUBLIC = "public", _("Page publique")
    STAFF = "staff", _("Par l'office")


class Registration(SignedLinkMixin):
    """A place (or a place on the waiting list) in a session. The signed link lets the
    person cancel, download the calendar invitation and give feedback afterwards.

    One registration per email per session: registering twice gives back the same row."""

    TOKEN_SALT = "balise.workshops.registration"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    provider = models.ForeignKey(
        Provider,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_registrations",
    )
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"))
    business = models.CharField(_("structure"), max_length=200, blank=True)
    status = models.CharField(
        _("état"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
    )
    source = models.CharField(
        _("origine"),
        max_length=20,
        choices=RegistrationSource.choices,
        default=RegistrationSource.PUBLIC,
    )
    attended = models.BooleanField(_("présent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    feedback_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="unique_registration_email"),
        ]
        indexes = [models.Index(fields=["session", "status"], name="registration_session_status")]

    def __str__(self) -> str:
        return f"{self.name} — {self.session}"


class Feedback(models.Model):
    """The short satisfaction form after a session."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("note"))  # 1 to 5
    useful = models.BooleanField(_("utile pour mon activité"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("avis sur une séance")
        verbose_name_plural = _("avis sur les séances")

    def __str__(self) -> str:
        return f"{self.registration}: {self.rating}/5"


class AppointmentSlot(models.Model):
    """An hour the animator offers for individual appointments (rendez-vous individuels)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="appointment_slots")
    animator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("animateur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    video_url = models.URLField(_("lien de visioconférence"), blank=True)

    class Meta:
        verbose_name = _("créneau de rendez-vous")
        verbose_name_plural = _("créneaux de rendez-vous")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Réservé")
    CANCELLED = "cancelled", _("Annulé")


class Appointment(SignedLinkMixin):
    """A provider's booking of one appointment slot. At most one live booking per slot
    (held by a partial unique constraint, so two concurrent bookings cannot both win)."""

    TOKEN_SALT = "balise.workshops.appointment"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.CASCADE, related_name="bookings")
    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"))
    theme = models.ForeignKey(
        Theme, verbose_name=_("sujet"), on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.TextField(_("ce que vous souhaitez aborder"), blank=True)
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    attended = models.BooleanField(_("présent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set when the day-before reminder is claimed, so it leaves once (see
    # appointments.send_appointment_reminders).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rendez-vous individuel")
        verbose_name_plural = _("rendez-vous individuels")
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status="booked"),
                name="one_booking_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.slot}"


class ThemeAlert(SignedLinkMixin):
    """« Prévenez-moi » : an address to e-mail when a session of the theme is published,
    given on the public form that shows the consent sentence. Deleted by the unsubscribe
    link of each e-mail, by an erasure, or after the registrations' retention period."""

    TOKEN_SALT = "balise.workshops.alert"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="alerts")
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(_("dernière annonce le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande « prévenez-moi »")
        verbose_name_plural = _("demandes « prévenez-moi »")
        constraints = [
            models.UniqueConstraint(fields=["theme", "email"], name="one_alert_per_theme_email")
        ]

    def __str__(self) -> str:
        return f"{self.theme} → {self.email}"


class WorkshopSettings(models.Model):
    """Per office: the high-season months of each category group, when no collective
    session is planned for those categories (a campsite owner has no time in August)."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="workshop_settings"
    )
    # {category group code: [month numbers]}, e.g. {"hebergement": [7, 8]}
    high_season = models.JSONField(_("haute saison"), default=dict, blank=True)
    signature = models.TextField(
        _("signature des e-mails"), blank=True, help_text=_("Ajoutée aux invitations.")
    )

    class Meta:
        verbose_name = _("réglages des ateliers")
        verbose_name_plural = _("réglages des ateliers")

    def __str__(self) -> str:
        return str(self.office)
