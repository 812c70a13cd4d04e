"""The cache-based rate limiter and where it is applied: respondent links, login,
password reset and the API."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from balise.api.models import ApiToken
from balise.diagnostics import invitations
from balise.diagnostics.models import Invitation
from balise.lib import ratelimit
from balise.lib.models import RateCounter
from balise.lib.ratelimit import hit, parse_rate

from ..diagnostics.factories import CampaignFactory
from ..factories import ProviderFactory


@pytest.mark.django_db
class TestLimiter:
    def test_the_request_past_the_rate_is_refused_until_the_window_ends(self, frozen_clock):
        frozen_clock.now += 15  # 15 s into the minute
        assert [hit("g", "a", "3/m") for _ in range(3)] == [None, None, None]
        limited = hit("g", "a", "3/m")
        assert limited is not None
        assert limited.retry_after == 45

    def test_other_keys_and_groups_keep_their_own_budget(self, frozen_clock):
        for _ in range(3):
            hit("g", "a", "3/m")
        assert hit("g", "a", "3/m") is not None
        assert hit("g", "b", "3/m") is None
        assert hit("other", "a", "3/m") is None

    def test_the_window_resets(self, frozen_clock):
        for _ in range(4):
            hit("g", "a", "3/m")
        assert hit("g", "a", "3/m") is not None
        frozen_clock.now += 60
        assert hit("g", "a", "3/m") is None

    @pytest.mark.parametrize(
        ("rate", "expected"), [("30/m", (30, 60)), ("5/s", (5, 1)), ("100/h", (100, 3600))]
    )
    def test_parse_rate(self, rate, expected):
        assert parse_rate(rate) == expected

    @pytest.mark.parametrize("rate", ["", "30", "x/m", "30/w", "0/m"])
    def test_bad_rates_are_refused_when_decorating(self, rate):
        with pytest.raises(ValueError):
            ratelimit.ratelimit(rate=rate)


def _view(request, **kwargs):
    return HttpResponse("ok")


@pytest.mark.django_db
class TestDecorator:
    def test_html_429_in_french_with_retry_after(self, frozen_clock):
        view = ratelimit.ratelimit(key="ip", rate="2/m")(_view)
        request = RequestFactory().post("/x/", REMOTE_ADDR="203.0.113.9")
        assert [view(request).status_code for _ in range(2)] == [200, 200]
        response = view(request)
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert "Trop de requêtes" in response.content.decode()

    def test_json_429_for_api_clients(self, frozen_clock):
        view = ratelimit.ratelimit(key="ip", rate="1/m")(_view)
        factory = RequestFactory(headers={"Accept": "application/json"})
        view(factory.post("/x/"))
        response = view(factory.post("/x/"))
        assert response.status_code == 429
        assert json.loads(response.content)["detail"].startswith("Trop de requêtes")

    def test_only_the_listed_methods_count(self, frozen_clock):
        view = ratelimit.ratelimit(key="ip", rate="1/m")(_view)
        statuses = [view(RequestFactory().get("/x/")).status_code for _ in range(5)]
        assert statuses == [200] * 5

    def test_a_key_of_none_is_not_counted(self, frozen_clock):
        view = ratelimit.ratelimit(key=lambda request: None, rate="1/m")(_view)
        assert [view(RequestFactory().post("/x/")).status_code for _ in range(3)] == [200] * 3

    def test_a_forged_forwarded_for_header_does_not_change_the_bucket(self, frozen_clock):
        # No proxy configured (BALISE_PROXY_COUNT=0): only the socket address counts.
        view = ratelimit.ratelimit(key="ip", rate="1/m")(_view)
        view(RequestFactory().post("/x/", REMOTE_ADDR="203.0.113.9"))
        forged = RequestFactory().post(
            "/x/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
        assert view(forged).status_code == 429

    def test_behind_a_proxy_each_client_has_its_own_bucket(self, frozen_clock, settings):
        settings.AXES_IPWARE_PROXY_COUNT = 0
        settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
        view = ratelimit.ratelimit(key="ip", rate="1/m")(_view)

        def post(client_address):
            return view(
                RequestFactory().post(
                    "/x/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address
                )
            )

        assert post("198.51.100.1").status_code == 200
        assert post("198.51.100.2").status_code == 200
        assert post("198.51.100.1").status_code == 429


@pytest.fixture
def invitation(office):
    campaign = CampaignFactory(office=office)
    invitations.invite(campaign=campaign, providers=[ProviderFactory(office=office)])
    return Invitation.objects.get(campaign=campaign)


@pytest.mark.django_db
class TestRespondentLinks:
    def test_saving_pages_is_limited_per_link(self, client, office, invitation, frozen_clock):
        url = reverse("respond:section", args=[invitation.token, "profil"])
        statuses = [client.post(url, {}).status_code for _ in range(31)]
        assert 429 not in statuses[:30]
        assert statuses[30] == 429
        # Reading stays possible, and another provider's link is not affected.
        assert client.get(url).status_code == 200
        other = Invitation.objects.create(
            campaign=invitation.campaign,
            office=office,
            provider=ProviderFactory(office=office),
        )
        other_url = reverse("respond:section", args=[other.token, "profil"])
        assert client.post(other_url, {}).status_code != 429
        frozen_clock.now += 60
        assert client.post(url, {}).status_code != 429

    def test_finishing_is_limited_too(self, client, invitation, frozen_clock):
        url = reverse("respond:finish", args=[invitation.token])
        statuses = [client.post(url, {}).status_code for _ in range(31)]
        assert statuses[-1] == 429


@pytest.mark.django_db
class TestLoginAndReset:
    def test_login_posts_are_limited_per_address(self, client, frozen_clock):
        url = reverse("login")
        data = {"username": "personne@example.org", "password": "mauvais"}
        statuses = [
            client.post(url, {**data, "username": f"p{i}@example.org"}).status_code
            for i in range(31)
        ]
        assert 429 not in statuses[:30]
        assert statuses[30] == 429
        assert client.get(url).status_code == 200

    def test_password_reset_posts_are_limited(self, client, frozen_clock, mailoutbox, animator):
        url = reverse("password_reset")
        statuses = [client.post(url, {"email": animator.email}).status_code for _ in range(6)]
        assert statuses == [302] * 5 + [429]
        assert len(mailoutbox) == 5


@pytest.mark.django_db
class TestApi:
    def test_each_token_has_its_own_budget(self, client, office, animator, settings, frozen_clock):
        settings.BALISE_API_RATE = "3/m"
        _token, raw = ApiToken.issue(user=animator, name="site")
        _other, other_raw = ApiToken.issue(user=animator, name="crm")
        url = f"/api/v1/offices/{office.slug}/providers"
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert [client.get(url, **auth).status_code for _ in range(3)] == [200] * 3
        response = client.get(url, **auth)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert response.json()["detail"].startswith("Trop de requêtes pour ce jeton")
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_raw}").status_code == 200
        frozen_clock.now += 60
        assert client.get(url, **auth).status_code == 200


@pytest.mark.django_db
def test_without_redis_every_process_counts_in_the_database(frozen_clock):
    # The local-memory cache of the tests stands for a deployment without REDIS_URL.
    assert ratelimit.counter_store() == "database"
    for _ in range(3):
        hit("login", "203.0.113.9", "2/m")
    key_digest = RateCounter.objects.get().key
    assert RateCounter.objects.get().count == 3, key_digest
    # The first request of a later window removes the counters of the past ones.
    frozen_clock.now += 3600
    hit("login", "203.0.113.9", "2/m")
    assert RateCounter.objects.get().key != key_digest


@pytest.mark.parametrize(
    ("redis_url", "store"), [("", "database"), ("redis://127.0.0.1:6379/0", "cache")]
)
def test_the_counters_are_shared_whatever_the_deployment(monkeypatch, settings, redis_url, store):
    import importlib

    from balise import settings as balise_settings

    monkeypatch.setenv("REDIS_URL", redis_url)
    try:
        settings.CACHES = importlib.reload(balise_settings).CACHES
    finally:
        monkeypatch.undo()
        importlib.reload(balise_settings)
    assert ratelimit.counter_store() == store


def test_django_axes_counts_failed_logins_in_the_database(client, animator):
    from axes.conf import settings as axes_settings
    from axes.models import AccessAttempt

    # Its per-account lockout is shared by every process too (not the local cache).
    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    client.post(reverse("login"), {"username": animator.email, "password": "faux"})
    assert AccessAttempt.objects.get().failures_since_start == 1


@pytest.mark.django_db
@pytest.mark.parametrize("store", ["cache", "database"])
def test_a_broken_store_lets_requests_through(monkeypatch, caplog, store):
    from balise.lib import ratelimit as limiter

    def broken(*args, **kwargs):
        raise ConnectionError("redis or the database is down")

    monkeypatch.setattr(limiter, "counter_store", lambda: store)
    monkeypatch.setattr(limiter.cache, "add", broken)
    monkeypatch.setattr(limiter.connection, "cursor", broken)
    assert limiter.hit("login", "203.0.113.9", "1/m") is None
    assert limiter.hit("login", "203.0.113.9", "1/m") is None
    assert "counter unavailable" in caplog.text
