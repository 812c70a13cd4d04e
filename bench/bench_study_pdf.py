"""Study PDF benchmark: the printed territory study of the demo office.

Times, on the demo territory (``build_demo``: ~400 providers, two campaigns a year apart):

- ``build_study`` (the aggregates, cache cleared before each run),
- the HTML of the printed study, and the PDF (WeasyPrint) of that HTML,
- the whole ``render_study_pdf`` path as the download view runs it,
- the XLSX export (every table plus the anonymised answers),

against a baseline timed in the same run: WeasyPrint laying out a one-page "Bonjour"
document with the same fetcher and fonts (the fixed cost of the PDF engine here). The
study has no budget of its own in design.md; the figure to watch is the ratio to that
baseline, and the individual report's budget (1.5 s) is printed for scale.

Run from the repository root:

    .venv/bin/python bench/bench_study_pdf.py                 # throw-away SQLite file
    BENCH_PDF=/tmp/etude.pdf .venv/bin/python bench/bench_study_pdf.py   # keep the PDF

BENCH_RUNS (default 3) timed runs; medians are printed. A 20,000-provider seed is not
built here: the study's figures are aggregated in SQL (see bench for the dashboard), so
the PDF's own cost depends on the number of tables and rows, not of providers; the demo
office shows every table.
"""

import io
import os
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

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import translation  # noqa: E402

from balise.demo.builder import build_demo  # noqa: E402
from balise.diagnostics.models import Campaign  # noqa: E402
from balise.insights.exports import xlsx_workbook  # noqa: E402
from balise.insights.pdf import render_study_html, render_study_pdf  # noqa: E402
from balise.insights.study import build_study  # noqa: E402
from balise.lib.pdf import html_to_pdf  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BASELINE_HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Bonjour</title>'
    '<link rel="stylesheet" href="/static/balise/study.css"></head>'
    '<body class="study-pdf"><h1>Bonjour</h1></body></html>'
)


def timed(function, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        cache.clear()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    translation.activate("fr")
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    build_demo()
    print(f"demo built in {time.perf_counter() - start:.1f} s")
    campaigns = list(
        Campaign.objects.filter(office__slug="haut-vallon").select_related("office", "version")
    )
    campaigns.sort(key=lambda c: c.starts_on)
    campaign, compare = campaigns[-1], (campaigns[-2] if len(campaigns) > 1 else None)
    print(f"campaign: {campaign.name} ({campaign.responses.count()} responses)")

    baseline, _pdf = timed(lambda: html_to_pdf(BASELINE_HTML))
    study_time, study = timed(lambda: build_study(campaign, compare=compare))
    html_time, html = timed(lambda: render_study_html(study, office=campaign.office))
    layout_time, pdf = timed(lambda: html_to_pdf(html))
    total_time, _pdf = timed(
        lambda: render_study_pdf(build_study(campaign, compare=compare), office=campaign.office)
    )

    def xlsx():
        buffer = io.BytesIO()
        xlsx_workbook(study, campaign=campaign).save(buffer)
        return buffer.getvalue()

    xlsx_time, workbook = timed(xlsx)
    if os.environ.get("BENCH_PDF"):
        Path(os.environ["BENCH_PDF"]).write_bytes(pdf)

    rows = sum(len(table.rows) for table in study.tables)
    charts = sum(len(table.charts) for table in study.tables)
    print(
        f"study: {len(study.tables)} tables, {rows} rows, {charts} charts, "
        f"{len(study.findings)} findings; PDF {len(pdf) / 1024:.0f} KiB, "
        f"XLSX {len(workbook) / 1024:.0f} KiB"
    )
    print(f"baseline one-page PDF      {baseline:7.3f} s")
    print(f"build_study (cold cache)   {study_time:7.3f} s")
    print(f"study HTML                 {html_time:7.3f} s")
    print(
        f"study PDF layout           {layout_time:7.3f} s  ({layout_time / baseline:.1f}x baseline)"
    )
    print(
        f"study PDF, whole download  {total_time:7.3f} s  ({total_time / baseline:.1f}x baseline)"
    )
    print(f"study XLSX with answers    {xlsx_time:7.3f} s")
    print("(individual report budget for scale: 1.5 s)")


if __name__ == "__main__":
    main()
