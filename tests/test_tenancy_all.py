"""Tenant isolation across EVERY URL pattern of the project.

The project's URL tree is walked with ``get_resolver`` so that a new pattern is tested the
day it is added. Each route falls under one rule, chosen from its prefix:

- staff pages ``/o/<office_slug>/…``: anonymous → login redirect; the admin of another
  office → 404 (or 405 for a method the view never accepts), with the victim office's
  slug and ids, and with the outsider's own slug and the victim's ids; the outsider's own
  pages never show the victim's data;
- account pages ``/compte/…``: listed one by one (login needed or public), the API token
  of someone else cannot be revoked, a forged password-reset link changes nothing;
- network pages ``/reseau/<network_slug>/``: coordinators of that network only (404 for
  everyone else, login redirect or 404 when anonymous);
- personal links ``/r/<token>/…`` and ``/ateliers/{i,inscription,rdv}/<token>/…``: open to
  whoever holds the link (that is their purpose), so the real link must open and show
  nothing of another office, while a forged link (altered signature, a link signed for
  another purpose, a well signed but unknown key) is a bare 404 that changes nothing;
- public workshop pages ``/ateliers/<office_slug>/…``: public, but another office's slug
  with the victim's session id is 404, a draft session is 404, and nothing leaks across;
- any other route without parameter is a public page: it must answer without a server
  error and show nothing of the office.

After the hostile requests, every row of every model is compared with a snapshot taken
before: nothing changed. ``/api/v1/`` is covered by tests/api/test_isolation.py (every
operation of the OpenAPI schema) and ``/admin/`` is excluded: it is the platform
operators' console, reachable only by ``is_staff`` accounts, which office staff never are
(see :func:`test_admin_is_closed_to_office_staff`).

A route that no rule covers, or whose parameters cannot be filled, fails with a message
saying what to add here.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import mail, signing
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver

from balise.api.models import ApiToken
from balise.diagnostics.models import INVITATION_SALT, Invitation
from balise.members.models import Provider
from balise.offices.models import NetworkCoordinator, User
from balise.workshops.models import (
    Appointment,
    Registration,
    SessionInvitation,
    SessionStatus,
    ThemeAlert,
)

from .diagnostics.factories import CampaignFactory, InvitationFactory, VersionFactory
from .factories import NetworkFactory, ProviderFactory, UserFactory
from .workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

# Not walked here, with the reason.
EXCLUDED_PREFIXES = {
    "api/v1/": "every API operation is walked from the OpenAPI schema in tests/api/",
    "admin/": "the operators' console: is_staff accounts only, never office staff",
}
OFFICE_PREFIX = "o/<slug:office_slug>/"
NETWORK_PREFIX = "reseau/<slug:network_slug>/"
# Public pages of one office: the workshop programme, the privacy notice.
PUBLIC_OFFICE_PREFIXES = ("ateliers/<slug:office_slug>/", "confidentialite/<slug:office_slug>/")
# Personal links: the URL prefix and the row whose signed token opens it.
TOKEN_PREFIXES = {
    "r/<str:token>/": "invitation",
    "ateliers/i/<str:token>/": "session_invitation",
    "ateliers/inscription/<str:token>/": "registration",
    "ateliers/rdv/<str:token>/": "appointment",
    "ateliers/alerte/<str:token>/": "alert",
}
TOKEN_SALTS = {
    "invitation": INVITATION_SALT,
    "session_invitation": SessionInvitation.TOKEN_SALT,
    "registration": Registration.TOKEN_SALT,
    "appointment": Appointment.TOKEN_SALT,
    "alert": ThemeAlert.TOKEN_SALT,
}
# Account pages: those that need a login (anonymous → login page) and those that do not.
ACCOUNT_LOGIN_REQUIRED = {
    "compte/",
    "compte/jetons/<int:token_id>/revoquer/",
    "compte/double-authentification/",
    "compte/double-authentification/desactiver/",
    "compte/double-authentification/codes-de-secours/",
    "compte/mot-de-passe/",
    "compte/mot-de-passe/modifie/",
}
ACCOUNT_PUBLIC = {
    "compte/connexion/",
    "compte/connexion/code/",
    "compte/deconnexion/",
    "compte/mot-de-passe/oubli/",
    "compte/mot-de-passe/oubli/envoye/",
    "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
    "compte/mot-de-passe/nouveau/fait/",
}
LOGIN_URL = "/compte/connexion/"
# Rows that legitimately change while a test client logs in or is refused.
VOLATILE_MODELS = {
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "lib.RateCounter",  # the rate limits count hostile requests too
}
VOLATILE_FIELDS = {"last_login"}  # set by each test login
# What a hostile POST sends: the names of the fields most forms have.
HOSTILE_POST = {
    "name": "Piraté",
    "title": "Piraté",
    "email": "pirate@example.org",
    "role": "admin",
    "status": "published",
    "action": "delete",
    "confirm": "1",
}
# The victim's office (slug in links, full name, admin's address) and rows. Case matters:
# "Haut-Vallon" alone is also a help text's example of a territory.
VICTIM_MARK = re.compile(
    r"/haut-vallon/|tourisme du Haut-Vallon|@haut-vallon|Gîte Secret|secret\.example"
)
BYSTANDER_MARK = re.compile(r"autre-rive|Autre-Rive|Moulin Caché|Bernard Discret")
PARAM_RE = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    route: str
    name: str

    @property
    def params(self) -> list[str]:
        return [match["name"] for match in PARAM_RE.finditer(self.route)]

    def under(self, prefix: str) -> bool:
        return self.route.startswith(prefix)


def _walk(resolver=None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield Route(route, entry.name or "")


def all_routes() -> list[Route]:
    return [r for r in _walk() if not any(r.under(prefix) for prefix in EXCLUDED_PREFIXES)]


def fill(route: Route, values: dict) -> str:
    """The URL of ``route`` with each parameter taken from ``values``; fails clearly else."""

    def value(match: re.Match) -> str:
        name = match["name"]
        if name not in values:
            pytest.fail(
                f"tests/test_tenancy_all.py cannot fill <{name}> in /{route.route} "
                f"({route.name}): add a victim row for it to victim_objects "
                "(tests/conftest.py) or to the `victims` fixture here"
            )
        return str(values[name])

    return "/" + PARAM_RE.sub(value, route.route)


def kind(route: Route) -> str:
    """The rule that covers ``route``; fails for a route no rule covers."""
    if route.under(OFFICE_PREFIX):
        return "staff"
    if route.route in ACCOUNT_LOGIN_REQUIRED:
        return "account"
    if route.route in ACCOUNT_PUBLIC:
        return "account-public"
    if route.under(NETWORK_PREFIX):
        return "network"
    for prefix in TOKEN_PREFIXES:
        if route.under(prefix):
            return "token"
    if any(route.under(prefix) for prefix in PUBLIC_OFFICE_PREFIXES):
        return "public-office"
    if not route.params and not route.under("compte/"):
        return "public"
    pytest.fail(
        f"/{route.route} ({route.name}) is covered by no rule of tests/test_tenancy_all.py: "
        "say whether it is a staff, account, network, personal-link or public page there"
    )


def routes_of(kind_name: str) -> list[Route]:
    return [route for route in all_routes() if kind(route) == kind_name]


def snapshot(*, volatile_fields: set[str] = frozenset()) -> dict:
    """Every row of every model (but sessions and login attempts), to compare later.

    ``volatile_fields``: more fields to leave out (as ``last_login``)."""
    skipped = VOLATILE_FIELDS | set(volatile_fields)
    rows = {}
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.proxy or not model._meta.managed or label in VOLATILE_MODELS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in skipped]
        rows[label] = list(model.objects.order_by("pk").values(*fields))
    return rows


def assert_unchanged(before: dict, **kwargs) -> None:
    after = snapshot(**kwargs)
    changed = [label for label in before if before[label] != after.get(label)]
    assert not changed, f"hostile requests changed rows of {changed}"
    assert not mail.outbox, f"hostile requests mailed {[m.to for m in mail.outbox]}"


def text_of(response) -> str:
    kind_ = response.get("Content-Type", "")
    if not kind_.startswith(("text/", "application/json")):
        return ""
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def forged(token: str) -> str:
    """The same token with its signature altered (last character changed)."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.fixture
def bystander(other_office):
    """Data of another office, with marks that must never show on the victim's pages."""
    provider = ProviderFactory(office=other_office, name="Moulin Caché")
    version = VersionFactory(questionnaire__office=other_office, questionnaire__code="cache")
    campaign = CampaignFactory(office=other_office, version=version)
    InvitationFactory(campaign=campaign, provider=provider)
    theme = ThemeFactory(office=other_office)
    session = SessionFactory(office=other_office, theme=theme, title="Atelier Moulin Caché")
    RegistrationFactory(session=session, provider=provider, name="Bernard Discret")
    AppointmentFactory(
        slot=AppointmentSlotFactory(office=other_office), provider=provider, name="Bernard Discret"
    )
    VenueFactory(office=other_office, name="Salle Moulin Caché")
    return {"provider": provider, "session": session}


@pytest.fixture
def victims(victim_objects, office, admin_user, bystander):
    """victim_objects plus what the routes outside /o/ need."""
    _token, _raw = ApiToken.issue(user=admin_user, name="intégration")
    invitation = Invitation.objects.get(pk=victim_objects["invitation_id"])
    return victim_objects | {
        "office_slug": office.slug,
        "token_id": _token.pk,
        "section_code": invitation.campaign.version.definition["sections"][0]["code"],
        "tokens": {
            "invitation": invitation.token,
            "session_invitation": SessionInvitation.objects.get(
                pk=victim_objects["session_invitation_id"]
            ).token,
            "registration": Registration.objects.get(pk=victim_objects["registration_id"]).token,
            "appointment": Appointment.objects.get(pk=victim_objects["appointment_id"]).token,
            "alert": ThemeAlert.objects.get(pk=victim_objects["alert_id"]).token,
        },
    }


def test_every_route_is_covered_by_a_rule():
    routes = all_routes()
    kinds = {route.route: kind(route) for route in routes}
    assert len([k for k in kinds.values() if k == "staff"]) >= 50
    for expected in ("account", "account-public", "network", "token", "public-office", "public"):
        assert expected in kinds.values(), expected
    # The lists of account pages name real routes (a renamed route must be reclassified).
    assert set(kinds) >= (ACCOUNT_LOGIN_REQUIRED | ACCOUNT_PUBLIC)


# --- staff pages -----------------------------------------------------------------------


def test_staff_and_account_pages_send_anonymous_visitors_to_log_in(client, victims):
    before = snapshot()
    routes = routes_of("staff") + routes_of("account")
    for route in routes:
        url = fill(route, victims)
        for method in ("get", "post"):
            response = getattr(client, method)(url, HOSTILE_POST)
            assert response.status_code == 302, f"{method.upper()} {url}"
            assert response["Location"].startswith(LOGIN_URL), f"{method.upper()} {url}"
    assert_unchanged(before)
    assert Provider.objects.get(pk=victims["provider_id"]).name == "Gîte Secret"


def test_staff_pages_are_404_for_another_offices_admin(
    client_for, outsider, victims, django_capture_on_commit_callbacks
):
    client = client_for(outsider)
    before = snapshot()
    # Mail leaves after the commit: run what the requests deferred, to see it if any.
    with django_capture_on_commit_callbacks(execute=True):
        for route in routes_of("staff"):
            url = fill(route, victims)
            for method in ("get", "post"):
                response = getattr(client, method)(url, HOSTILE_POST)
                # A method the view never accepts is 405 before the office is looked at.
                assert response.status_code in (404, 405), f"{method.upper()} {url}"
                assert not VICTIM_MARK.search(text_of(response)), f"{method.upper()} {url}"
    assert_unchanged(before)
    assert Provider.objects.get(pk=victims["provider_id"]).name == "Gîte Secret"


def test_victim_ids_under_the_outsiders_own_office_are_404(
    client_for, outsider, other_office, victims, django_capture_on_commit_callbacks
):
    """The outsider's own slug gets past the office check: the rows must still be refused."""
    client = client_for(outsider)
    own = victims | {"office_slug": other_office.slug}
    with_ids = [route for route in routes_of("staff") if len(route.params) > 1]
    assert len(with_ids) >= 30
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        for route in with_ids:
            url = fill(route, own)
            for method in ("get", "post"):
                response = getattr(client, method)(url, HOSTILE_POST)
                assert response.status_code in (404, 405), f"{method.upper()} {url}"
    assert_unchanged(before)


def test_the_outsiders_own_pages_show_nothing_of_the_victim(
    client_for, outsider, other_office, victims
):
    client = client_for(outsider)
    pages = [route for route in routes_of("staff") if route.params == ["office_slug"]]
    before = snapshot()
    opened = 0
    for route in pages:
        url = fill(route, {"office_slug": other_office.slug})
        response = client.get(url)
        assert response.status_code < 500, url
        opened += response.status_code == 200
        assert not VICTIM_MARK.search(text_of(response)), url
    assert opened >= 20
    # Some pages warm caches (the study); no office row may change for having been read.
    changed = snapshot()
    for label in ("members.Provider", "offices.Membership", "diagnostics.Response"):
        assert changed[label] == before[label], label


def test_unknown_office_and_network_are_404(client_for, outsider):
    client = client_for(outsider)
    assert client.get("/o/nexiste-pas/").status_code == 404
    assert client.get("/reseau/nexiste-pas/").status_code == 404


# --- account pages ---------------------------------------------------------------------


def test_nobody_revokes_someone_elses_api_token(client_for, outsider, victims):
    token = ApiToken.objects.get(pk=victims["token_id"])
    client = client_for(outsider)
    url = f"/compte/jetons/{token.pk}/revoquer/"
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # The outsider's own account page lists none of the victim's tokens.
    page = client.get("/compte/").content.decode()
    assert "intégration" not in page
    assert not VICTIM_MARK.search(page)


def test_account_public_pages_answer_without_error(client, victims):
    for route in routes_of("account-public"):
        url = fill(route, victims | {"uidb64": "MQ", "token": "cg5z9h-0123456789abcdef"})
        # Log-out only accepts POST (405 to a GET).
        assert client.get(url).status_code in (200, 302, 405), url


def test_a_forged_password_reset_link_changes_no_password(client, admin_user, password):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
    real = default_token_generator.make_token(admin_user)
    for token in (forged(real), "set-password", "x-y"):
        url = f"/compte/mot-de-passe/nouveau/{uid}/{token}/"
        page = client.get(url, follow=True)
        assert page.status_code == 200
        assert 'name="new_password1"' not in page.content.decode(), url
        client.post(url, {"new_password1": "Piraté-Piraté-42", "new_password2": "Piraté-Piraté-42"})
    admin_user.refresh_from_db()
    assert admin_user.check_password(password)


# --- network pages ---------------------------------------------------------------------


def test_network_pages_are_for_that_networks_coordinators_only(
    client, client_for, office, other_office, admin_user, outsider, victims
):
    network = NetworkFactory(slug="vallees", name="Réseau des Vallées")
    office.network = network
    office.save()
    coordinator = UserFactory(email="coordination@vallees.example")
    NetworkCoordinator.objects.create(user=coordinator, network=network)
    elsewhere = UserFactory(email="coordination@ailleurs.example")
    NetworkCoordinator.objects.create(user=elsewhere, network=NetworkFactory(slug="ailleurs"))
    values = victims | {"network_slug": network.slug}
    routes = routes_of("network")
    assert routes
    before = snapshot()
    for route in routes:
        url = fill(route, values)
        client.logout()
        for method in ("get", "post"):
            response = getattr(client, method)(url, HOSTILE_POST)
            assert response.status_code in (302, 404, 405), f"anonymous {method} {url}"
            if response.status_code == 302:
                assert response["Location"].startswith(LOGIN_URL), url
        # Staff of a member office (even its admin), an outsider, another network's
        # coordinator: 404, as if the network did not exist.
        for user in (admin_user, outsider, elsewhere):
            for method in ("get", "post"):
                response = getattr(client_for(user), method)(url, HOSTILE_POST)
                assert response.status_code in (404, 405), f"{user.email} {method} {url}"
        assert client_for(coordinator).get(url).status_code == 200, url
    assert_unchanged(before)


# --- personal links --------------------------------------------------------------------


def _token_kind(route: Route) -> str:
    return next(kind for prefix, kind in TOKEN_PREFIXES.items() if route.under(prefix))


def test_a_forged_personal_link_is_404_and_changes_nothing(
    client, client_for, outsider, victims, django_capture_on_commit_callbacks
):
    routes = routes_of("token")
    assert len(routes) >= 10
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        for route in routes:
            token_kind = _token_kind(route)
            real = victims["tokens"][token_kind]
            other_kind = next(k for k in TOKEN_SALTS if k != token_kind)
            bad_tokens = {
                "altered signature": forged(real),
                "no signature": real.rsplit(":", 1)[0],
                # A real link of another kind: signed for another purpose.
                "another purpose": victims["tokens"][other_kind],
                "unknown key, right signature": signing.Signer(salt=TOKEN_SALTS[token_kind]).sign(
                    "inconnu"
                ),
            }
            for label, token in bad_tokens.items():
                url = fill(route, victims | {"token": token})
                for user in (None, outsider):
                    browser = client_for(user) if user else client
                    for method in ("get", "post"):
                        cache.clear()  # the per-link rate limit must not answer first
                        response = getattr(browser, method)(url, HOSTILE_POST)
                        assert response.status_code == 404, f"{label}: {method.upper()} {url}"
                    client.logout()
    assert_unchanged(before)


def test_the_real_personal_link_opens_and_shows_no_other_office(client, victims):
    for route in routes_of("token"):
        url = fill(route, victims | {"token": victims["tokens"][_token_kind(route)]})
        response = client.get(url)
        assert response.status_code in (200, 302), url
        body = text_of(response)
        assert not BYSTANDER_MARK.search(body), url
        if response.status_code == 302:
            assert not BYSTANDER_MARK.search(response["Location"]), url


# --- public workshop pages -------------------------------------------------------------


def test_public_office_pages_never_cross_offices(client, office, other_office, victims):
    routes = routes_of("public-office")
    assert routes
    draft = SessionFactory(office=office, status=SessionStatus.DRAFT, title="Brouillon secret")
    before = snapshot()
    for route in routes:
        own = fill(route, victims)
        response = client.get(own)
        assert response.status_code == 200, own
        assert not BYSTANDER_MARK.search(text_of(response)), own
        assert "Brouillon secret" not in text_of(response), own
        if "session_id" in route.params:
            # Another office's slug with the victim's session; the victim's draft.
            crossed = fill(route, victims | {"office_slug": other_office.slug})
            hidden = fill(route, victims | {"session_id": draft.pk})
            for url in (crossed, hidden):
                for method in ("get", "post"):
                    cache.clear()
                    data = {"name": "Pirate", "email": "pirate@example.org", "business": "X"}
                    response = getattr(client, method)(url, data)
                    assert response.status_code == 404, f"{method.upper()} {url}"
        unknown = fill(route, victims | {"office_slug": "nexiste-pas"})
        assert client.get(unknown).status_code == 404, unknown
    assert_unchanged(before)


def test_public_pages_without_parameters_show_nothing_of_an_office(client, victims):
    routes = routes_of("public")
    assert routes
    for route in routes:
        url = fill(route, victims)
        response = client.get(url)
        assert response.status_code < 500, url
        assert not VICTIM_MARK.search(text_of(response)), url
        assert not BYSTANDER_MARK.search(text_of(response)), url


def test_admin_is_closed_to_office_staff(client, client_for, admin_user):
    assert client.get("/admin/").status_code == 302
    response = client_for(admin_user).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(memberships__isnull=False, is_staff=True).exists()
