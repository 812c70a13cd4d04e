"""Questionnaire page benchmark: a respondent's section page, shown and saved.

No budget of its own in design.md, but the 200-respondent load test (p95 ≤ 300 ms) rests
on it. Baseline, timed in the same run: the health endpoint, a bare Django view with one
query through the same middleware stack. The ratios say how much the questionnaire adds
to Django's own cost on this machine.

Run from the repository root:

    .venv/bin/python bench/bench_questionnaire.py      # throw-away SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/balise_bench \
        .venv/bin/python bench/bench_questionnaire.py

BENCH_RUNS (default 30) timed runs of each request.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="balise-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "balise.settings"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from balise.diagnostics import campaigns, versions  # noqa: E402
from balise.diagnostics.forms import FIELD_PREFIX  # noqa: E402
from balise.diagnostics.models import Response  # noqa: E402
from balise.members.models import Category, Provider  # noqa: E402
from balise.offices.models import Office  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
SLUG = "bench-questionnaire"


def median_ms(func) -> float:
    func()  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    call_command("migrate", verbosity=0, interactive=False)
    settings.DEBUG = False
    office = Office.objects.create(slug=SLUG, name="Office du bench")
    try:
        provider = Provider.objects.create(
            office=office, name="Hôtel du Bench", category=Category.HOTEL, email="h@bench.example"
        )
        today = timezone.localdate()
        campaign = campaigns.create_campaign(
            office=office,
            name="Bench",
            version=versions.ensure_default_version(),
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=30),
            target_filters={},
            message="",
            user=None,
        )
        campaigns.open_campaign(campaign=campaign)
        invitation = campaign.invitations.get(provider=provider)
        token = invitation.token
        definition = campaign.version.parsed
        section = definition.sections[1]  # equipment: choice questions, no branching first
        client = Client()
        url = f"/r/{token}/{section.code}/"
        first = {}
        for question in section.questions:
            if question.options:
                first[FIELD_PREFIX + question.code] = question.options[0].code

        def show():
            assert client.get(url).status_code == 200

        def save():
            response = client.post(
                url, {**first, "shown": [q.code for q in section.questions], "action": "next"}
            )
            assert response.status_code in (200, 302), response.status_code

        def health():
            assert client.get("/sante/").status_code == 200

        base = median_ms(health)
        shown = median_ms(show)
        saved = median_ms(save)
        stored = Response.objects.get(campaign=campaign, provider=provider).answers
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {engine}, {RUNS} runs each")
        print(f"baseline /sante/          {base:7.1f} ms")
        print(f"section page GET          {shown:7.1f} ms   ({shown / base:.1f}x baseline)")
        print(f"section page POST (save)  {saved:7.1f} ms   ({saved / base:.1f}x baseline)")
        print(f"answers stored: {len(stored)}")
    finally:
        Office.objects.filter(slug=SLUG).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
