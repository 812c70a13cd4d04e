"""Security tests: rate-limit counters live in the cache, so each test starts empty."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_clock(monkeypatch):
    """A clock the test moves by hand: ``frozen_clock.now += 61``. Patches the rate
    limiter's, the TOTP module's and the idle timeout's clock (the latter two share one)."""

    class Clock:
        now = 1_800_000_000.0  # the start of a minute

        def __call__(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr("balise.lib.ratelimit.clock", clock)
    monkeypatch.setattr("balise.offices.twofactor.clock", clock)
    return clock
