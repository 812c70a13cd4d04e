"""Token authentication: ``Authorization: Bearer bal_…`` (``Token bal_…`` is accepted too).

Tokens are personal (see balise.api.models.ApiToken): the API acts as the token's user,
with that user's memberships and roles. Sessions are deliberately ignored, so a browser's
login cookie never authorises an API call and the API needs no CSRF token.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.security.http import HttpAuthBase

from balise.lib import ratelimit
from balise.offices import twofactor

from .models import TOKEN_PREFIX, ApiToken, hash_token

SCHEMES = {"bearer", "token"}
# Recording every request would turn every read into a write; a minute is precise enough
# to tell an unused token from a live one.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 100


class RateLimited(Throttled):
    """429 for a token past ``settings.BALISE_API_RATE``; ``wait`` is the Retry-After."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.message = _("Trop de requêtes pour ce jeton. Réessayez dans %(seconds)s s.") % {
            "seconds": wait
        }


def _invalid() -> AuthenticationError:
    return AuthenticationError(message=_("Jeton d'API invalide ou révoqué, ou compte désactivé."))


class TokenAuth(HttpAuthBase):
    openapi_scheme = "bearer"
    openapi_bearerFormat = "bal_…"
    openapi_description = "Jeton d'API personnel : « Authorization: Bearer bal_… »."

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None  # django-ninja answers 401 "authentication required"
        scheme, _sep, raw = header.strip().partition(" ")
        raw = raw.strip()
        if scheme.lower() not in SCHEMES or not raw:
            raise _invalid()
        return self.authenticate(request, raw)

    def authenticate(self, request: HttpRequest, raw: str) -> ApiToken:
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
            raise _invalid()
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(token_hash=hash_token(raw))
            .first()
        )
        if token is None:
            raise _invalid()
        if twofactor.must_enrol(token.user):
            # The token may predate the office's rule: it waits for the second factor too.
            raise HttpError(403, twofactor.tokens_need_second_factor())
        # Per token (so one integration cannot starve the others of the same office).
        limited = ratelimit.hit("api-token", token.token_hash, settings.BALISE_API_RATE)
        if limited is not None:
            raise RateLimited(limited.retry_after)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        # The access helper (balise.lib.access) reads request.user, as for the web pages.
        request.user = token.user
        return token
