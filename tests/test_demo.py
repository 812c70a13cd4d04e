"""`balise demo`: a realistic, repeatable territory that never duplicates itself."""

import hashlib
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from balise.demo.builder import build_demo, demo_logins
from balise.demo.providers import generate_directory
from balise.demo.territory import DEMO_PASSWORD, HAUT_VALLON, NETWORK
from balise.members.models import (
    Category,
    Commune,
    MembershipStatus,
    Provider,
    normalize_name,
    search_text,
)
from balise.offices.models import Membership, Office, Role
from tests.factories import OfficeFactory

WEBMAILS = {
    "gmail.example",
    "orange.example",
    "wanadoo.example",
    "free.example",
    "laposte.example",
    "sfr.example",
    "hotmail.example",
}


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    rows = Provider.objects.order_by("office__slug", "normalized_name", "email").values_list(
        "office__slug", "name", "category", "email", "commune__insee_code"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def share(providers, **filters) -> float:
    return providers.filter(**filters).count() / providers.count()


@pytest.mark.django_db
def test_demo_builds_a_realistic_territory(settings):
    out = demo()

    main = Office.objects.get(slug="haut-vallon")
    second = Office.objects.get(slug="val-d-arre")
    assert main.network == second.network
    assert main.network.name == "Réseau des offices de tourisme des Cévennes et du Gard"

    providers = Provider.objects.filter(office=main)
    assert 380 <= providers.count() <= 420
    assert 100 <= Provider.objects.filter(office=second).count() <= 140
    communes = Commune.objects.filter(providers__office=main).distinct()
    assert 15 <= communes.count() <= 25
    assert all(len(c.insee_code) == 5 and c.department == "30" for c in communes)
    assert all(len(c.postal_code) == 5 and c.postal_code.startswith("30") for c in communes)
    # Uneven spread: the bourg-centre has many providers, small villages a few.
    per_commune = Counter(providers.values_list("commune__insee_code", flat=True)).most_common()
    assert per_commune[0][1] >= 60
    assert per_commune[-1][1] <= 10

    # A rural territory: mostly gîtes and chambres d'hôtes, a few hotels.
    assert 0.28 <= share(providers, category=Category.RENTAL) <= 0.40
    assert 0.10 <= share(providers, category=Category.BED_AND_BREAKFAST) <= 0.18
    assert 0.03 <= share(providers, category=Category.CAMPSITE) <= 0.08
    assert 0.02 <= share(providers, category=Category.HOTEL) <= 0.06
    assert 0.06 <= share(providers, category=Category.RESTAURANT) <= 0.12
    assert 0.05 <= share(providers, category=Category.ACTIVITY) <= 0.11
    assert set(providers.values_list("category", flat=True)) == set(Category.values)

    # Websites only on the reserved .example domain: the demo never points at a real site.
    assert not providers.exclude(website="").exclude(
        website__regex=r"^https://[a-z0-9.-]+\.example/$"
    )
    assert 0.55 <= share(providers, website__startswith="https://") <= 0.67
    assert 0.62 <= share(providers, marketing_consent=True) <= 0.78
    assert 0.65 <= share(providers, membership_status=MembershipStatus.MEMBER) <= 0.9
    assert 0.005 <= share(providers, archived_at__isnull=False) <= 0.06
    assert providers.filter(source_ids__isnull=False).distinct().count() >= 0.8 * providers.count()
    assert providers.filter(labels__name="Gîtes de France", category=Category.RENTAL).exists()
    assert providers.filter(tags__name="centre-bourg").exists()
    assert providers.exclude(legal_name="").exists()
    members = providers.filter(membership_status=MembershipStatus.MEMBER)
    assert set(members.values_list("membership_year", flat=True)) <= {2024, 2025, 2026}

    for provider in providers.select_related("commune"):
        assert provider.normalized_name == normalize_name(provider.name)
        assert provider.search_text == search_text(provider)
        domain = provider.email.rpartition("@")[2]
        assert not provider.email or domain in WEBMAILS or domain.endswith(".example")
        assert not provider.phone or provider.phone[:5] in {"+33 4", "+33 6", "+33 7"}
        assert len(provider.phone.replace(" ", "")) in {0, 12}
    assert len(set(providers.values_list("normalized_name", flat=True))) == providers.count()

    # The logins and the address are printed.
    for login in demo_logins():
        assert login.email in out
    assert DEMO_PASSWORD in out
    assert f"{settings.SITE_URL}/" in out


@pytest.mark.django_db
def test_demo_logins_work_with_their_roles(client):
    demo()

    expected = {
        ("admin@haut-vallon.demo", "haut-vallon"): Role.ADMIN,
        ("animatrice@haut-vallon.demo", "haut-vallon"): Role.ANIMATOR,
        ("elu@haut-vallon.demo", "haut-vallon"): Role.READER,
        ("admin@val-d-arre.demo", "val-d-arre"): Role.ADMIN,
    }
    roles = {
        (m.user.email, m.office.slug): m.role
        for m in Membership.objects.select_related("user", "office")
    }
    assert roles == expected
    for email, _office in expected:
        response = client.post("/compte/connexion/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session["_auth_user_id"]
        client.logout()


@pytest.mark.django_db
def test_running_again_does_not_duplicate_and_reset_rebuilds_the_same_data():
    demo()
    first = digest()
    counts = (Office.objects.count(), Provider.objects.count(), Commune.objects.count())

    out = demo()
    assert "déjà en place" in out
    assert digest() == first

    demo("--reset")
    assert (Office.objects.count(), Provider.objects.count(), Commune.objects.count()) == counts
    assert digest() == first  # same seed, same data


@pytest.mark.django_db
def test_another_seed_gives_other_data():
    demo("--seed", "7")
    seven = digest()
    demo("--reset", "--seed", "8")
    assert digest() != seven


def test_generation_is_pure_and_seeded():
    def names(seed):
        return [draft.name for draft in generate_directory(HAUT_VALLON, rng=random.Random(seed))]

    assert names(3) == names(3)
    assert names(3) != names(4)


@pytest.mark.django_db
def test_a_real_office_with_a_demo_slug_is_never_touched():
    real = OfficeFactory(slug="haut-vallon", name="Le vrai office")

    with pytest.raises(CommandError, match="haut-vallon"):
        demo("--reset")

    assert Office.objects.get() == real
    assert not Provider.objects.exists()


@pytest.mark.django_db
def test_build_demo_returns_what_later_steps_extend():
    result = build_demo(seed=5)

    assert list(result.offices) == ["haut-vallon", "val-d-arre"]
    assert result.main_office.slug == "haut-vallon"
    assert result.network.slug == NETWORK.slug
    assert set(result.users) == {login.email for login in demo_logins()}
    assert (
        result.counts["haut-vallon"]["prestataires"]
        == Provider.objects.filter(office=result.main_office).count()
    )
