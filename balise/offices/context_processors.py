"""Template context: the office the page belongs to and the user's other offices."""

from django.http import HttpRequest


def current_office(request: HttpRequest) -> dict:
    access = getattr(request, "office_access", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"office_access": None}
    return {
        "office_access": access,
        "current_office": access.office if access else None,
        # Lazily evaluated: only pages that show the office switcher query it.
        "my_memberships": user.memberships.select_related("office").order_by("office__name"),
    }
