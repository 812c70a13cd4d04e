"""Report benchmark: one individual PDF report vs a minimal WeasyPrint page.

Budget (docs/design.md): an individual PDF report in at most 1.5 s. The baseline, timed in
the same run, is WeasyPrint laying out a one-page "Bonjour" document through the same
offline fetcher and fonts: the fixed cost of the PDF engine on this machine. The ratio
report / baseline tells how much our report adds to it, whatever the machine.

Run from the repository root:

    .venv/bin/python bench/bench_report.py                 # throw-away SQLite file
    BENCH_PNG=/tmp/report .venv/bin/python bench/bench_report.py   # also save each page

The questionnaire is the shipped default (questionnaires/default.yaml) when present, else
the small hand-made one of the tests. A campaign of BENCH_PROVIDERS (default 40) completed
diagnostics, with a previous campaign a year earlier, gives a report with every section
(territory and category averages, evolution). BENCH_RUNS (default 10) timed runs; the
exit status is 1 when the median report time is over budget.
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
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from balise.diagnostics import definition as definitions  # noqa: E402
from balise.diagnostics.answering import complete  # noqa: E402
from balise.diagnostics.conditions import evaluate  # noqa: E402
from balise.diagnostics.models import Response  # noqa: E402
from balise.diagnostics.report_delivery import render_report_html, render_report_pdf  # noqa: E402
from balise.diagnostics.reports import build_report  # noqa: E402
from balise.diagnostics.scoring import visible_sections  # noqa: E402
from balise.lib.pdf import html_to_pdf  # noqa: E402
from balise.members.models import Category, Provider  # noqa: E402
from balise.offices.models import Office  # noqa: E402
from tests.diagnostics.report_questionnaire import DEFINITION, make_campaign, make_version  # noqa: E402

SLUG = "bench-rapport"
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 40))
RUNS = int(os.environ.get("BENCH_RUNS", 10))
BUDGET = 1.5  # seconds
BASELINE_HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Base</title></head>'
    "<body><p>Bonjour</p></body></html>"
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def questionnaire() -> tuple[dict, str]:
    try:
        data = definitions.load_default()
        definitions.load_definition(data)
        return data, "default.yaml"
    except Exception:  # not written yet, or invalid: the bench still runs
        return DEFINITION, "questionnaire de test"


def random_answers(parsed, category: str, rng: random.Random) -> dict:
    """Plausible answers: questions that apply, in order, skewed towards the middle."""
    answers: dict = {}
    for section in visible_sections(parsed, answers, category=category):
        if not evaluate(section.when, answers=answers, category=category):
            continue
        for question in section.questions:
            if not evaluate(question.when, answers=answers, category=category):
                continue
            if question.type in ("single", "yes_partly_no", "scale5"):
                answers[question.code] = rng.choice(question.options).code
            elif question.type == "multiple":
                plain = [option.code for option in question.options if not option.exclusive]
                answers[question.code] = rng.sample(plain, k=rng.randint(1, max(1, len(plain))))
            elif question.type == "number":
                low = question.min if question.min is not None else 0
                high = question.max if question.max is not None else 50
                answers[question.code] = rng.randint(int(low), int(min(high, low + 50)))
    return answers


def seed() -> Response:
    Office.objects.filter(slug=SLUG).delete()
    rng = random.Random(2026)
    data, source = questionnaire()
    started = time.perf_counter()
    with transaction.atomic():
        office = Office.objects.create(slug=SLUG, name="Office de tourisme du Banc d'Essai")
        version = make_version(data)
        parsed = version.parsed
        before = make_campaign(office, version, slug="bench-2025", year=2025)
        now = make_campaign(office, version, slug="bench-2026", year=2026)
        categories = [Category.HOTEL, Category.RENTAL, Category.RESTAURANT, Category.CAMPSITE]
        target = None
        for index in range(PROVIDERS):
            provider = Provider.objects.create(
                office=office,
                name=f"Prestataire {index:03d}" if index else "Hôtel du Vieux Pont",
                category=categories[index % len(categories)],
                email=f"contact{index}@prestataire.example",
            )
            for campaign in (before, now):
                response = Response.objects.create(
                    office=office,
                    campaign=campaign,
                    provider=provider,
                    version=version,
                    answers=random_answers(parsed, provider.category, rng),
                    completed_at=timezone.make_aware(
                        timezone.datetime(campaign.starts_on.year, 2, 1, 10)
                    ),
                )
                complete(response=response)
                if index == 0 and campaign is now:
                    target = response
    print(
        f"seeded {PROVIDERS} providers × 2 campaigns ({source}, "
        f"{len(parsed.questions)} questions) in {time.perf_counter() - started:.1f} s"
    )
    return target


def median_times(first, second, runs: int) -> tuple[float, float]:
    first(), second()  # warm-up: imports, templates, fonts
    timings = ([], [])
    for _ in range(runs):
        for func, times in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def save_pages(data: bytes, folder: str) -> None:
    import pypdfium2 as pdfium  # a development dependency

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            path = target / f"rapport-page-{index + 1}.png"
            document[index].render(scale=1.5).to_pil().save(path)
            print(f"page {index + 1}: {path}")
    finally:
        document.close()


def main() -> int:
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    translation.activate("fr")
    target = seed()
    settings.DEBUG = False
    try:

        def report():
            # A fresh row each time, as a request would load it.
            return render_report_pdf(Response.objects.get(pk=target.pk))

        def baseline():
            return html_to_pdf(BASELINE_HTML)

        data = report()
        report_time, baseline_time = median_times(report, baseline, RUNS)

        fresh = Response.objects.get(pk=target.pk)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            built = build_report(fresh)
            build_time = time.perf_counter() - started
        started = time.perf_counter()
        html = render_report_html(built)
        html_time = time.perf_counter() - started
        started = time.perf_counter()
        html_to_pdf(html)
        pdf_time = time.perf_counter() - started
        if os.environ.get("BENCH_PNG"):
            save_pages(data, os.environ["BENCH_PNG"])
    finally:
        Office.objects.filter(slug=SLUG).delete()

    ratio = report_time / baseline_time
    print(f"report PDF      median of {RUNS}: {ms(report_time)} ({len(data) // 1024} KiB)")
    print(f"minimal PDF     median of {RUNS}: {ms(baseline_time)}")
    print(f"ratio report / minimal page: {ratio:.1f}x")
    print(
        f"one report: build {ms(build_time)} ({len(queries)} queries), "
        f"template {ms(html_time)}, WeasyPrint {ms(pdf_time)}"
    )
    failed = report_time > BUDGET
    print(f"budget: {BUDGET:.1f} s per report → {'FAIL' if failed else 'OK'}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        if _tmp is not None:
            connection.close()
            _tmp.cleanup()
