"""``GET /api/v1/offices/``: the offices the token's user works in, with the role."""

from django.http import HttpRequest
from ninja import Router

from balise.offices.models import Membership

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
