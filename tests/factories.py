"""factory_boy factories shared by every test module."""

import factory
from factory.django import DjangoModelFactory

from balise.members.models import Category, Commune, Provider
from balise.offices.models import Membership, Network, Office, Role, User

PASSWORD = "motdepasse-de-test-42"


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"reseau-{n}")
    name = factory.Sequence(lambda n: f"Réseau {n}")


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"office-{n}")
    name = factory.Sequence(lambda n: f"Office de tourisme {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Personne {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Role.ANIMATOR


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    insee_code = factory.Sequence(lambda n: f"{30000 + n:05d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    postal_code = "30000"


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Prestataire {n}")
    category = Category.HOTEL
    commune = factory.SubFactory(CommuneFactory)
    city = factory.LazyAttribute(lambda o: o.commune.name if o.commune else "")
    email = factory.Sequence(lambda n: f"contact{n}@prestataire.example")
