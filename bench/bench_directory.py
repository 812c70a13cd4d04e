"""Directory benchmark: the filtered list page on 20,000 providers vs a bare query.

Budget (docs/design.md): the list page with filters takes at most 2x the server time of
a bare paginated query of the same rows, with a query count that does not depend on the
page or the filters.

Run from the repository root:

    .venv/bin/python bench/bench_directory.py                  # throw-away SQLite file
    DATABASE_URL=postgres://balise:secret@localhost/balise_bench \\
        .venv/bin/python bench/bench_directory.py              # PostgreSQL

With DATABASE_URL set, the script migrates that database, adds an office "bench-annuaire"
and deletes it at the end: use a scratch database. BENCH_PROVIDERS (default 20000) and
BENCH_RUNS (default 20) change the size and the number of timed runs; BENCH_SHOW_QUERIES
(default 3) how many of the page's slowest queries to print. The exit status is
1 when the ratio is over budget or the page does not answer 200.

Both sides are timed in the same process, on the same rows, under the same connection
rules (with CONN_MAX_AGE=0, as on SQLite, each request opens a connection, so each
baseline run does too). The page's time is the Django test client's full round trip:
middleware, session, access check, filter form, queries, template.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="balise-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "balise.settings"
# WhiteNoise warns when collectstatic has not run; static files play no part here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from balise.demo.directory import save_directory  # noqa: E402
from balise.demo.providers import generate_directory  # noqa: E402
from balise.demo.territory import HAUT_VALLON  # noqa: E402
from balise.members.models import Provider  # noqa: E402
from balise.offices.models import Membership, Office, Role, User  # noqa: E402

SLUG = "bench-annuaire"
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 20_000))
RUNS = int(os.environ.get("BENCH_RUNS", 20))
PAGE_SIZE = 50
FILTERS = {"category": "meuble", "q": "gite", "page": "3"}
BUDGET = 2.0
VERBOSE = int(os.environ.get("BENCH_SHOW_QUERIES", 3))  # how many slow queries to print


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def seed() -> tuple[Office, User]:
    Office.objects.filter(slug=SLUG).delete()  # a previous run that crashed
    User.objects.filter(email="bench@balise.example").delete()
    started = time.perf_counter()
    drafts = generate_directory(HAUT_VALLON, rng=random.Random(2026), count=PROVIDERS)
    with transaction.atomic():
        office = Office.objects.create(slug=SLUG, name="Office du banc d'essai")
        user = User.objects.create_user("bench@balise.example", full_name="Banc d'essai")
        Membership.objects.create(user=user, office=office, role=Role.ANIMATOR)
        save_directory(office, HAUT_VALLON, drafts)
    with connection.cursor() as cursor:
        # Fresh statistics for the planner, as in production. On PostgreSQL, VACUUM too:
        # each run deletes its 20,000 providers, and the dead rows of earlier runs would
        # otherwise slow the next one's filter queries (autovacuum does this in production).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"seeded {PROVIDERS} providers in {time.perf_counter() - started:.1f} s")
    return office, user


def baseline(office: Office) -> int:
    """The bare query: count + one page of the same rows, the same named querysets."""
    qs = (
        Provider.objects.filter(office=office)
        .active()
        .filter(category=FILTERS["category"])
        .search(FILTERS["q"])
        .for_list()
        .order_by("normalized_name", "id")
    )
    total = qs.count()
    offset = (int(FILTERS["page"]) - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE])
    return total if rows else 0


def median_times(first, second, runs: int) -> tuple[float, float]:
    """Median time of each function, run alternately so both see the same machine load."""
    first(), second()  # warm-up: imports, template loading, caches
    timings = ([], [])
    for _ in range(runs):
        for func, times in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def main() -> int:
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    office, user = seed()
    # Production settings for the timed part: no query log, no template debug info.
    settings.DEBUG = False
    try:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = reverse("members:provider_list", kwargs={"office_slug": SLUG})

        def page(params=FILTERS):
            response = client.get(url, params)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            return response

        try:
            page()
        except Exception as error:  # the page is someone else's work in progress
            print(f"FAIL: the list page failed: {error!r}")
            return 1

        reconnect = settings.DATABASES["default"].get("CONN_MAX_AGE", 0) == 0

        def bare():
            if reconnect:
                connection.close()
            return baseline(office)

        matched = bare()
        page_time, bare_time = median_times(page, bare, RUNS)

        counts, slowest = {}, []
        for label, params in {
            "filters, page 3": FILTERS,
            "filters, page 1": {**FILTERS, "page": "1"},
            "no filter": {},
        }.items():
            try:
                with CaptureQueriesContext(connection) as queries:
                    page(params)
            except Exception as error:
                counts[label] = f"failed ({error!r})"
            else:
                counts[label] = len(queries)
                if label == "filters, page 3":
                    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)
    finally:
        Office.objects.filter(slug=SLUG).delete()
        User.objects.filter(email="bench@balise.example").delete()

    ratio = page_time / bare_time
    print(f"rows matching {FILTERS}: {matched}")
    print(f"list page       median of {RUNS}: {ms(page_time)}")
    print(f"bare query      median of {RUNS}: {ms(bare_time)}")
    print(f"ratio page / bare query: {ratio:.2f}x (budget <= {BUDGET:.0f}x)")
    print("queries per page: " + ", ".join(f"{label}: {n}" for label, n in counts.items()))
    if slowest:
        print("slowest queries of the filtered page (one run, with the debug cursor):")
        for query in slowest[:VERBOSE]:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    failed = ratio > BUDGET or not all(isinstance(n, int) for n in counts.values())
    if len(set(counts.values())) > 1:
        print("note: the query count changes with the page or the filters")
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        if _tmp is not None:
            connection.close()
            _tmp.cleanup()
