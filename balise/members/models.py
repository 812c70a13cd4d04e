"""The provider directory: who the office's members are, where they are, how to reach them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.offices.models import Office

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalize_name(value: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a name, for matching re-imports.

    "Hôtel   L'Étape" and "HOTEL L ETAPE" both give "hotel l etape"; "Cœur" gives "coeur".
    """
    value = unicodedata.normalize("NFKD", (value or "").translate(_LIGATURES))
    value = _COMBINING_MARKS.sub("", value).lower()
    return _NOT_ALPHANUMERIC.sub(" ", value).strip()


# How French writes "Saint" short, in names of places and of businesses alike.
SAINT_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def search_text(provider) -> str:
    """What the directory search reads of a provider: name, legal name, locality, postal
    code, commune (name and INSEE code) and e-mail, normalised, with "St" spelt "saint".

    "Gîte St-Jean" in Malbosc-des-Cévennes → "gite saint jean … malbosc des cevennes 30609 …".
    Takes any Provider instance, a migration's historical one included.
    """
    commune = provider.commune if provider.commune_id else None
    parts = (
        provider.name,
        provider.legal_name,
        provider.city,
        provider.postal_code,
        commune.name if commune else "",
        commune.insee_code if commune else "",
        provider.email,
    )
    words = normalize_name(" ".join(part for part in parts if part)).split()
    return " ".join(SAINT_ABBREVIATIONS.get(word, word) for word in words)


class Category(models.TextChoices):
    HOTEL = "hotel", _("Hôtel")
    CAMPSITE = "camping", _("Camping")
    RENTAL = "meuble", _("Meublé, gîte")
    BED_AND_BREAKFAST = "chambre_hotes", _("Chambre d'hôtes")
    GROUP_LODGING = "hebergement_collectif", _("Hébergement collectif")
    RESTAURANT = "restaurant", _("Restaurant")
    CAFE_BAR = "cafe_bar", _("Café, bar")
    VISITOR_SITE = "site_visite", _("Site de visite, patrimoine")
    ACTIVITY = "activite", _("Activités et loisirs")
    PRODUCER = "producteur", _("Dégustation, producteur")
    SHOP = "commerce", _("Commerce, service")
    ASSOCIATION = "association", _("Association")
    OTHER = "autre", _("Autre")


def choice_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """{value: translated label} for the current language, to label many rows cheaply.

    ``get_FOO_display()`` hashes every lazy label of the field's choices on each call,
    which costs a translation lookup per choice per row on a 50-row page.
    """
    return {value: str(label) for value, label in choices.choices}


class CategoryGroup(models.TextChoices):
    ACCOMMODATION = "hebergement", _("Hébergement")
    FOOD = "restauration", _("Restauration")
    LEISURE = "loisirs", _("Visites et loisirs")
    TRADE = "commerce", _("Commerces et producteurs")
    OTHER = "autre", _("Associations et autres")


CATEGORY_GROUP = {
    Category.HOTEL: CategoryGroup.ACCOMMODATION,
    Category.CAMPSITE: CategoryGroup.ACCOMMODATION,
    Category.RENTAL: CategoryGroup.ACCOMMODATION,
    Category.BED_AND_BREAKFAST: CategoryGroup.ACCOMMODATION,
    Category.GROUP_LODGING: CategoryGroup.ACCOMMODATION,
    Category.RESTAURANT: CategoryGroup.FOOD,
    Category.CAFE_BAR: CategoryGroup.FOOD,
    Category.VISITOR_SITE: CategoryGroup.LEISURE,
    Category.ACTIVITY: CategoryGroup.LEISURE,
    Category.PRODUCER: CategoryGroup.TRADE,
    Category.SHOP: CategoryGroup.TRADE,
    Category.ASSOCIATION: CategoryGroup.OTHER,
    Category.OTHER: CategoryGroup.OTHER,
}


class MembershipStatus(models.TextChoices):
    MEMBER = "adherent", _("Adhérent")
    FORMER = "ancien", _("Ancien adhérent")
    PROSPECT = "prospect", _("Prospect")
    NON_MEMBER = "non_adherent", _("Non adhérent")


class Source(models.TextChoices):
    """Where a provider's record comes from (regional tourism databases and files)."""

    DATATOURISME = "datatourisme", "DATAtourisme"
    APIDAE = "apidae", "Apidae"
    TOURINSOFT = "tourinsoft", "Tourinsoft"
    SPREADSHEET = "tableur", _("Tableur")


SOCIAL_NETWORKS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "x": "X (Twitter)",
    "pinterest": "Pinterest",
    "tripadvisor": "Tripadvisor",
}


class Commune(models.Model):
    """A French commune, shared reference data identified by its INSEE code."""

    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        """Save; a commune renamed (in the admin) renames it in its providers' search text."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            providers = list(self.providers.all())
            for provider in providers:
                provider.commune = self
                provider.refresh_derived()
            Provider.objects.bulk_update(providers, ["search_text"], batch_size=500)

    @property
    def department(self) -> str:
        code = self.insee_code
        return code[:3] if code.startswith("97") else code[:2]


class Label(models.Model):
    """A quality label or network (Qualité Tourisme, Gîtes de France, Accueil Vélo...)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A free tag an office puts on its providers ("centre-bourg", "groupe de travail")."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("nom"), max_length=60)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="unique_tag_per_office")
        ]

    def __str__(self) -> str:
        return self.name


class ProviderQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def for_list(self):
        """What the directory list shows, in a constant number of queries."""
        return self.select_related("commune").only(
            "id",
            "office_id",
            "name",
            "category",
            "city",
            "postal_code",
            "email",
            "phone",
            "website",
            "membership_status",
            "membership_year",
            "archived_at",
            "commune__id",
            "commune__name",
            "commune__insee_code",
        )

    def search(self, text: str):
        """Providers with every word of ``text`` in their search text, or ``text`` as SIT id.

        The search text (``Provider.search_text``) holds the name, legal name, locality,
        postal code, commune (name and INSEE code) and e-mail, without accents or case:
        "cevennes" finds "Malbosc-des-Cévennes", a commune's full name finds all its
        providers, "st" finds "Saint" too. Words match anywhere in a word ("gît" while
        typing "gîte"). One column, plain LIKE: the same answers on SQLite and PostgreSQL.
        """
        words = normalize_name(text).split()
        if not words:
            return self
        condition = Q()
        for word in words:
            match = Q(search_text__contains=word)
            if word in SAINT_ABBREVIATIONS:
                match |= Q(search_text__contains=SAINT_ABBREVIATIONS[word])
            condition &= match
        # Not correlated: the database reads the few matching ids once, not once per row.
        sit_id = ProviderSourceId.objects.filter(external_id=text.strip()).values("provider_id")
        return self.filter(condition | Q(pk__in=sit_id))


class Provider(models.Model):
    """A member business or association of the office (prestataire touristique)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="providers")
    name = models.CharField(_("nom commercial"), max_length=200)
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    # Derived from the columns in SEARCHED_FIELDS by refresh_derived(); see search().
    search_text = models.TextField(editable=False, default="")
    category = models.CharField(
        _("catégorie"), max_length=30, choices=Category.choices, default=Category.OTHER
    )
    description = models.TextField(_("description courte"), blank=True)

    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(
        _("localité"), max_length=150, blank=True, help_text=_("Telle qu'écrite dans la source.")
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune (INSEE)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="providers",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    contact_name = models.CharField(_("personne à contacter"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), max_length=500, blank=True)
    social_links = models.JSONField(
        _("réseaux sociaux"), default=dict, blank=True, help_text=_("Réseau → adresse du compte.")
    )

    labels = models.ManyToManyField(
        Label, verbose_name=_("labels"), blank=True, related_name="providers"
    )
    classification = models.CharField(
        _("classement"), max_length=100, blank=True, help_text=_("Ex. : 3 étoiles, 3 épis.")
    )

    membership_status = models.CharField(
        _("adhésion"),
        max_length=20,
        choices=MembershipStatus.choices,
        default=MembershipStatus.MEMBER,
    )
    membership_year = models.PositiveSmallIntegerField(_("année d'adhésion"), null=True, blank=True)

    marketing_consent = models.BooleanField(
        _("accepte les e-mails d'information"),
        default=False,
        help_text=_("Consentement RGPD aux envois d'information (ateliers, actualités)."),
    )
    marketing_consent_at = models.DateTimeField(
        _("consentement recueilli le"), null=True, blank=True
    )
    marketing_consent_source = models.CharField(
        _("origine du consentement"), max_length=100, blank=True
    )

    tags = models.ManyToManyField(
        Tag, verbose_name=_("étiquettes"), blank=True, related_name="providers"
    )
    notes = models.TextField(_("notes internes"), blank=True)

    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")
        ordering = ["normalized_name", "id"]
        indexes = [
            models.Index(fields=["office", "normalized_name"], name="provider_office_name"),
            models.Index(fields=["office", "category"], name="provider_office_category"),
            models.Index(fields=["office", "commune"], name="provider_office_commune"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.refresh_derived()
        elif SEARCHED_FIELDS.intersection(update_fields):
            kwargs["update_fields"] = {*update_fields, *self.refresh_derived()}
        super().save(*args, **kwargs)

    def refresh_derived(self) -> list[str]:
        """Recompute the sort name and the search text from the columns they come from.

        ``save()`` calls it; code writing providers in bulk (imports, demo) calls it on each
        instance and saves the columns it returns. Reads the commune when not loaded yet.
        """
        self.normalized_name = normalize_name(self.name)
        self.search_text = search_text(self)
        return ["normalized_name", "search_text"]

    def clean(self):
        """One way of writing phones everywhere (forms, API, imports): "+33 4 66 12 34 56".

        The same number typed two ways then compares equal, so a re-import of an exported
        file does not report a change on every row.
        """
        # Imported here: the importers' cleaning rules import this module's models.
        from .importers.cleaning import clean_phone

        if self.phone:
            try:
                self.phone = clean_phone(self.phone)
            except ValueError as error:
                raise ValidationError({"phone": str(error)}) from None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def category_group(self) -> str:
        return CATEGORY_GROUP[Category(self.category)]

    @property
    def locality(self) -> str:
        """Commune name from the INSEE reference when known, else as written in the source."""
        return self.commune.name if self.commune_id else self.city

    def archive(self) -> None:
        self.archived_at = timezone.now()
        self.save(update_fields=["archived_at", "updated_at"])

    def restore(self) -> None:
        self.archived_at = None
        self.save(update_fields=["archived_at", "updated_at"])


# The columns search_text is made of ("commune_id" when a caller names the column).
SEARCHED_FIELDS = frozenset(
    {"name", "legal_name", "city", "postal_code", "commune", "commune_id", "email"}
)


class ProviderSourceId(models.Model):
    """The provider's identifier in a regional database (SIT), used to match re-imports."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="source_ids")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    external_id = models.CharField(_("identifiant"), max_length=200)

    class Meta:
        verbose_name = _("identifiant SIT")
        verbose_name_plural = _("identifiants SIT")
        # The directory search looks a typed SIT id up across the office's sources.
        indexes = [models.Index(fields=["external_id"], name="source_id_external_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "source", "external_id"], name="unique_source_id_per_office"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.external_id}"


class ImportBatch(models.Model):
    """One import of a file into the directory: previewed first, applied on confirmation.

    A big file is read in the background (status READING), and a confirmed import is
    always written in the background (APPLYING); ``progress_done`` out of
    ``progress_total`` (0 when not known yet) tells how far the job is.
    """

    class Status(models.TextChoices):
        READING = "reading", _("Lecture en cours")
        PREVIEWED = "previewed", _("Aperçu")
        APPLYING = "applying", _("Import en cours")
        APPLIED = "applied", _("Importé")
        FAILED = "failed", _("En erreur")
        CANCELLED = "cancelled", _("Abandonné")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(
        "offices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    format = models.CharField(_("format"), max_length=20)
    filename = models.CharField(_("fichier"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    # The records left out, with the reason, as a spreadsheet (when there are any).
    rejected_file = models.FileField(upload_to="imports/%Y/%m/", max_length=300, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.READING, self.Status.APPLYING)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
