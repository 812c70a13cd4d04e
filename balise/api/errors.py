"""One error format for the whole API, in French, whatever layer refused the request.

Every error body has a ``detail`` sentence; validation errors (422) add ``errors``, a
mapping from field name to messages, whether pydantic refused the type (wrong type, too
long, unknown choice) or the model refused the value (email, URL, unknown commune):

    {"detail": "Les données envoyées ne sont pas valides.",
     "errors": {"email": ["Saisissez une adresse e-mail valide."]}}

Nested fields are dotted: ``social_links.facebook``, ``labels.0``.
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class ApiValidationError(Exception):
    """Raised by services and views for values that passed the schema but not the rules."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> "ApiValidationError":
        if hasattr(exc, "error_dict"):
            return cls({field: list(messages) for field, messages in exc.message_dict.items()})
        return cls({"__all__": list(exc.messages)})


def _pydantic_message(error: dict[str, Any]) -> str:
    """A French message for one pydantic error; the common types are spelt out."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        # Our own validators raise ValueError with a message that is already French.
        return str(ctx["error"])
    messages = {
        "missing": _("Ce champ est obligatoire."),
        "extra_forbidden": _("Champ inconnu."),
        "string_type": _("Texte attendu."),
        "string_too_short": _("Ce champ ne peut pas être vide."),
        "string_pattern_mismatch": _("Format invalide."),
        "int_type": _("Nombre entier attendu."),
        "int_parsing": _("Nombre entier attendu."),
        "int_from_float": _("Nombre entier attendu."),
        "int_parsing_size": _("Nombre trop grand."),
        "float_type": _("Nombre attendu."),
        "float_parsing": _("Nombre attendu."),
        "finite_number": _("Nombre fini attendu."),
        "bool_type": _("Booléen attendu (true ou false)."),
        "bool_parsing": _("Booléen attendu (true ou false)."),
        "dict_type": _("Objet JSON attendu."),
        "model_type": _("Objet JSON attendu."),
        "model_attributes_type": _("Objet JSON attendu."),
        "list_type": _("Liste attendue."),
        "datetime_type": _("Date et heure attendues (format ISO 8601)."),
        "datetime_parsing": _("Date et heure attendues (format ISO 8601)."),
        "datetime_from_date_parsing": _("Date et heure attendues (format ISO 8601)."),
        "json_invalid": _("JSON invalide."),
    }
    if kind in messages:
        return messages[kind]
    if kind == "string_too_long":
        return _("Au plus %(max)s caractères.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("Au plus %(max)s éléments.") % {"max": ctx.get("max_length")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Valeur trop petite (minimum : %(min)s).") % {
            "min": _number(ctx.get("ge", ctx.get("gt")))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("Valeur trop grande (maximum : %(max)s).") % {
            "max": _number(ctx.get("le", ctx.get("lt")))
        }
    if kind in ("enum", "literal_error"):
        return _("Valeur inconnue ; valeurs possibles : %(expected)s.") % {
            "expected": ctx.get("expected", "")
        }
    return _("Valeur invalide.")


def _field_name(loc: tuple | list) -> str:
    """``("body", "payload", "social_links", "facebook")`` → ``"social_links.facebook"``.

    The source (body, query, path) and the body parameter's name are dropped, as is
    pydantic's ``[key]`` marker for a refused mapping key; what refers to the whole body
    is ``__all__``, as in Django forms.
    """
    parts = [str(part) for part in loc[1:] if part != "[key]"]
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts.pop(0)
    return ".".join(parts) or "__all__"


def _number(value: Any) -> Any:
    """90.0 → 90, for bounds shown to people."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def pydantic_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        result.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return result


def install(api: NinjaAPI) -> None:
    """Register the French JSON error handlers on ``api``."""

    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def validation_response(request, errors: dict[str, list[str]]) -> HttpResponse:
        detail = _("Les données envoyées ne sont pas valides.")
        return respond(request, 422, {"detail": detail, "errors": errors})

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request, exc: NinjaValidationError):
        return validation_response(request, pydantic_errors(exc.errors))

    @api.exception_handler(ApiValidationError)
    def on_rule_error(request, exc: ApiValidationError):
        return validation_response(request, exc.errors)

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request, exc: AuthenticationError):
        # The default message comes from django-ninja when no header was sent at all.
        if exc.message == "Unauthorized":
            detail = _(
                "Authentification requise : envoyez votre jeton d'API dans l'en-tête "
                "« Authorization: Bearer bal_… »."
            )
        else:
            detail = exc.message
        response = respond(request, 401, {"detail": detail})
        response["WWW-Authenticate"] = 'Bearer realm="balise"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = _("Corps de requête illisible : envoyez un objet JSON valide.")
        response = respond(request, exc.status_code, {"detail": detail})
        if isinstance(exc, Throttled) and exc.wait:
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response

    @api.exception_handler(Http404)
    def on_not_found(request, exc: Http404):
        return respond(request, 404, {"detail": _("Ressource introuvable.")})

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc: PermissionDenied):
        detail = _("Votre rôle dans cet office ne permet pas cette action.")
        return respond(request, 403, {"detail": detail})
