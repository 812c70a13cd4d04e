"""The digital diagnostic over the API: questionnaire versions, campaigns, responses.

Read-only for now. Routes live under ``/offices/{office_slug}/``; every one starts with the
access helper, so another office's slug, campaign or response gives 404, and a lecteur
reads like the other roles.

- Questionnaire versions have no office key of their own: ids are looked up in
  ``visible_versions(office)`` (its own versions, the shared published ones), which plays
  the part of ``get_for_office``.
- Campaign figures are the same as the campaign page's (``followup.participation``), but
  computed as correlated subqueries of the campaign query, so that a page of campaigns
  costs the same queries whatever its length.
- Responses carry their scores from the rows written at completion (``AxisScore``,
  ``FiredRecommendation``), prefetched; the questionnaire texts (axis titles, level names,
  advice) come from the version the response answered, in the request's language
  (Accept-Language), French when the version has no translation.
"""

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema

from balise.diagnostics.definition import Definition
from balise.diagnostics.followup import ParticipationRow
from balise.diagnostics.models import (
    Campaign,
    FiredRecommendation,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseSource,
    VersionStatus,
)
from balise.diagnostics.reports import theme_label, theme_labels
from balise.diagnostics.versions import visible_versions
from balise.lib.access import get_for_office
from balise.members.models import Category, choice_labels
from balise.offices.models import Office

from .access import api_office_access
from .errors import ApiValidationError, ErrorOut, ValidationErrorOut
from .schemas import (
    MAX_ID,
    CampaignFilters,
    CampaignOut,
    CampaignPage,
    PageParams,
    QuestionnaireVersionDetailOut,
    QuestionnaireVersionOut,
    ResponseDetailOut,
    ResponseFilters,
    ResponsePage,
    VersionFilters,
    paginate,
)

router = Router(tags=["Diagnostics"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

VersionId = Path(..., ge=1, le=MAX_ID, description="Identifiant de la version du questionnaire.")
CampaignId = Path(..., ge=1, le=MAX_ID, description="Identifiant de la campagne.")
ResponseId = Path(..., ge=1, le=MAX_ID, description="Identifiant de la réponse.")


def reject_unknown_parameters(request: HttpRequest, *schemas: type[Schema]) -> None:
    """422 for a query parameter no schema declares.

    django-ninja drops unknown parameters silently; a client that misspells a filter
    (``?complete=true``) must hear about it instead of getting everything unfiltered.
    """
    known = {name for schema in schemas for name in schema.model_fields}
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise ApiValidationError({name: [_("Champ inconnu.")] for name in unknown})


# --- questionnaire versions --------------------------------------------------------------


def versions_of(office: Office) -> QuerySet[QuestionnaireVersion]:
    """What the office may read: its own versions (drafts too), the shared published ones.

    Shared versions first, then by questionnaire and newest version first."""
    # Only the questionnaire is joined: ``based_on`` would bring its definition along.
    return (
        visible_versions(office)
        .select_related(None)
        .select_related("questionnaire")
        .order_by(
            F("questionnaire__office").asc(nulls_first=True),
            "questionnaire__title",
            "questionnaire_id",
            "-number",
        )
    )


def _version_data(version: QuestionnaireVersion, status_labels: dict[str, str]) -> dict:
    questionnaire = version.questionnaire
    return {
        "id": version.pk,
        "questionnaire_id": questionnaire.pk,
        "questionnaire_code": questionnaire.code,
        "questionnaire_title": questionnaire.title,
        "shared": questionnaire.office_id is None,
        "number": version.number,
        "status": version.status,
        "status_label": status_labels.get(version.status, version.status),
        "based_on_id": version.based_on_id,
        "created_at": version.created_at,
        "published_at": version.published_at,
    }


@router.get(
    "/offices/{office_slug}/questionnaires",
    response={200: list[QuestionnaireVersionOut], **READ_ERRORS},
    operation_id="questionnaires_list",
    summary="Versions de questionnaire utilisables par l'office (partagées et propres)",
)
def list_versions(request: HttpRequest, office_slug: str, filters: Query[VersionFilters]):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, VersionFilters)
    # The list leaves the definitions (tens of kilobytes each) in the database.
    versions = versions_of(access.office).defer("definition")
    if filters.status:
        versions = versions.filter(status=filters.status)
    labels = choice_labels(VersionStatus)
    return [_version_data(version, labels) for version in versions]


@router.get(
    "/offices/{office_slug}/questionnaires/{version_id}",
    response={200: QuestionnaireVersionDetailOut, **READ_ERRORS},
    operation_id="questionnaires_get",
    summary="Une version de questionnaire avec sa définition complète",
)
def get_version(request: HttpRequest, office_slug: str, version_id: int = VersionId):
    access = api_office_access(request, office_slug)
    version = get_object_or_404(versions_of(access.office), pk=version_id)
    return {
        **_version_data(version, choice_labels(VersionStatus)),
        "notes": version.notes,
        "definition": version.definition,
    }


# --- campaigns ---------------------------------------------------------------------------


def _count(queryset: QuerySet):
    """COUNT(*) of ``queryset`` (filtered on the OuterRef("pk") campaign), as a subquery."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("campaign").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_participation(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The figures of ``followup.participation(campaign).overall`` on each campaign.

    The panel is every provider with a response, plus every provider whose link is not
    revoked: counted as responses, plus "lone" usable invitations without a response.
    A response counts as opened; it counts as invited when its invitation was mailed.
    """
    responses = Response.objects.filter(campaign=OuterRef("pk"))
    mailed = Invitation.objects.filter(
        campaign=OuterRef("campaign"), provider=OuterRef("provider"), sent_at__isnull=False
    )
    answered = Response.objects.filter(campaign=OuterRef("campaign"), provider=OuterRef("provider"))
    lone = Invitation.objects.filter(campaign=OuterRef("pk"), revoked_at__isnull=True).exclude(
        Exists(answered)
    )
    return campaigns.annotate(
        started_count=_count(responses),
        completed_count=_count(responses.filter(completed_at__isnull=False)),
        answered_invited_count=_count(responses.filter(Exists(mailed))),
        lone_count=_count(lone),
        lone_invited_count=_count(lone.filter(sent_at__isnull=False)),
        lone_opened_count=_count(lone.filter(opened_at__isnull=False)),
    )


def campaigns_of(office: Office) -> QuerySet[Campaign]:
    """The office's campaigns with their figures, newest first, in one query."""
    return with_participation(
        Campaign.objects.filter(office=office)
        .annotate(
            version_number=F("version__number"),
            questionnaire_title=F("version__questionnaire__title"),
        )
        .order_by("-starts_on", "name", "pk")
    )


def _participation(campaign: Campaign) -> dict:
    row = ParticipationRow(
        label="",
        total=campaign.started_count + campaign.lone_count,
        invited=campaign.answered_invited_count + campaign.lone_invited_count,
        opened=campaign.started_count + campaign.lone_opened_count,
        started=campaign.started_count,
        completed=campaign.completed_count,
    )
    return {
        "targeted": row.total,
        "invited": row.invited,
        "opened": row.opened,
        "in_progress": row.started - row.completed,
        "completed": row.completed,
        "rate": row.rate,
    }


def _campaign_data(campaign: Campaign) -> dict:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "slug": campaign.slug,
        "status": campaign.status,
        "status_label": str(campaign.get_status_display()),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "version_id": campaign.version_id,
        "version_number": campaign.version_number,
        "questionnaire_title": campaign.questionnaire_title,
        "created_at": campaign.created_at,
        "participation": _participation(campaign),
    }


@router.get(
    "/offices/{office_slug}/campaigns",
    response={200: CampaignPage, **READ_ERRORS},
    operation_id="campaigns_list",
    summary="Campagnes de diagnostic de l'office, avec leur participation (paginée)",
)
def list_campaigns(
    request: HttpRequest,
    office_slug: str,
    filters: Query[CampaignFilters],
    page: Query[PageParams],
):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, CampaignFilters, PageParams)
    campaigns = campaigns_of(access.office)
    if filters.status:
        campaigns = campaigns.filter(status=filters.status)
    result = paginate(campaigns, page)
    result["items"] = [_campaign_data(campaign) for campaign in result["items"]]
    return result


@router.get(
    "/offices/{office_slug}/campaigns/{campaign_id}",
    response={200: CampaignOut, **READ_ERRORS},
    operation_id="campaigns_get",
    summary="Une campagne de diagnostic et sa participation",
)
def get_campaign(request: HttpRequest, office_slug: str, campaign_id: int = CampaignId):
    access = api_office_access(request, office_slug)
    return _campaign_data(get_for_office(access, campaigns_of(access.office), pk=campaign_id))


# --- responses ---------------------------------------------------------------------------


def responses_of(office: Office) -> QuerySet[Response]:
    """The office's responses with their provider, axis scores and fired recommendations,
    in three queries; by provider name."""
    return (
        Response.objects.filter(office=office)
        .select_related("provider__commune")
        .prefetch_related(
            "axis_scores",  # put in the version's axis order below
            Prefetch(
                "recommendations",
                queryset=FiredRecommendation.objects.order_by("priority", "id"),
            ),
        )
        .order_by("provider__normalized_name", "provider_id", "pk")
    )


def filter_responses(responses: QuerySet[Response], filters: ResponseFilters) -> QuerySet[Response]:
    # A commune no provider uses, or that does not exist, is a valid question with an
    # empty answer, as in the directory filters.
    if filters.completed is not None:
        responses = responses.filter(completed_at__isnull=not filters.completed)
    if filters.category:
        responses = responses.filter(provider__category=filters.category)
    if filters.commune:
        responses = responses.filter(provider__commune__insee_code=filters.commune)
    return responses


class ResponseWriter:
    """Turns responses into API data, with the texts of the version each one answered.

    Each version is parsed once per request; the labels of the choices are read once.
    """

    def __init__(self, versions: list[QuestionnaireVersion]):
        self.language = (get_language() or "fr")[:2]
        self.definitions: dict[int, Definition] = {v.pk: v.parsed for v in versions}
        self.categories = choice_labels(Category)
        self.sources = choice_labels(ResponseSource)

    @classmethod
    def for_responses(cls, responses: list[Response], known: QuestionnaireVersion):
        """One extra query, only when some response answered another version than
        ``known`` (the campaign's)."""
        versions = [known]
        others = {r.version_id for r in responses} - {known.pk}
        if others:
            versions += list(QuestionnaireVersion.objects.filter(pk__in=others))
        return cls(versions)

    def _level(self, response: Response, definition: Definition | None) -> dict | None:
        if response.level is None:
            return None
        levels = {level.number: level for level in definition.levels} if definition else {}
        level = levels.get(response.level)
        return {
            "number": response.level,
            "name": level.name.get(self.language) if level else "",
        }

    def _axes(self, response: Response, definition: Definition | None) -> list[dict]:
        order = (
            {axis.code: index for index, axis in enumerate(definition.axes)} if definition else {}
        )
        rows = sorted(
            response.axis_scores.all(), key=lambda row: (order.get(row.axis, len(order)), row.axis)
        )
        axes = []
        for row in rows:
            axis = definition.axis(row.axis) if definition else None
            axes.append(
                {
                    "axis": row.axis,
                    "title": axis.title.get(self.language) if axis else row.axis,
                    "score": row.score,
                    "counted": row.counted,
                }
            )
        return axes

    def summary(self, response: Response) -> dict:
        definition = self.definitions.get(response.version_id)
        provider = response.provider
        commune = provider.commune
        return {
            "id": response.pk,
            "campaign_id": response.campaign_id,
            "version_id": response.version_id,
            "provider": {"id": provider.pk, "name": provider.name},
            "category": provider.category,
            "category_label": self.categories.get(provider.category, provider.category),
            "commune": (
                {"insee_code": commune.insee_code, "name": commune.name} if commune else None
            ),
            "source": response.source,
            "source_label": self.sources.get(response.source, response.source),
            "started_at": response.started_at,
            "updated_at": response.updated_at,
            "completed_at": response.completed_at,
            "overall_score": response.overall_score,
            "level": self._level(response, definition),
            "axes": self._axes(response, definition),
            "recommendations": [fired.code for fired in response.recommendations.all()],
        }

    def detail(self, response: Response) -> dict:
        definition = self.definitions.get(response.version_id)
        rules = {rule.code: rule for rule in definition.recommendations} if definition else {}
        labels = theme_labels(definition, self.language) if definition else {}
        fired = []
        for row in response.recommendations.all():
            rule = rules.get(row.code)
            themes = row.themes or (list(rule.themes) if rule else [])
            fired.append(
                {
                    "code": row.code,
                    "priority": row.priority,
                    "title": rule.title.get(self.language) if rule else row.code,
                    "advice": rule.advice.get(self.language) if rule else "",
                    "themes": [
                        {"code": str(theme), "label": theme_label(str(theme), labels)}
                        for theme in themes
                    ],
                }
            )
        answers = response.answers
        return {
            **self.summary(response),
            # A JSON column: keep a hand-edited oddity from breaking the response.
            "answers": answers if isinstance(answers, dict) else {},
            "fired_recommendations": fired,
        }


@router.get(
    "/offices/{office_slug}/campaigns/{campaign_id}/responses",
    response={200: ResponsePage, **READ_ERRORS},
    operation_id="campaign_responses_list",
    summary="Réponses d'une campagne : scores par axe, niveau, recommandations (paginée)",
)
def list_responses(
    request: HttpRequest,
    office_slug: str,
    filters: Query[ResponseFilters],
    page: Query[PageParams],
    campaign_id: int = CampaignId,
):
    access = api_office_access(request, office_slug)
    reject_unknown_parameters(request, ResponseFilters, PageParams)
    campaign = get_for_office(access, Campaign.objects.select_related("version"), pk=campaign_id)
    # The answers themselves are for the detail: the list leaves them in the database.
    responses = filter_responses(
        responses_of(access.office).filter(campaign=campaign).defer("answers"), filters
    )
    result = paginate(responses, page)
    writer = ResponseWriter.for_responses(result["items"], campaign.version)
    result["items"] = [writer.summary(response) for response in result["items"]]
    return result


@router.get(
    "/offices/{office_slug}/responses/{response_id}",
    response={200: ResponseDetailOut, **READ_ERRORS},
    operation_id="responses_get",
    summary="Une réponse : réponses aux questions, scores, recommandations détaillées",
)
def get_response(request: HttpRequest, office_slug: str, response_id: int = ResponseId):
    access = api_office_access(request, office_slug)
    response = get_for_office(
        access, responses_of(access.office).select_related("version"), pk=response_id
    )
    return ResponseWriter([response.version]).detail(response)
