"""The REST API, mounted at /api/v1/: schema at openapi.json, interactive docs at docs.

Every operation needs a personal API token (balise.api.auth); each domain adds its own
router below.
"""

from ninja import NinjaAPI

from . import errors
from .audits import router as audits_router
from .auth import TokenAuth
from .diagnostics import router as diagnostics_router
from .insights import router as insights_router
from .offices import router as offices_router
from .providers import router as providers_router
from .workshops import router as workshops_router

api = NinjaAPI(
    title="Balise API",
    version="1",
    description=(
        "API REST de Balise. Authentification par jeton d'API personnel : "
        "`Authorization: Bearer bal_…`. Chaque jeton agit pour son utilisateur, sur les "
        "offices dont il fait partie et selon son rôle (le rôle lecteur est en lecture "
        "seule). Les erreurs sont en JSON : `detail`, et `errors` par champ "
        "pour les données refusées (422)."
    ),
    urls_namespace="api",
    auth=TokenAuth(),
)
errors.install(api)

api.add_router("", offices_router)
api.add_router("", providers_router)
api.add_router("", diagnostics_router)
api.add_router("", audits_router)
api.add_router("", insights_router)
api.add_router("", workshops_router)
