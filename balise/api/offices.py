"""The offices the token's user works in, with the role, and each office's labels and tags."""

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from ninja import Router, Schema

from balise.members.models import Label, Provider, Tag
from balise.offices.models import Membership

from .access import api_office_access
from .errors import ErrorOut
from .schemas import OfficeOut

router = Router(tags=["Offices"])


@router.get(
    "/offices/",
    response={200: list[OfficeOut], 401: ErrorOut},
    operation_id="offices_list",
    summary="Offices de l'utilisateur du jeton",
)
def list_offices(request: HttpRequest):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("office")
        .order_by("office__name", "office__slug")
    )
    return [
        {
            "slug": membership.office.slug,
            "name": membership.office.name,
            "territory": membership.office.territory,
            "role": membership.role,
            "role_label": str(membership.get_role_display()),
            "can_edit": membership.can_edit,
        }
        for membership in memberships
    ]


class NamedOut(Schema):
    id: int
    name: str


@router.get(
    "/offices/{office_slug}/labels",
    response={200: list[NamedOut], 401: ErrorOut, 404: ErrorOut},
    operation_id="labels_list",
    summary="Labels portés par les prestataires de l'office (pour le filtre « label »)",
)
def list_labels(request: HttpRequest, office_slug: str):
    access = api_office_access(request, office_slug)
    used = Provider.labels.through.objects.filter(
        label=OuterRef("pk"), provider__office=access.office
    )
    return Label.objects.filter(Exists(used)).order_by("name")


@router.get(
    "/offices/{office_slug}/tags",
    response={200: list[NamedOut], 401: ErrorOut, 404: ErrorOut},
    operation_id="tags_list",
    summary="Étiquettes de l'office (pour le filtre « tag »)",
)
def list_tags(request: HttpRequest, office_slug: str):
    access = api_office_access(request, office_slug)
    return Tag.objects.filter(office=access.office).order_by("name")
