"""``GET /api/v1/offices/``: the offices a token can reach, with the user's role."""

import pytest

from balise.offices.models import Role

from ..factories import MembershipFactory, OfficeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/offices/"


def test_lists_the_users_offices_with_role(api_client, animator, office, other_office):
    second = OfficeFactory(
        slug="bas-vallon", name="Office de tourisme du Bas-Vallon", territory="Bas-Vallon"
    )
    MembershipFactory(user=animator, office=second, role=Role.READER)

    response = api_client(animator).get(URL)

    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "bas-vallon",
            "name": "Office de tourisme du Bas-Vallon",
            "territory": "Bas-Vallon",
            "role": "lecteur",
            "role_label": "Lecteur",
            "can_edit": False,
        },
        {
            "slug": "haut-vallon",
            "name": "Office de tourisme du Haut-Vallon",
            "territory": "",
            "role": "animateur",
            "role_label": "Animateur",
            "can_edit": True,
        },
    ]


def test_admin_and_reader_see_their_role(api_client, admin_user, reader):
    [admin_office] = api_client(admin_user).get(URL).json()
    [reader_office] = api_client(reader).get(URL).json()
    assert (admin_office["role"], admin_office["can_edit"]) == ("admin", True)
    assert (reader_office["role"], reader_office["can_edit"]) == ("lecteur", False)


def test_never_lists_an_office_the_user_is_not_on(api_client, outsider):
    assert [o["slug"] for o in api_client(outsider).get(URL).json()] == ["autre-rive"]


def test_labels_and_tags_of_the_office_for_the_filters(api_client, reader, office, other_office):
    from balise.members.models import Label, Tag

    from ..factories import ProviderFactory

    provider = ProviderFactory(office=office)
    provider.labels.add(Label.objects.create(name="Logis"))
    ProviderFactory(office=other_office).labels.add(Label.objects.create(name="Ailleurs"))
    Tag.objects.create(office=office, name="centre-bourg")
    Tag.objects.create(office=other_office, name="secret")
    client = api_client(reader)
    labels = client.get(f"/api/v1/offices/{office.slug}/labels").json()
    assert [label["name"] for label in labels] == ["Logis"]
    tags = client.get(f"/api/v1/offices/{office.slug}/tags").json()
    assert [tag["name"] for tag in tags] == ["centre-bourg"]
    assert client.get(f"/api/v1/offices/{other_office.slug}/tags").status_code == 404
