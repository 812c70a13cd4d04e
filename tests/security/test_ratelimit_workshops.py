"""The public workshop forms are rate limited: per address, and per personal link."""

import pytest

from balise.workshops.models import Registration

from ..workshops.factories import RegistrationFactory, SessionFactory, ThemeFactory
from ..workshops.test_alerts import ask
from ..workshops.test_public import registration_data, session_url

pytestmark = pytest.mark.django_db


def test_registration_form_allows_ten_posts_a_minute_per_address(client, office, frozen_clock):
    session = SessionFactory(office=office, capacity=50)
    statuses = [
        client.post(session_url(session), registration_data(email=f"p{n}@example.org")).status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    assert Registration.objects.count() == 10
    frozen_clock.now += 60
    response = client.post(session_url(session), registration_data(email="late@example.org"))
    assert response.status_code == 302


def test_a_personal_link_is_limited_on_its_own(client, office, frozen_clock):
    first = RegistrationFactory(session=SessionFactory(office=office))
    second = RegistrationFactory(session=first.session)

    def cancel(registration):
        url = f"/ateliers/inscription/{registration.token}/annuler/"
        return client.post(url, {}).status_code

    statuses = [cancel(first) for _ in range(11)]
    assert 429 not in statuses[:10]
    assert statuses[10] == 429
    assert cancel(second) != 429


def test_prevenez_moi_allows_ten_posts_a_minute_per_address(client, office, frozen_clock):
    theme = ThemeFactory(office=office)
    statuses = [ask(client, theme, email=f"p{n}@example.org").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
