"""The one access helper for tenant data.

Every view that touches an office's rows starts with :func:`office_access`. Outsiders get
404 (they must not learn that an office or a row exists), members whose role is too low
get 403. Rows are then fetched through :func:`get_for_office`, which always filters on the
office, so another office's id gives 404 too.
"""

from dataclasses import dataclass
from typing import Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from balise.offices.models import Membership, Network, Office, Role

Need = Literal["read", "edit", "admin"]
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class OfficeAccess:
    office: Office
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def can_edit(self) -> bool:
        return self.membership.role in (Role.ADMIN, Role.ANIMATOR)

    @property
    def is_admin(self) -> bool:
        return self.membership.role == Role.ADMIN


def office_access(request: HttpRequest, office_slug: str, need: Need = "read") -> OfficeAccess:
    """Resolve the office in the URL for the logged-in user, or refuse.

    Raises Http404 when the user is anonymous-like or not on the office's staff, and
    PermissionDenied when the role is below ``need``. Stores the result on the request so
    templates (navigation) can show the current office.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("office", "office__network")
        .filter(user=user, office__slug=office_slug)
        .first()
    )
    if membership is None:
        raise Http404
    access = OfficeAccess(office=membership.office, membership=membership)
    if need == "edit" and not access.can_edit:
        raise PermissionDenied
    if need == "admin" and not access.is_admin:
        raise PermissionDenied
    request.office_access = access
    return access


def get_for_office(access: OfficeAccess, model_or_qs: type[M] | QuerySet[M], **lookup) -> M:
    """Fetch one row of the office, 404 if it does not exist or belongs to another office."""
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs.objects.all()
    return get_object_or_404(qs.filter(office=access.office), **lookup)


def network_access(request: HttpRequest, network_slug: str) -> Network:
    """The network in the URL if the logged-in user coordinates it, else Http404.

    Network coordinators only ever see aggregates across offices (masked below the
    minimum group size), never a provider's row."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Network, slug=network_slug, coordinators__user=user)
