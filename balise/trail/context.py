"""Who is acting: the current request, kept for the time of one request.

django-auditlog's own middleware reads ``request.user`` once, before the view runs; an
API call authenticates inside the view (the token sets ``request.user``), so the actor
would be lost. :class:`TrailMiddleware` keeps the request instead and the log entry
reads the user when it is written (``models.EntryManager``).
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("balise_trail_request", default=None)
# Offices being deleted: their rows cascade away and must not be logged (the entries
# would point to an office that no longer exists when the transaction commits).
_deleting_offices: ContextVar[frozenset[int]] = ContextVar(
    "balise_trail_deleting_offices", default=frozenset()
)


def current_request() -> HttpRequest | None:
    return _request.get()


def deleting_offices() -> frozenset[int]:
    return _deleting_offices.get()


def start_office_deletion(office_id: int) -> None:
    _deleting_offices.set(_deleting_offices.get() | {office_id})


def end_office_deletion(office_id: int) -> None:
    _deleting_offices.set(_deleting_offices.get() - {office_id})


class TrailMiddleware:
    """Make the request visible to the audit trail while the view runs.

    Place it after AuthenticationMiddleware. No query, no side effect on the response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
