import pytest


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand, for TOTP codes and rate-limit windows."""

    class Clock:
        now = 1_800_000_000.0

        def __call__(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr("balise.offices.twofactor.clock", clock)
    monkeypatch.setattr("balise.lib.ratelimit.clock", clock)
    return clock
