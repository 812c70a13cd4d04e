"""The API side of the one access helper (balise.lib.access).

The token's user was put on ``request.user`` by balise.api.auth, so the web pages' rules
apply unchanged: 404 for an office the user is not on (or that does not exist), 403 when
the role is too low. The API error handlers turn both into French JSON.
"""

import re

from django.http import Http404, HttpRequest

from balise.lib.access import Need, OfficeAccess, office_access

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def api_office_access(request: HttpRequest, office_slug: str, need: Need = "read") -> OfficeAccess:
    # Anything that is not a slug names no office; refusing it here also keeps stray
    # characters (NUL, very long strings) out of the query.
    if not SLUG_RE.fullmatch(office_slug):
        raise Http404
    return office_access(request, office_slug, need)
