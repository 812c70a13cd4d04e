"""The workshop programme over the API: themes, sessions and their registrations.

Routes live under ``/offices/{office_slug}/`` and start with the access helper: another
office's slug, theme, session or registration gives 404, a lecteur reads and gets 403 on
writes. Registrations go through the same service as the web pages
(``balise.workshops.registrations``), so capacity, the waiting list and the emails behave
the same whoever registers.
"""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from balise.lib.access import get_for_office
from balise.members.models import Provider, choice_labels
from balise.offices.models import Office
from balise.workshops import sessions as session_services
from balise.workshops.models import (
    Format,
    Level,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionStatus,
    Theme,
    Venue,
)

from .access import api_office_access
from .diagnostics import READ_ERRORS, reject_unknown_parameters
from .errors import ApiValidationError, ErrorOut
from .schemas import MAX_ID, Id, PageParams, paginate, text

router = Router(tags=["Ateliers"])

WRITE_ERRORS = {**READ_ERRORS, 403: ErrorOut}
ThemeId = Path(..., ge=1, le=MAX_ID, description="Identifiant du thème.")
SessionId = Path(..., ge=1, le=MAX_ID, description="Identifiant de la séance.")
RegistrationId = Path(..., ge=1, le=MAX_ID, description="Identifiant de l'inscription.")


# --- schemas -----------------------------------------------------------------------------


class ThemeOut(Schema):
    id: int
    code: str
    title: str
    description: str
    level: Level
    level_label: str
    format: Format
    format_label: str
    duration_minutes: int
    default_capacity: int
    question_codes: list[str]
    axes: list[str]
    prerequisite_code: str | None
    active: bool


class ThemePatch(Schema):
    title: text(200, required=True) | None = None
    description: text(5000) | None = None
    level: Level | None = None
    format: Format | None = None
    duration_minutes: int | None = Field(None, ge=15, le=600)
    default_capacity: int | None = Field(None, ge=1, le=500)
    active: bool | None = None


class SessionFilters(Schema):
    status: SessionStatus | None = Field(None, description="draft, published ou cancelled.")
    theme: str | None = Field(None, max_length=80, description="Code du thème.")
    upcoming: bool | None = Field(None, description="true : à venir ; false : passées.")


class SessionOut(Schema):
    id: int
    theme: ThemeOut
    title: str
    programme_id: int | None
    starts_at: datetime
    ends_at: datetime
    venue: str | None = Field(description="Nom du lieu, vide pour une séance en ligne.")
    address: str
    video_url: str
    trainer: str
    capacity: int
    confirmed: int = Field(description="Inscrits confirmés.")
    waiting: int = Field(description="Personnes en liste d'attente.")
    places_left: int
    status: SessionStatus
    status_label: str


class SessionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SessionOut]


class SessionIn(Schema):
    theme_id: Id
    title: text(200) = ""
    starts_at: datetime
    ends_at: datetime
    venue_id: Id | None = None
    video_url: text(200) = ""
    trainer: text(200) = ""
    capacity: int | None = Field(None, ge=1, le=500, description="Par défaut : celle du thème.")
    status: SessionStatus = SessionStatus.DRAFT


class RegistrationOut(Schema):
    id: int
    session_id: int
    provider_id: int | None
    name: str
    email: str
    business: str
    status: RegistrationStatus
    status_label: str
    source: RegistrationSource
    attended: bool | None
    created_at: datetime


class RegistrationIn(Schema):
    name: text(150, required=True)
    email: text(254, required=True)
    business: text(200) = ""
    provider_id: Id | None = None


# --- themes --------------------------------------------------------------------------------


def _theme_data(theme: Theme, levels: dict, formats: dict) -> dict:
    return {
        "id": theme.pk,
        "code": theme.code,
        "title": theme.title,
        "description": theme.description,
        "level": theme.level,
        "level_label": levels.get(theme.level, theme.level),
        "format": theme.format,
        "format_label": formats.get(theme.format, theme.format),
        "duration_minutes": theme.duration_minutes,
        "default_capacity": theme.default_capacity,
        "question_codes": list(theme.question_codes or []),
        "axes": list(theme.axes or []),
        "prerequisite_code": theme.prerequisite.code if theme.prerequisite else None,
        "active": theme.active,
    }


def _themes(office: Office) -> QuerySet[Theme]:
    return Theme.objects.filter(office=office).select_related("prerequisite").order_by("title")


@router.get(
    "/offices/{office_slug}/workshop-themes",
    response={200: list[ThemeOut], **READ_ERRORS},
    operation_id="workshop_themes_list",
    summary="Le catalogue des thèmes d'ateliers de l'office",
)
def list_themes(request: HttpRequest, office_slug: str):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request)
    levels, formats = choice_labels(Level), choice_labels(Format)
    return [_theme_data(theme, levels, formats) for theme in _themes(access.office)]


@router.patch(
    "/offices/{office_slug}/workshop-themes/{theme_id}",
    response={200: ThemeOut, **WRITE_ERRORS},
    operation_id="workshop_themes_update",
    summary="Modifier un thème (seuls les champs envoyés changent)",
)
def update_theme(
    request: HttpRequest, office_slug: str, payload: ThemePatch, theme_id: int = ThemeId
):
    access = api_office_access(request, office_slug, need="edit")
    theme = get_for_office(access, _themes(access.office), pk=theme_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        if value is None:
            raise ApiValidationError({field: [_("Ce champ ne peut pas être vide.")]})
        setattr(theme, field, value)
    theme.save()
    return _theme_data(theme, choice_labels(Level), choice_labels(Format))


# --- sessions ------------------------------------------------------------------------------


def _sessions(office: Office) -> QuerySet[Session]:
    return (
        Session.objects.filter(office=office)
        .select_related("theme__prerequisite", "venue")
        .with_counts()
        .order_by("starts_at", "pk")
    )


def _session_data(session: Session, labels: dict) -> dict:
    levels, formats, statuses = labels["levels"], labels["formats"], labels["statuses"]
    return {
        "id": session.pk,
        "theme": _theme_data(session.theme, levels, formats),
        "title": session.display_title,
        "programme_id": session.programme_id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "venue": session.venue.name if session.venue else None,
        "address": session.venue.address if session.venue else "",
        "video_url": session.video_url,
        "trainer": session.trainer,
        "capacity": session.capacity,
        "confirmed": session.confirmed,
        "waiting": session.waiting,
        "places_left": session.places_left,
        "status": session.status,
        "status_label": statuses.get(session.status, session.status),
    }


def _labels() -> dict:
    return {
        "levels": choice_labels(Level),
        "formats": choice_labels(Format),
        "statuses": choice_labels(SessionStatus),
    }


@router.get(
    "/offices/{office_slug}/workshop-sessions",
    response={200: SessionPage, **READ_ERRORS},
    operation_id="workshop_sessions_list",
    summary="Les séances d'ateliers, par date (paginée)",
)
def list_sessions(
    request: HttpRequest,
    office_slug: str,
    filters: Query[SessionFilters],
    page: Query[PageParams],
):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, SessionFilters, PageParams)
    sessions = _sessions(access.office)
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    if filters.theme:
        sessions = sessions.filter(theme__code=filters.theme)
    if filters.upcoming is not None:
        now = timezone.now()
        sessions = (
            sessions.filter(starts_at__gte=now)
            if filters.upcoming
            else sessions.filter(starts_at__lt=now)
        )
    result = paginate(sessions, page)
    labels = _labels()
    result["items"] = [_session_data(session, labels) for session in result["items"]]
    return result


@router.get(
    "/offices/{office_slug}/workshop-sessions/{session_id}",
    response={200: SessionOut, **READ_ERRORS},
    operation_id="workshop_sessions_get",
    summary="Une séance, avec ses places prises et sa liste d'attente",
)
def get_session(request: HttpRequest, office_slug: str, session_id: int = SessionId):
    access = api_office_access(request, office_slug)
    session = get_for_office(access, _sessions(access.office), pk=session_id)
    return _session_data(session, _labels())


@router.post(
    "/offices/{office_slug}/workshop-sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    operation_id="workshop_sessions_create",
    summary="Créer une séance",
)
def create_session(request: HttpRequest, office_slug: str, payload: SessionIn):
    access = api_office_access(request, office_slug, need="edit")
    office = access.office
    errors: dict[str, list[str]] = {}
    theme = Theme.objects.filter(office=office, pk=payload.theme_id).first()
    if theme is None:
        errors["theme_id"] = [_("Aucun thème de cet office ne porte cet identifiant.")]
    venue = None
    if payload.venue_id is not None:
        venue = Venue.objects.filter(office=office, pk=payload.venue_id).first()
        if venue is None:
            errors["venue_id"] = [_("Aucun lieu de cet office ne porte cet identifiant.")]
    if payload.ends_at <= payload.starts_at:
        errors["ends_at"] = [_("La fin doit suivre le début.")]
    if payload.video_url and not payload.video_url.startswith("https://"):
        errors["video_url"] = [_("Le lien de visioconférence doit commencer par https://.")]
    if venue is None and not payload.video_url and "venue_id" not in errors:
        errors["venue_id"] = [_("Indiquez un lieu ou un lien de visioconférence.")]
    if errors:
        raise ApiValidationError(errors)
    capacity = payload.capacity or theme.default_capacity
    if venue is not None:
        capacity = min(capacity, venue.capacity)
    session = session_services.create_session(
        office=office,
        theme=theme,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        venue=venue,
        video_url=payload.video_url,
        trainer=payload.trainer,
        capacity=capacity,
        status=payload.status,
    )
    return Status(201, _session_data(_sessions(office).get(pk=session.pk), _labels()))


# --- registrations -------------------------------------------------------------------------


def _registration_data(registration: Registration, statuses: dict) -> dict:
    return {
        "id": registration.pk,
        "session_id": registration.session_id,
        "provider_id": registration.provider_id,
        "name": registration.name,
        "email": registration.email,
        "business": registration.business,
        "status": registration.status,
        "status_label": statuses.get(registration.status, registration.status),
        "source": registration.source,
        "attended": registration.attended,
        "created_at": registration.created_at,
    }


@router.get(
    "/offices/{office_slug}/workshop-sessions/{session_id}/registrations",
    response={200: list[RegistrationOut], **READ_ERRORS},
    operation_id="workshop_registrations_list",
    summary="Les inscriptions d'une séance (confirmées, en attente, annulées)",
)
def list_registrations(request: HttpRequest, office_slug: str, session_id: int = SessionId):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request)
    session = get_for_office(access, Session, pk=session_id)
    statuses = choice_labels(RegistrationStatus)
    return [
        _registration_data(registration, statuses)
        for registration in session.registrations.order_by("created_at", "pk")
    ]


@router.post(
    "/offices/{office_slug}/workshop-sessions/{session_id}/registrations",
    response={200: RegistrationOut, 201: RegistrationOut, **WRITE_ERRORS},
    operation_id="workshop_registrations_create",
    summary="Inscrire quelqu'un (liste d'attente si la séance est complète ; "
    "une même adresse deux fois rend la même inscription, 200)",
)
def create_registration(
    request: HttpRequest, office_slug: str, payload: RegistrationIn, session_id: int = SessionId
):
    from balise.workshops.registrations import register

    access = api_office_access(request, office_slug, need="edit")
    session = get_for_office(access, Session, pk=session_id)
    try:
        validate_email(payload.email)
    except DjangoValidationError:
        raise ApiValidationError({"email": [_("Saisissez une adresse e-mail valide.")]}) from None
    provider = None
    if payload.provider_id is not None:
        provider = Provider.objects.filter(office=access.office, pk=payload.provider_id).first()
        if provider is None:
            raise ApiValidationError(
                {"provider_id": [_("Aucun prestataire de cet office ne porte cet identifiant.")]}
            )
    try:
        registration, created = register(
            session=session,
            name=payload.name,
            email=payload.email,
            provider=provider,
            business=payload.business,
            source=RegistrationSource.STAFF,
        )
    except ValueError as exc:
        raise ApiValidationError({"session": [str(exc)]}) from None
    data = _registration_data(registration, choice_labels(RegistrationStatus))
    return Status(201 if created else 200, data)


@router.delete(
    "/offices/{office_slug}/workshop-registrations/{registration_id}",
    response={200: RegistrationOut, **WRITE_ERRORS},
    operation_id="workshop_registrations_cancel",
    summary="Désinscrire (la première personne en liste d'attente prend la place)",
)
def cancel_registration(
    request: HttpRequest, office_slug: str, registration_id: int = RegistrationId
):
    from balise.workshops.registrations import cancel_registration as cancel

    access = api_office_access(request, office_slug, need="edit")
    registration = get_for_office(access, Registration, pk=registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        cancel(registration=registration)
        registration.refresh_from_db()
    return _registration_data(registration, choice_labels(RegistrationStatus))
