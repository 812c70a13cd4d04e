"""Request and response schemas of the API, plus the shared pagination parameters.

Input types carry their limits (length, range, format) so that the OpenAPI schema tells
clients what is accepted and bad input stops at the door with a 422, before any query.
Lengths come from the model fields, so a migration that widens a column widens the API.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints, field_validator

from balise.diagnostics.models import CampaignStatus, ResponseSource, VersionStatus
from balise.members.forms import INSEE_RE
from balise.members.models import (
    SOCIAL_NETWORKS,
    Category,
    Label,
    MembershipStatus,
    Provider,
    Tag,
)
from balise.offices.models import Role

# Database keys are signed 64-bit integers; a larger id is refused before any query.
MAX_ID = 2**63 - 1
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
MAX_NAMES = 50


# --- reusable input types ------------------------------------------------------------


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL characters: refuse them here rather than fail later.
    if "\x00" in value:
        raise ValueError(_("Les caractères nuls ne sont pas autorisés."))
    return value


def _django_validator(validator):
    def check(value: str) -> str:
        if value:
            try:
                validator(value)
            except DjangoValidationError as exc:
                raise ValueError(" ".join(exc.messages)) from None
        return value

    return AfterValidator(check)


def _insee(value: str) -> str:
    value = value.upper()
    if not INSEE_RE.match(value):
        raise ValueError(_("Un code INSEE compte 5 caractères, ex. : 30189 ou 2A004."))
    return value


def text(max_length: int | None = None, *, required: bool = False):
    """A stripped string without NUL characters, at most ``max_length`` long."""
    constraints = StringConstraints(
        strip_whitespace=True, max_length=max_length, min_length=1 if required else None
    )
    return Annotated[str, constraints, AfterValidator(_no_nul)]


def provider_text(field: str, *, required: bool = False):
    max_length = Provider._meta.get_field(field).max_length
    return text(max_length, required=required)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
HttpUrl = Annotated[
    provider_text("website"), _django_validator(URLValidator(schemes=["http", "https"]))
]
Email = Annotated[provider_text("email"), _django_validator(validate_email)]
InseeCode = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=5), AfterValidator(_insee)
]
SocialNetwork = Literal[tuple(SOCIAL_NETWORKS)]
LabelName = text(Label._meta.get_field("name").max_length, required=True)
TagName = text(Tag._meta.get_field("name").max_length, required=True)
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1900, le=2100)]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


LabelNames = Annotated[list[LabelName], Field(max_length=MAX_NAMES), AfterValidator(_unique)]
TagNames = Annotated[list[TagName], Field(max_length=MAX_NAMES), AfterValidator(_unique)]
SocialLinks = dict[SocialNetwork, HttpUrl]


# --- pagination ------------------------------------------------------------------------


class PageParams(Schema):
    limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def paginate(queryset: QuerySet, params: PageParams) -> dict:
    """One page of ``queryset`` with the total count: two queries, whatever the size."""
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }


# --- offices -----------------------------------------------------------------------------


class OfficeOut(Schema):
    slug: str
    name: str
    territory: str
    role: Role
    role_label: str
    can_edit: bool


# --- providers ---------------------------------------------------------------------------


class CommuneOut(Schema):
    insee_code: str
    name: str


class SourceIdOut(Schema):
    source: str
    external_id: str


class ProviderOut(Schema):
    id: int
    name: str
    legal_name: str
    category: Category
    category_label: str
    description: str
    address: str
    postal_code: str
    city: str
    commune: CommuneOut | None
    latitude: float | None
    longitude: float | None
    contact_name: str
    email: str
    phone: str
    website: str
    social_links: dict[str, str]
    labels: list[str]
    classification: str
    membership_status: MembershipStatus
    membership_year: int | None
    marketing_consent: bool
    marketing_consent_at: datetime | None
    marketing_consent_source: str
    tags: list[str]
    notes: str
    source_ids: list[SourceIdOut]
    archived: bool
    created_at: datetime
    updated_at: datetime

    # The list relies on prefetch_related("labels", "tags", "source_ids"): .all() reads
    # the prefetched rows, so these resolvers cost no query.
    @staticmethod
    def resolve_category_label(provider: Provider) -> str:
        return str(provider.get_category_display())

    @staticmethod
    def resolve_social_links(provider: Provider) -> dict[str, str]:
        # A JSON column: keep a hand-edited or imported oddity from breaking the response.
        links = provider.social_links if isinstance(provider.social_links, dict) else {}
        return {str(network): str(url) for network, url in links.items()}

    @staticmethod
    def resolve_labels(provider: Provider) -> list[str]:
        return [label.name for label in provider.labels.all()]

    @staticmethod
    def resolve_tags(provider: Provider) -> list[str]:
        return [tag.name for tag in provider.tags.all()]

    @staticmethod
    def resolve_source_ids(provider: Provider) -> list[dict]:
        ids = [
            {"source": s.source, "external_id": s.external_id} for s in provider.source_ids.all()
        ]
        return sorted(ids, key=lambda item: (item["source"], item["external_id"]))

    @staticmethod
    def resolve_archived(provider: Provider) -> bool:
        return provider.is_archived


class ProviderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProviderOut]


class ProviderFilters(Schema):
    """The directory filters; applied by balise.members.filters.ProviderFilterForm."""

    q: text(100) | None = Field(None, description="Recherche dans le nom, la commune, l'e-mail.")
    category: Category | None = None
    commune: InseeCode | None = Field(None, description="Code INSEE de la commune.")
    membership_status: MembershipStatus | None = None
    label: Id | None = Field(None, description="Identifiant du label.")
    tag: Id | None = Field(None, description="Identifiant de l'étiquette.")
    has_website: bool | None = None
    archived: bool = Field(False, description="true : seulement les archivés.")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value):
        # An empty query parameter (?category=) means "no filter", as on the web page.
        return None if value == "" else value

    def as_form_data(self) -> dict[str, str]:
        data = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            data[name] = str(value)
        return data


class ProviderPatch(Schema):
    """Fields a client may change, all optional (PATCH): only the fields sent change.

    ``commune`` is an INSEE code of a known commune; ``labels`` and ``tags`` are lists of
    names that replace the current ones (unknown names are created); ``social_links``
    replaces the whole mapping. ``null`` empties a field that may be empty; ``name``,
    ``category``, ``membership_status`` and the booleans cannot be null. Unknown fields
    are refused, so that a typo never goes unseen.
    """

    model_config = ConfigDict(extra="forbid")

    # A default of None on a non-nullable type means "not sent": an explicit null fails.
    name: provider_text("name", required=True) = None
    legal_name: provider_text("legal_name") | None = None
    category: Category = None
    description: text(5000) | None = None
    address: provider_text("address") | None = None
    postal_code: provider_text("postal_code") | None = None
    city: provider_text("city") | None = None
    commune: InseeCode | None = Field(None, description="Code INSEE d'une commune connue.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    contact_name: provider_text("contact_name") | None = None
    email: Email | None = None
    phone: provider_text("phone") | None = None
    website: HttpUrl | None = None
    social_links: SocialLinks | None = Field(None, description="Réseau → adresse du compte.")
    labels: LabelNames | None = None
    classification: provider_text("classification") | None = None
    membership_status: MembershipStatus = None
    membership_year: Year | None = None
    marketing_consent: bool = None
    marketing_consent_at: datetime | None = Field(
        None, description="Par défaut : l'instant où le consentement passe à true."
    )
    marketing_consent_source: provider_text("marketing_consent_source") | None = Field(
        None, description="Par défaut : « API »."
    )
    tags: TagNames | None = None
    notes: text(20000) | None = None
    archived: bool = None


class ProviderIn(ProviderPatch):
    """A whole provider (POST, PUT): ``name`` is required, omitted fields are emptied or
    take their default (category ``autre``, membership ``adherent``, no consent)."""

    name: provider_text("name", required=True)
    category: Category = Category.OTHER
    membership_status: MembershipStatus = MembershipStatus.MEMBER
    marketing_consent: bool = False
    archived: bool = False


# --- diagnostics -------------------------------------------------------------------------
# Questionnaire versions, campaigns and responses (balise.api.diagnostics). Read-only for
# now. Texts of the questionnaire (axis titles, level names, advice) come in the request's
# language (Accept-Language), French when the version has no translation.


class DiagnosticFilters(Schema):
    """Base of the diagnostic filters: an empty parameter (``?status=``) means no filter."""

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value):
        return None if value == "" else value


class VersionFilters(DiagnosticFilters):
    status: VersionStatus | None = Field(None, description="draft ou published.")


class QuestionnaireVersionOut(Schema):
    id: int
    questionnaire_id: int
    questionnaire_code: str
    questionnaire_title: str
    shared: bool = Field(description="true : version livrée avec Balise, commune à tous.")
    number: int
    status: VersionStatus
    status_label: str
    based_on_id: int | None = Field(description="Version dont celle-ci est une copie.")
    created_at: datetime
    published_at: datetime | None


class QuestionnaireVersionDetailOut(QuestionnaireVersionOut):
    notes: str
    definition: dict[str, Any] = Field(
        description="Le document du questionnaire tel qu'il est enregistré (rubriques, "
        "questions, axes, niveaux, recommandations)."
    )


class CampaignFilters(DiagnosticFilters):
    status: CampaignStatus | None = None


class ParticipationOut(Schema):
    targeted: int = Field(description="Prestataires du panel (lien actif ou réponse commencée).")
    invited: int = Field(description="Dont invitation envoyée par e-mail.")
    opened: int = Field(description="Dont lien ouvert (ou réponse commencée).")
    in_progress: int = Field(description="Réponses commencées, pas terminées.")
    completed: int = Field(description="Diagnostics terminés.")
    rate: float | None = Field(description="Taux de réponse en % (terminés / panel).")


class CampaignOut(Schema):
    id: int
    name: str
    slug: str
    status: CampaignStatus
    status_label: str
    starts_on: date
    ends_on: date
    version_id: int
    version_number: int
    questionnaire_title: str
    created_at: datetime
    participation: ParticipationOut


class CampaignPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CampaignOut]


class ResponseFilters(DiagnosticFilters):
    completed: bool | None = Field(None, description="true : terminés ; false : en cours.")
    category: Category | None = Field(None, description="Catégorie du prestataire.")
    commune: InseeCode | None = Field(None, description="Code INSEE de la commune du prestataire.")


class ProviderRefOut(Schema):
    id: int
    name: str


class LevelOut(Schema):
    number: int
    name: str


class AxisScoreOut(Schema):
    axis: str = Field(description="Code de l'axe.")
    title: str
    score: float | None = Field(description="0 à 100 ; null quand aucune question ne compte.")
    counted: int = Field(description="Questions prises en compte dans le score.")


class ResponseOut(Schema):
    id: int
    campaign_id: int
    version_id: int
    provider: ProviderRefOut
    category: Category
    category_label: str
    commune: CommuneOut | None
    source: ResponseSource
    source_label: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    overall_score: float | None
    level: LevelOut | None
    axes: list[AxisScoreOut]
    recommendations: list[str] = Field(
        description="Codes des recommandations déclenchées, la plus urgente d'abord."
    )


class ResponsePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ResponseOut]


class ThemeOut(Schema):
    code: str
    label: str


class FiredRecommendationOut(Schema):
    code: str
    priority: int = Field(description="1 = la plus urgente.")
    title: str
    advice: str
    themes: list[ThemeOut] = Field(description="Thèmes d'ateliers liés.")


class ResponseDetailOut(ResponseOut):
    answers: dict[str, Any] = Field(
        description="Code de question → réponse enregistrée (code d'option, liste de codes, "
        "nombre, texte, ou « nsp » pour « je ne sais pas »)."
    )
    fired_recommendations: list[FiredRecommendationOut]
