"""The territory study over the API: the aggregates behind each view of the dashboard.

``GET /offices/{office_slug}/campaigns/{campaign_id}/study`` returns the same
:class:`~balise.insights.tables.Study` that the dashboard, the exports and the PDF read:
each table with its columns and rows (a masked cell, a group under five providers, is
``null``), the key findings and the sample. The filters are the dashboard's (category
group, category, commune, label, size) plus ``compare``, another campaign of the same
office. Readers (lecteurs) may call it; another office's campaign is a 404.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from balise.diagnostics.models import Campaign
from balise.insights.comparison import compared_campaign
from balise.insights.filters import SIZE_CHOICES, StudyFilterForm
from balise.insights.study import build_study
from balise.insights.tables import MIN_GROUP
from balise.lib.access import get_for_office
from balise.members.models import Category, CategoryGroup

from .access import api_office_access
from .diagnostics import reject_unknown_parameters
from .errors import ApiValidationError, ErrorOut, ValidationErrorOut
from .schemas import MAX_ID

router = Router(tags=["Étude du territoire"])

CampaignId = Path(..., ge=1, le=MAX_ID, description="Identifiant de la campagne.")


class StudyQuery(Schema):
    """The dashboard's filters; an empty parameter means no filter."""

    category_group: str = Field(
        "", max_length=20, description="Famille : " + ", ".join(CategoryGroup.values)
    )
    category: str = Field(
        "", max_length=40, description="Catégorie : " + ", ".join(Category.values)
    )
    commune: int | None = Field(None, ge=1, le=MAX_ID, description="Identifiant de la commune.")
    label: int | None = Field(None, ge=1, le=MAX_ID, description="Identifiant du label.")
    size: str = Field(
        "", max_length=20, description="Taille : " + ", ".join(code for code, _l in SIZE_CHOICES)
    )
    compare: int | None = Field(
        None, ge=1, le=MAX_ID, description="Campagne antérieure du même office à comparer."
    )


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="label, count, percent (0–100), score (0–100) ou delta (points).")


class StudyTableOut(Schema):
    key: str
    title: str
    section: str
    note: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(
        description="Une ligne par groupe ; null pour une valeur masquée ou absente."
    )
    masked_groups: int = Field(description=f"Groupes de moins de {MIN_GROUP} prestataires masqués.")


class FindingOut(Schema):
    kind: str = Field(description="strength (point fort) ou weakness (point faible).")
    text: str
    value: float | None
    base: int | None = Field(description="Nombre de prestataires sur lequel porte le chiffre.")


class SampleOut(Schema):
    invited: int
    completed: int
    rate: float | None = Field(description="Taux de réponse en % (terminés / invités).")
    min_group: int = Field(description="Taille minimale d'un groupe publié.")


class CampaignRef(Schema):
    id: int
    name: str
    slug: str


class StudyOut(Schema):
    title: str
    office: str
    campaign: CampaignRef
    compare: CampaignRef | None
    generated_at: datetime
    filters: str = Field(description="Les filtres appliqués, en clair ; vide sans filtre.")
    sample: SampleOut
    findings: list[FindingOut]
    tables: list[StudyTableOut]
    method: list[str]


def _ref(campaign: Campaign | None) -> dict | None:
    if campaign is None:
        return None
    return {"id": campaign.pk, "name": campaign.name, "slug": campaign.slug}


@router.get(
    "/offices/{office_slug}/campaigns/{campaign_id}/study",
    response={200: StudyOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="campaigns_study",
    summary="L'étude du territoire d'une campagne : les agrégats de chaque vue",
)
def get_study(
    request: HttpRequest,
    office_slug: str,
    campaign_id: int = CampaignId,
    query: Query[StudyQuery] = None,
):
    access = api_office_access(request, office_slug)
    campaign = get_for_office(
        access, Campaign.objects.select_related("office", "version"), pk=campaign_id
    )
    reject_unknown_parameters(request, StudyQuery)
    form = StudyFilterForm(request.GET, office=access.office)
    if not form.is_valid():
        raise ApiValidationError(
            {
                field: [str(message) for message in messages]
                for field, messages in form.errors.items()
            }
        )
    compare = None
    if query is not None and query.compare is not None:
        compare = compared_campaign(campaign, pk=query.compare)
        if compare is None:
            raise ApiValidationError({"compare": [_("Campagne inconnue dans cet office.")]})
    study = build_study(campaign, filters=form.filters(), compare=compare)
    return {
        "title": study.title,
        "office": study.office_name,
        "campaign": _ref(campaign),
        "compare": _ref(compare),
        "generated_at": study.generated_at,
        "filters": study.filters_text,
        "sample": {
            "invited": study.invited,
            "completed": study.completed,
            "rate": round(study.completed / study.invited * 100, 1) if study.invited else None,
            "min_group": MIN_GROUP,
        },
        "findings": [
            {"kind": f.kind, "text": f.text, "value": f.value, "base": f.base}
            for f in study.findings
        ],
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "section": table.section,
                "note": table.note,
                "columns": [
                    {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
                ],
                "rows": table.as_dicts(),
                "masked_groups": table.masked_groups,
            }
            for table in study.tables
        ],
        "method": study.method,
    }
