"""The home page sends a network coordinator to the network's comparison page."""

import pytest

from balise.offices.models import NetworkCoordinator

from ..factories import NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_coordinator_without_office_lands_on_the_network_page(client_for):
    network = NetworkFactory(slug="cevennes", name="Réseau des Cévennes")
    coordinator = UserFactory(email="reseau@example.org")
    NetworkCoordinator.objects.create(user=coordinator, network=network)
    response = client_for(coordinator).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/reseau/cevennes/"


def test_a_coordinator_who_is_also_office_staff_chooses(client_for, animator, office):
    network = NetworkFactory(slug="cevennes", name="Réseau des Cévennes")
    NetworkCoordinator.objects.create(user=animator, network=network)
    page = client_for(animator).get("/").content.decode()
    assert 'href="/reseau/cevennes/"' in page
    assert f'href="/o/{office.slug}/"' in page
