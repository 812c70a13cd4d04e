"""Tenants and the people who work in them.

An Office (office de tourisme) owns its data; a Network (fédération, relais régional)
groups offices. Staff users reach an office through a Membership that carries their role.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff person; logs in with an email address. Providers never have accounts."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    # is_staff only opens Django's admin site, for the installation's operators.
    is_staff = models.BooleanField(_("accès à l'administration technique"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # Kept up to date by balise.offices.twofactor.refresh_requirement (signals on
    # Membership and Office): True when one of the user's offices requires a second factor
    # of its admins and the user is an admin there. Denormalised so that enforcing it costs
    # no query on the pages of everyone else.
    two_factor_required = models.BooleanField(
        _("double authentification exigée"), default=False, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class Network(models.Model):
    """A regional or departmental federation of offices, compared on a shared core."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    """A tourism office: the tenant that owns providers, campaigns and workshops."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=200)
    network = models.ForeignKey(
        Network,
        verbose_name=_("réseau"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offices",
    )
    territory = models.CharField(
        _("territoire"),
        max_length=200,
        blank=True,
        help_text=_("Ex. : Communauté de communes du Haut-Vallon"),
    )
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    # Tourinsoft feeds differ from one office to the next: which field holds the address,
    # the contacts, the category. Stored per office; see members/importers/tourinsoft.py.
    tourinsoft_mapping = models.JSONField(
        _("correspondance des champs Tourinsoft"), default=dict, blank=True
    )
    require_admin_2fa = models.BooleanField(
        _("double authentification obligatoire pour les administrateurs"),
        default=False,
        help_text=_(
            "Les administrateurs de l'office devront saisir un code à usage unique "
            "(application d'authentification) à chaque connexion."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("office de tourisme")
        verbose_name_plural = _("offices de tourisme")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    ANIMATOR = "animateur", _("Animateur")
    READER = "lecteur", _("Lecteur")


class Membership(models.Model):
    """A user's place in an office. Roles: admin > animateur > lecteur (read-only)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.ANIMATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre de l'équipe")
        verbose_name_plural = _("membres de l'équipe")
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.ADMIN, Role.ANIMATOR)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class NetworkCoordinator(models.Model):
    """A person who coordinates a network (fédération, relais ANT): they compare the member
    offices on the shared core of questions, with small groups masked, and see no
    provider's name or answers."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="network_roles")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="coordinators")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coordinateur de réseau")
        verbose_name_plural = _("coordinateurs de réseau")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="unique_network_coordinator"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.network}"


class TOTPDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238): the shared secret and the last time
    step accepted, so that a code is never accepted twice."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    # Base32, as in the otpauth:// URI; the server needs it in clear to check codes.
    secret = models.CharField(max_length=64)
    last_used_step = models.BigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("activée le"), default=timezone.now)

    class Meta:
        verbose_name = _("application d'authentification")
        verbose_name_plural = _("applications d'authentification")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its SHA-256 is stored."""

    device = models.ForeignKey(TOTPDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code de secours")
        verbose_name_plural = _("codes de secours")

    def __str__(self) -> str:
        return str(self.device)
