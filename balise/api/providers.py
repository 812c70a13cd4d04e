"""The provider directory over the API: list (filtered, paginated), read, create, update.

Routes live under ``/offices/{office_slug}/providers``; every one starts with the access
helper, so another office's slug or provider id gives 404 and a lecteur gets 403 on
writes. Writes go through balise.members.services.save_provider, like the web form.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from balise.lib.access import get_for_office
from balise.members.communes import is_known_code
from balise.members.filters import ProviderFilterForm
from balise.members.models import Provider
from balise.members.services import save_provider
from balise.offices.models import Office

from .access import api_office_access
from .errors import ApiValidationError, ErrorOut, ValidationErrorOut
from .schemas import (
    MAX_ID,
    PageParams,
    ProviderFilters,
    ProviderIn,
    ProviderOut,
    ProviderPage,
    ProviderPatch,
    paginate,
)

router = Router(tags=["Prestataires"])

CONSENT_SOURCE = "API"
# Filters naming a row that exists but that none of the office's providers uses (or
# another office's tag) are valid questions with an empty answer, not client errors.
ROW_FILTERS = {"commune", "label", "tag"}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 403: ErrorOut}

UNCHANGED = object()
# What null means for the fields whose empty value is not "".
EMPTY = {
    "latitude": None,
    "longitude": None,
    "membership_year": None,
    "marketing_consent_at": None,
    "social_links": {},
}

ProviderId = Path(..., ge=1, le=MAX_ID, description="Identifiant du prestataire.")


def providers_of(office: Office) -> QuerySet[Provider]:
    """The office's providers with everything ProviderOut shows, in a fixed number of queries."""
    return (
        Provider.objects.filter(office=office)
        .select_related("commune")
        .prefetch_related("labels", "tags", "source_ids")
    )


def filter_providers(office: Office, filters: ProviderFilters) -> QuerySet[Provider]:
    """Apply the directory filters through ProviderFilterForm, strictly.

    The web form ignores a bad value; an API client must hear about it instead of getting
    an unfiltered list, so a refused value gives 422, except for row filters (see above).
    """
    form = ProviderFilterForm(filters.as_form_data(), office=office)
    qs = form.filter(providers_of(office))
    errors = form.errors.as_data()
    if not errors:
        return qs
    refused = {
        field: [message for error in field_errors for message in error.messages]
        for field, field_errors in errors.items()
        if field not in ROW_FILTERS or any(e.code != "invalid_choice" for e in field_errors)
    }
    if refused:
        raise ApiValidationError(refused)
    return qs.none()


def _commune_error(insee_code: str) -> str | None:
    if is_known_code(insee_code):
        return None
    return _("Commune inconnue : aucun code INSEE « %(code)s ».") % {"code": insee_code}


def _consent_date(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def write_provider(*, provider: Provider, data: dict[str, Any]) -> Provider:
    """Apply validated API data to ``provider`` (new or existing) and save it.

    ``data`` holds the fields to change: all of them for POST and PUT, those sent for
    PATCH. ``None`` empties a field. ``commune`` must be a known INSEE code; ``labels`` and
    ``tags`` replace the current ones; ``archived`` archives or restores. Consent given
    through the API is dated now and sourced "API" unless the client says otherwise;
    consent withdrawn clears both.

    Only the fields sent are validated against the model, so that an old imported value
    the model would now refuse does not block an unrelated change.

    Side effects: writes the provider; may create Labels (shared) and Tags (the
    office's), through balise.members.services.save_provider. Raises ApiValidationError,
    writing nothing, for an unknown commune, a future consent date, or any value the
    model refuses.
    """
    data = dict(data)
    errors: dict[str, list[str]] = {}
    previous_consent = provider.marketing_consent if provider.pk else None
    insee_code = None  # None: leave the commune as it is; "": no commune
    if "commune" in data:
        insee_code = data.pop("commune") or ""
        if insee_code and (error := _commune_error(insee_code)):
            errors["commune"] = [error]
    labels = data.pop("labels", UNCHANGED)
    tags = data.pop("tags", UNCHANGED)
    if "archived" in data:
        archived = data.pop("archived")
        provider.archived_at = (provider.archived_at or timezone.now()) if archived else None
    if data.get("marketing_consent_at"):
        data["marketing_consent_at"] = _consent_date(data["marketing_consent_at"])
        if data["marketing_consent_at"] > timezone.now():
            errors["marketing_consent_at"] = [_("La date du consentement ne peut pas être future.")]

    for field, value in data.items():
        if value is None:
            value = EMPTY.get(field, "")
        elif field in ("latitude", "longitude"):
            value = Decimal(str(round(value, 6)))
        setattr(provider, field, value)
    if not provider.marketing_consent:
        provider.marketing_consent_at = None
        provider.marketing_consent_source = ""

    try:
        # The schema checked types and formats; the model has the last word.
        provider.full_clean(
            exclude=[f.name for f in Provider._meta.fields if f.name not in data],
            validate_unique=False,
            validate_constraints=False,
        )
    except DjangoValidationError as exc:
        errors.update(ApiValidationError.from_django(exc).errors)
    if errors:
        raise ApiValidationError(errors)
    return save_provider(
        provider=provider,
        previous_consent=previous_consent,
        consent_source=CONSENT_SOURCE,
        insee_code=insee_code,
        labels=None if labels is UNCHANGED else labels or [],
        tags=None if tags is UNCHANGED else tags or [],
    )


@router.get(
    "/offices/{office_slug}/providers",
    response={200: ProviderPage, **READ_ERRORS},
    operation_id="providers_list",
    summary="Liste des prestataires de l'office (filtrée, paginée)",
)
def list_providers(
    request: HttpRequest,
    office_slug: str,
    filters: Query[ProviderFilters],
    page: Query[PageParams],
):
    access = api_office_access(request, office_slug)
    return paginate(filter_providers(access.office, filters), page)


@router.get(
    "/offices/{office_slug}/providers/{provider_id}",
    response={200: ProviderOut, **READ_ERRORS},
    operation_id="providers_get",
    summary="Un prestataire",
)
def get_provider(request: HttpRequest, office_slug: str, provider_id: int = ProviderId):
    access = api_office_access(request, office_slug)
    return get_for_office(access, providers_of(access.office), pk=provider_id)


@router.post(
    "/offices/{office_slug}/providers",
    response={201: ProviderOut, **WRITE_ERRORS},
    operation_id="providers_create",
    summary="Ajouter un prestataire",
)
def create_provider(request: HttpRequest, office_slug: str, payload: ProviderIn):
    access = api_office_access(request, office_slug, need="edit")
    provider = write_provider(provider=Provider(office=access.office), data=payload.model_dump())
    return Status(201, providers_of(access.office).get(pk=provider.pk))


@router.put(
    "/offices/{office_slug}/providers/{provider_id}",
    response={200: ProviderOut, **WRITE_ERRORS},
    operation_id="providers_replace",
    summary="Remplacer un prestataire (les champs omis sont vidés)",
)
def replace_provider(
    request: HttpRequest, office_slug: str, payload: ProviderIn, provider_id: int = ProviderId
):
    access = api_office_access(request, office_slug, need="edit")
    provider = get_for_office(access, Provider, pk=provider_id)
    write_provider(provider=provider, data=payload.model_dump())
    return providers_of(access.office).get(pk=provider.pk)


@router.patch(
    "/offices/{office_slug}/providers/{provider_id}",
    response={200: ProviderOut, **WRITE_ERRORS},
    operation_id="providers_update",
    summary="Modifier un prestataire (seuls les champs envoyés changent)",
)
def update_provider(
    request: HttpRequest, office_slug: str, payload: ProviderPatch, provider_id: int = ProviderId
):
    access = api_office_access(request, office_slug, need="edit")
    provider = get_for_office(access, Provider, pk=provider_id)
    write_provider(provider=provider, data=payload.model_dump(exclude_unset=True))
    return providers_of(access.office).get(pk=provider.pk)
