"""Build, detect and remove the demo territory.

:func:`build_demo` creates the network, the offices and their staff, then runs each step
of :data:`STEPS` in order. To show a new feature in the demo, write a module with a
``build(ctx: DemoContext)`` function (draw randomness from ``ctx.rng("my-step", ...)``,
read ``ctx.result``, record counts with ``ctx.result.count``) and append it to STEPS.
"""

from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from balise.offices.models import Membership, Network, NetworkCoordinator, Office, Role, User

from . import audits, diagnostics, directory, workshops
from .context import DemoContext, DemoError, DemoLogin, DemoResult
from .territory import DEMO_PASSWORD, NETWORK, OFFICES

DEFAULT_SEED = 1901

Step = Callable[[DemoContext], None]
STEPS: tuple[tuple[str, Step], ...] = (
    ("annuaire", directory.build),
    ("diagnostics", diagnostics.build),
    ("audits", audits.build),
    ("ateliers", workshops.build),
)


def demo_logins() -> list[DemoLogin]:
    """The staff accounts of the demo, with their shared password."""
    return [
        DemoLogin(
            office_slug=office.slug,
            office_name=office.name,
            email=staff.email,
            password=DEMO_PASSWORD,
            role=str(Role(staff.role).label),
            full_name=staff.full_name,
            title=staff.title,
        )
        for office in OFFICES
        for staff in office.staff
    ] + [
        DemoLogin(
            office_slug="",
            office_name=NETWORK.name,
            email=NETWORK.coordinator.email,
            password=DEMO_PASSWORD,
            role=str(_("Coordination du réseau")),
            full_name=NETWORK.coordinator.full_name,
            title=NETWORK.coordinator.title,
        )
    ]


def _demo_offices():
    # An office counts as the demo's only when it sits in the demo network: a real office
    # that happens to be called "haut-vallon" is never touched.
    return Office.objects.filter(
        slug__in=[spec.slug for spec in OFFICES], network__slug=NETWORK.slug
    )


def demo_exists() -> bool:
    return _demo_offices().exists()


def reset_demo() -> None:
    """Delete the demo offices (with everything they own), their network and staff.

    Communes and labels stay: they are reference data shared with real offices.
    """
    with transaction.atomic():
        _demo_offices().delete()
        Network.objects.filter(slug=NETWORK.slug, offices__isnull=True).delete()
        User.objects.filter(email__in=[login.email for login in demo_logins()]).delete()


def build_demo(*, seed: int = DEFAULT_SEED, stdout=None) -> DemoResult:
    """Create the demo territory in one transaction and return what was created.

    Side effects: one network, two offices, their staff (password ``balise-demo``),
    communes and labels when missing, then whatever each step of STEPS writes.
    Raises DemoError when the demo is already there (call :func:`reset_demo` first) or a
    real office uses one of the demo's slugs.
    """
    with transaction.atomic():
        if demo_exists():
            raise DemoError(_("La démo est déjà en place."))
        taken = Office.objects.filter(slug__in=[spec.slug for spec in OFFICES]).values_list(
            "slug", flat=True
        )
        if taken:
            raise DemoError(
                _("Ces identifiants sont déjà pris par des offices hors démo : %(slugs)s.")
                % {"slugs": ", ".join(sorted(taken))}
            )
        network, _created = Network.objects.get_or_create(
            slug=NETWORK.slug, defaults={"name": NETWORK.name}
        )
        offices = {
            spec.slug: Office.objects.create(
                slug=spec.slug,
                name=spec.name,
                network=network,
                territory=spec.territory,
                email=spec.email,
                phone=spec.phone,
                website=spec.website,
                address=spec.address,
            )
            for spec in OFFICES
        }
        users = _create_staff(offices)
        coordinator = users[NETWORK.coordinator.email]
        NetworkCoordinator.objects.get_or_create(user=coordinator, network=network)
        result = DemoResult(
            seed=seed, network=network, offices=offices, users=users, logins=demo_logins()
        )
        context = DemoContext(seed=seed, result=result, stdout=stdout)
        for _name, step in STEPS:
            step(context)
    return result


def _create_staff(offices: dict[str, Office]) -> dict[str, User]:
    # One hash for every demo account: hashing is deliberately slow, and these share a
    # password anyway.
    password = make_password(DEMO_PASSWORD)
    users = {}
    for spec in OFFICES:
        for staff in spec.staff:
            user, _created = User.objects.update_or_create(
                email=staff.email,
                defaults={"full_name": staff.full_name, "password": password, "is_active": True},
            )
            Membership.objects.update_or_create(
                user=user, office=offices[spec.slug], defaults={"role": staff.role}
            )
            users[user.email] = user
    coordinator = NETWORK.coordinator
    users[coordinator.email], _created = User.objects.update_or_create(
        email=coordinator.email,
        defaults={"full_name": coordinator.full_name, "password": password, "is_active": True},
    )
    return users
