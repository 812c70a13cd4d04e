"""Rows of the shared helpers: the rate limiter's counters when there is no Redis."""

from django.db import models


class RateCounter(models.Model):
    """Requests counted for one key in one window of a rate (see :mod:`.ratelimit`).

    Without Redis, each gunicorn process has its own local-memory cache: counters kept
    there would let every process grant the whole budget. The database is the one store
    every process of any deployment shares, and an upsert increments it atomically.
    """

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    # In seconds since the epoch, on the limiter's clock (tests move it by hand).
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
