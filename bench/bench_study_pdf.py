"""Study PDF benchmark: the printed territory study of the demo office.

On the demo territory (``build_demo``: ~400 providers, two campaigns a year apart), for
the unfiltered study as downloaded (no comparison) and compared with the previous
campaign, times:

- ``build_study`` (the aggregates, cache cleared before each run),
- the printed study: its HTML, then the PDF laid out by WeasyPrint,

and prints the page count, against the budget (build + render ≤ 2 s, ≤ 12 pages, the
first one a summary) and against a baseline timed in the same run: WeasyPrint laying out
a one-page "Bonjour" document with the same fetcher and fonts (the fixed cost of the PDF
engine here). Times are the median of the runs, wall clock and CPU time of this process:
on a machine shared with other jobs the wall clock stretches, the CPU time much less.
The XLSX export (every table plus the anonymised answers) is timed for scale.

Figures (December 2026, 2 cores shared with other jobs), CPU time of build + render:
unfiltered 1.4 s on 7 pages, compared 1.8 s on 8 pages; before the one-page summary
and the printing plans, 4 s on 24 pages.

Run from the repository root:

    .venv/bin/python bench/bench_study_pdf.py                 # throw-away SQLite file
    BENCH_PDF=/tmp/etude.pdf .venv/bin/python bench/bench_study_pdf.py   # keep the PDF

BENCH_RUNS (default 3) timed runs. A 20,000-provider seed is not built here: the
study's figures are aggregated in SQL (see bench for the dashboard), so the PDF's own
cost depends on the number of tables, rows and charts, not of providers.
"""

import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
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
import pypdfium2  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import translation  # noqa: E402

from balise.demo.builder import build_demo  # noqa: E402
from balise.diagnostics.models import Campaign  # noqa: E402
from balise.insights.exports import xlsx_workbook  # noqa: E402
from balise.insights.pdf import render_study_pdf  # noqa: E402
from balise.insights.study import build_study  # noqa: E402
from balise.lib.pdf import html_to_pdf  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BASELINE_HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Bonjour</title>'
    '<link rel="stylesheet" href="/static/balise/study.css"></head>'
    '<body class="study-pdf"><h1>Bonjour</h1></body></html>'
)


BUDGET_SECONDS = 2.0
BUDGET_PAGES = 12


@dataclass
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:7.3f} s wall {self.cpu:7.3f} s CPU"


def timed(function, runs: int = RUNS) -> tuple[Timing, object]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        cache.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus)), result


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


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
    campaign, previous = campaigns[-1], (campaigns[-2] if len(campaigns) > 1 else None)
    print(f"campaign: {campaign.name} ({campaign.responses.count()} responses)")

    baseline, _pdf = timed(lambda: html_to_pdf(BASELINE_HTML))
    print(f"baseline one-page PDF       {baseline}")
    failed = False
    for name, compare in (("unfiltered", None), ("compared", previous)):
        build, study = timed(lambda compare=compare: build_study(campaign, compare=compare))
        render, pdf = timed(lambda study=study: render_study_pdf(study, office=campaign.office))
        pages = page_count(pdf)
        total = Timing(build.wall + render.wall, build.cpu + render.cpu)
        rows = sum(len(table.rows) for table in study.tables)
        print(
            f"{name}: {len(study.tables)} tables, {rows} rows, {len(study.findings)} "
            f"findings; PDF {len(pdf) / 1024:.0f} KiB, {pages} pages (budget {BUDGET_PAGES})"
        )
        print(f"  build_study (cold cache)  {build}")
        print(f"  render (HTML + PDF)       {render}")
        print(
            f"  build + render            {total}  "
            f"({total.wall / baseline.wall:.1f}x baseline wall, "
            f"{total.cpu / baseline.cpu:.0f}x baseline CPU; budget {BUDGET_SECONDS:.0f} s)"
        )
        failed |= pages > BUDGET_PAGES or total.cpu > BUDGET_SECONDS
        if name == "unfiltered" and os.environ.get("BENCH_PDF"):
            Path(os.environ["BENCH_PDF"]).write_bytes(pdf)

    def xlsx():
        buffer = io.BytesIO()
        xlsx_workbook(study, campaign=campaign).save(buffer)
        return buffer.getvalue()

    xlsx_time, _workbook = timed(xlsx)
    print(f"study XLSX with answers     {xlsx_time}")
    if failed:
        print("OVER BUDGET")
        sys.exit(1)


if __name__ == "__main__":
    main()
