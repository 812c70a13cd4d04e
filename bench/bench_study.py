"""Territory study benchmark: the dashboard on 20,000 providers × 2 campaigns vs raw SQL.

Budget (issue #5): the dashboard's server time with a cold cache is at most 1.5x the time
of the raw SQL aggregates it shows, and at most 500 ms; the warm page (study cached) is
timed too. The query count of the page does not depend on the number of providers.

Run from the repository root:

    .venv/bin/python bench/bench_study.py                                   # SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_study \\
        .venv/bin/python bench/bench_study.py                               # PostgreSQL

With a PostgreSQL DATABASE_URL, the database is created when missing, migrated, and the
office "bench-etude" is added and deleted at the end: use a scratch database.
BENCH_PROVIDERS (default 20000), BENCH_RUNS (default 10) change the size and the number of
timed runs. BENCH_KEEP=1 keeps the seeded office at the end and reuses it on the next run
(seeding takes about a minute), for measuring one change after another. The exit status is
1 when a budget is exceeded or the page does not answer 200.

Seeding writes the rows the diagnostics app would write (Response, Answer, AxisScore) with
bulk_create: ~60 % of the providers completed each campaign, with an answer to every
question the study reads. "Raw SQL" replays, through ``connection.cursor()``, the exact
statements (SQL and parameters) that building the study sent, captured with an execute
wrapper: the same GROUP BY queries, without the ORM, the masking, the charts, the template.
"""

import os
import random
import secrets
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
warnings.filterwarnings("ignore", message="No directory at")


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")


ensure_postgres_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from balise.demo.directory import save_directory  # noqa: E402
from balise.demo.providers import generate_directory  # noqa: E402
from balise.demo.territory import HAUT_VALLON  # noqa: E402
from balise.diagnostics.models import (  # noqa: E402
    Answer,
    AxisScore,
    Campaign,
    CampaignStatus,
    Invitation,
    Response,
)
from balise.diagnostics.versions import ensure_default_version  # noqa: E402
from balise.insights.definitions import INDICATORS, NEEDS, TELLING  # noqa: E402
from balise.insights.study import build_study  # noqa: E402
from balise.offices.models import Membership, Office, Role, User  # noqa: E402

SLUG = "bench-etude"
EMAIL = "bench-etude@balise.example"
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 20_000))
RUNS = int(os.environ.get("BENCH_RUNS", 10))
KEEP = bool(os.environ.get("BENCH_KEEP"))
COMPLETION = 0.6
RATIO_BUDGET = 1.5
TIME_BUDGET = 0.5  # seconds
BATCH = 5000


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def draw_answers(definition, rng: random.Random) -> dict:
    questions = {"profil.taille"} | {spec.question for spec in TELLING}
    questions |= {indicator.question for indicator in INDICATORS}
    questions |= {code for _key, code, _title in NEEDS}
    answers = {}
    for code in sorted(questions):
        question = definition.question(code)
        if question is None or not question.options:
            continue
        codes = [option.code for option in question.options]
        if question.type == "multiple":
            answers[code] = rng.sample(codes, rng.randint(1, min(3, len(codes))))
        elif question.dont_know and rng.random() < 0.1:
            answers[code] = "nsp"
        else:
            answers[code] = rng.choice(codes)
    return answers


def reuse() -> tuple[Office, User, Campaign, Campaign] | None:
    """The office seeded by an earlier run with BENCH_KEEP=1, if any."""
    office = Office.objects.filter(slug=SLUG).first()
    user = User.objects.filter(email=EMAIL).first()
    if office is None or user is None or office.providers.count() != PROVIDERS:
        return None
    before, after = Campaign.objects.filter(office=office).order_by("starts_on")
    print(f"reusing the office seeded earlier ({PROVIDERS} providers)")
    return office, user, before, after


def seed() -> tuple[Office, User, Campaign, Campaign]:
    Office.objects.filter(slug=SLUG).delete()  # a previous run that crashed
    User.objects.filter(email=EMAIL).delete()
    started = time.perf_counter()
    rng = random.Random(2026)
    drafts = generate_directory(HAUT_VALLON, rng=rng, count=PROVIDERS)
    version = ensure_default_version()
    definition = version.parsed
    axes = [axis.code for axis in definition.axes]
    with transaction.atomic():
        office = Office.objects.create(slug=SLUG, name="Office du banc d'essai de l'étude")
        user = User.objects.create_user(EMAIL, full_name="Banc d'essai")
        Membership.objects.create(user=user, office=office, role=Role.ANIMATOR)
        providers = save_directory(office, HAUT_VALLON, drafts)
        campaigns = []
        for year in (2025, 2026):
            campaign = Campaign.objects.create(
                office=office,
                name=f"Diagnostic {year}",
                slug=f"diagnostic-{year}",
                version=version,
                starts_on=timezone.datetime(year, 3, 1).date(),
                ends_on=timezone.datetime(year, 6, 30).date(),
                status=CampaignStatus.CLOSED,
            )
            campaigns.append(campaign)
            Invitation.objects.bulk_create(
                (
                    Invitation(
                        office=office,
                        campaign=campaign,
                        provider=provider,
                        key=secrets.token_urlsafe(24),
                    )
                    for provider in providers
                ),
                batch_size=BATCH,
            )
            now = timezone.now()
            chosen = [p for p in providers if rng.random() < COMPLETION]
            drawn = {p.pk: draw_answers(definition, rng) for p in chosen}
            responses = Response.objects.bulk_create(
                (
                    Response(
                        office=office,
                        campaign=campaign,
                        provider=provider,
                        version=version,
                        answers=drawn[provider.pk],
                        completed_at=now,
                        overall_score=(score := rng.uniform(10, 95)),
                        level=1 + min(4, int(score // 20)),
                    )
                    for provider in chosen
                ),
                batch_size=BATCH,
            )
            rows = []
            for response in responses:
                for code, value in response.answers.items():
                    for option in value if isinstance(value, list) else [value]:
                        rows.append(Answer(response=response, question=code, option=option))
            Answer.objects.bulk_create(rows, batch_size=BATCH)
            AxisScore.objects.bulk_create(
                (
                    AxisScore(
                        response=response,
                        axis=axis,
                        score=None if rng.random() < 0.03 else rng.uniform(0, 100),
                        counted=3,
                    )
                    for response in responses
                    for axis in axes
                ),
                batch_size=BATCH,
            )
            print(
                f"  {campaign.name}: {len(responses)} responses, {len(rows)} answer rows, "
                f"{len(responses) * len(axes)} axis scores"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {PROVIDERS} providers x 2 campaigns in {time.perf_counter() - started:.1f} s")
    return office, user, campaigns[0], campaigns[1]


def median(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def capture_statements(func) -> list[tuple[str, object]]:
    """The SQL statements and parameters ``func`` sends to the database."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        func()
    return statements


def filtered_times(current: Campaign, previous: Campaign) -> dict[str, tuple[float, int]]:
    """Cold build time of the study with each kind of filter: the first click on a filter."""
    from balise.insights.filters import StudyFilters
    from balise.members.models import CategoryGroup, Commune, Label

    office = current.office
    commune = Commune.objects.filter(providers__office=office).first()
    label = Label.objects.filter(providers__office=office).first()
    cases = {
        "family": StudyFilters(category_group=CategoryGroup.ACCOMMODATION),
        "commune": StudyFilters(commune=commune),
        "size": StudyFilters(size="p2_5"),
    }
    if label is not None:
        cases["label"] = StudyFilters(label=label)
    results = {}
    for name, filters in cases.items():
        times = []
        for _ in range(3):
            cache.clear()
            started = time.perf_counter()
            study = build_study(current, filters=filters, compare=previous)
            times.append(time.perf_counter() - started)
        results[name] = (statistics.median(times), study.completed)
    return results


def main() -> int:
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    _office, user, before, after = (KEEP and reuse()) or seed()
    settings.DEBUG = False
    try:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = reverse("insights:dashboard", args=[SLUG, after.pk])
        params = {"compare": before.pk}

        def page():
            response = client.get(url, params)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            return response

        def cold():
            cache.clear()
            return page()

        try:
            cold()
        except Exception as error:
            print(f"FAIL: the dashboard failed: {error!r}")
            return 1

        def fresh_campaigns():
            return (
                Campaign.objects.select_related("version", "office").get(pk=after.pk),
                Campaign.objects.select_related("version").get(pk=before.pk),
            )

        current, previous = fresh_campaigns()
        cache.clear()
        statements = capture_statements(lambda: build_study(current, compare=previous))
        reconnect = settings.DATABASES["default"].get("CONN_MAX_AGE", 0) == 0

        def raw():
            if reconnect:
                connection.close()
            # In a transaction, as the study reads them, so that "SET LOCAL jit = off"
            # applies to the baseline too.
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, args in statements:
                    cursor.execute(sql, args)
                    if cursor.description is not None:  # not for "SET LOCAL jit = off"
                        cursor.fetchall()

        def build_only():
            cache.clear()
            current, previous = fresh_campaigns()
            return build_study(current, compare=previous)

        raw()
        cold_time = median(cold, RUNS)
        raw_time = median(raw, RUNS)
        build_time = median(build_only, RUNS)
        page()
        warm_time = median(page, RUNS)
        cache.clear()
        with CaptureQueriesContext(connection) as cold_queries:
            page()
        with CaptureQueriesContext(connection) as warm_queries:
            page()
        study = build_study(current, compare=previous)
        filtered = filtered_times(current, previous)
        if os.environ.get("BENCH_EXPLAIN"):
            with connection.cursor() as cursor:
                for sql, args in statements:
                    started = time.perf_counter()
                    cursor.execute(sql, args)
                    if cursor.description is not None:
                        cursor.fetchall()
                    print(f"  raw {ms(time.perf_counter() - started):>10}  {sql[:2000]}\n")
    finally:
        if not KEEP:
            Office.objects.filter(slug=SLUG).delete()
            User.objects.filter(email=EMAIL).delete()
        cache.clear()

    ratio = cold_time / raw_time
    print(
        f"study: {study.completed} completed of {study.invited} invited, {len(study.tables)} tables"
    )
    print(f"dashboard cold (cache cleared) median of {RUNS}: {ms(cold_time)}")
    print(f"dashboard warm (study cached)  median of {RUNS}: {ms(warm_time)}")
    print(f"build_study alone, cold        median of {RUNS}: {ms(build_time)}")
    print(f"raw SQL of the study ({len(statements)} statements) median of {RUNS}: {ms(raw_time)}")
    print(f"ratio cold page / raw SQL: {ratio:.2f}x (budget <= {RATIO_BUDGET}x)")
    print(f"queries per page: cold {len(cold_queries)}, warm {len(warm_queries)}")
    print("build_study cold with one filter (and the comparison), median of 3 (no budget):")
    for name, (seconds, completed) in filtered.items():
        print(f"  {name:<8} {ms(seconds):>10}  ({completed} completed)")
    slowest = sorted(cold_queries, key=lambda q: float(q["time"]), reverse=True)[:4]
    print("slowest queries of the cold page:")
    for query in slowest:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:140]}")
    failed = ratio > RATIO_BUDGET or cold_time > TIME_BUDGET
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        if _tmp is not None:
            connection.close()
            _tmp.cleanup()
