"""A small fixed-window rate limiter on Django's cache, for the public endpoints.

``@ratelimit(key="ip", rate="30/m")`` counts the requests of one key (the client's address,
or what a callable returns) in the current window of the rate's period; past the limit it
answers 429 with a ``Retry-After`` header, a French page for browsers and a JSON body for
API clients.

The counters must be shared by every process that serves requests, or each gunicorn
process grants the whole budget (three processes, three times the limit). Where they live
(:func:`counter_store`):

- with Redis (``REDIS_URL``, the default cache is then Redis): in the cache, each window's
  counter created with ``cache.add`` (only the first request of the window creates it)
  and then ``cache.incr``, both atomic in Redis;
- otherwise in the database (:class:`~balise.lib.models.RateCounter`): one upsert that
  creates or increments the counter and returns it, atomic on SQLite and PostgreSQL; a
  new window's first request deletes the expired counters.

Either way concurrent requests never lose a count. A fixed window lets at most twice the
rate through around a window boundary; that is fine for throttling abuse, and it costs one
round trip per request.

The client's address comes from django-axes' helper, configured by ``BALISE_PROXY_COUNT``
in settings: without a reverse proxy only the socket address counts, so a forged
``X-Forwarded-For`` cannot move someone into another bucket.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import RateCounter

logger = logging.getLogger("balise.lib.ratelimit")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CACHE_PREFIX = "balise:rl"
# Caches that every process and machine share (the local-memory cache is per process).
SHARED_CACHES = {
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
}

KeyFunc = Callable[[HttpRequest], str | None]


def clock() -> float:
    """The current time in seconds; tests patch this to move between windows."""
    return time.time()


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/m"`` → (30, 60). Periods: s, m, h, d, optionally with a count (``"10/5m"``)."""
    count, _sep, period = rate.partition("/")
    multiplier = period[:-1] or "1"
    unit = period[-1:]
    if not count.isdigit() or unit not in PERIODS or not multiplier.isdigit():
        raise ValueError(f"Invalid rate {rate!r}: expected e.g. '30/m' or '100/h'.")
    seconds = int(multiplier) * PERIODS[unit]
    if int(count) < 1 or seconds < 1:
        raise ValueError(f"Invalid rate {rate!r}.")
    return int(count), seconds


@dataclass(frozen=True)
class Limited:
    """The answer when a key is over its limit: how long until the window resets."""

    retry_after: int


def counter_store() -> str:
    """Where the counters live: ``"cache"`` when the default cache is Redis (shared by
    every process and machine), ``"database"`` otherwise (the local-memory cache is not)."""
    backend = settings.CACHES["default"]["BACKEND"]
    return "cache" if backend in SHARED_CACHES else "database"


def _count_in_cache(counter: str, period: int) -> int:
    # A little longer than the window, so a slow clock never resurrects a counter.
    cache.add(counter, 0, timeout=period + 5)
    try:
        return cache.incr(counter)
    except ValueError:  # evicted between add and incr: this request starts the window
        cache.add(counter, 1, timeout=period + 5)
        return 1


def _count_in_database(counter: str, *, expires: int, now: float) -> int:
    quote = connection.ops.quote_name
    table, key, count = (quote(name) for name in (RateCounter._meta.db_table, "key", "count"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {count}, {quote('expires')}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}",
            [counter, expires],
        )
        value = cursor.fetchone()[0]
    if value == 1:  # a new window: the counters of the past ones can go
        RateCounter.objects.filter(expires__lt=now).delete()
    return value


def hit(group: str, key: str, rate: str) -> Limited | None:
    """Count one request of ``key`` in ``group``; return :class:`Limited` past the rate.

    Side effects: creates or increments one counter (in the cache or the database, see
    :func:`counter_store`), which expires with its window.
    """
    limit, period = parse_rate(rate)
    now = clock()
    window = int(now // period)
    digest = hashlib.sha256(f"{group}\x00{key}".encode()).hexdigest()[:32]
    counter = f"{CACHE_PREFIX}:{digest}:{period}:{window}"
    try:
        if counter_store() == "cache":
            count = _count_in_cache(counter, period)
        else:
            count = _count_in_database(counter, expires=(window + 1) * period + 5, now=now)
    except Exception:
        # The store (Redis, or the database) is down: let the request through rather
        # than answer 500 to every login and form; /sante/ reports the failing store.
        logger.warning("Rate limiter: counter unavailable, request not counted", exc_info=True)
        return None
    if count <= limit:
        return None
    return Limited(retry_after=max(1, math.ceil((window + 1) * period - now)))


def client_ip(request: HttpRequest) -> str:
    """The client's address, as django-axes sees it (same proxy settings)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def limited_response(request: HttpRequest, limited: Limited) -> HttpResponse:
    """429 with ``Retry-After``: JSON for API clients, a short French page otherwise."""
    minutes = max(1, math.ceil(limited.retry_after / 60))
    message = _("Trop de requêtes. Réessayez dans %(minutes)s minute(s).") % {"minutes": minutes}
    if wants_json(request):
        response = JsonResponse({"detail": message}, status=429)
    else:
        body = render_to_string(
            "registration/too_many_requests.html",
            {"message": message, "retry_after": limited.retry_after},
            request=request,
        )
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(limited.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def ratelimit(
    *,
    key: str | KeyFunc = "ip",
    rate: str = "30/m",
    methods: Iterable[str] | None = ("POST",),
    group: str | None = None,
):
    """Limit a view to ``rate`` requests per key and window.

    ``key``: ``"ip"`` (the client's address) or a callable taking the request (and the
    view's keyword arguments) and returning a string; ``None`` from it means "do not count
    this request". ``methods``: the HTTP methods counted (``None``: all). ``group``: the
    counter's namespace, by default the view's dotted name, so two views never share a
    budget unless asked to.
    """
    parse_rate(rate)  # refuse a bad rate at import time, not on the first request
    counted = None if methods is None else {method.upper() for method in methods}

    def decorator(view):
        namespace = group or f"{view.__module__}.{getattr(view, '__qualname__', view)}"

        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if counted is None or request.method in counted:
                value = client_ip(request) if key == "ip" else key(request, *args, **kwargs)
                if value is not None:
                    limited = hit(namespace, value, rate)
                    if limited is not None:
                        return limited_response(request, limited)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
