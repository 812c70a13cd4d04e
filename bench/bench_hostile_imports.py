"""Hostile import files: the peak memory of importing each one, against a normal import.

Budget (issue "hostile files never crash or exhaust the server"): no file makes the
import process exceed 500 MB; each hostile file ends in a French message (or imports,
for the big files within the limits the wizard states), never in a crash.

Run from the repository root:

    .venv/bin/python bench/bench_hostile_imports.py

The files are built under a temporary folder by ``tests/members/hostile.py`` (the same
builders as the tests, at full size: a 2 GB zip bomb, a 1.5 GB shared-strings workbook…;
about 3 GB of disk for a few seconds each). Each file is then imported in its own child
process (read → plan → apply, valid records only), which reports its own peak resident
memory (ru_maxrss); the reference is the import of the real samples in the same run.
The database is a throw-away SQLite file (an existing DATABASE_URL is used as is: give
it a scratch database). The exit status is 1 when a file goes over the budget or ends in
anything but a French message or an import.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_MB = 500.0
MB = 1024 * 1024

_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="balise-bench-hostile-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "balise.settings"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from balise.members.importers import base  # noqa: E402
from tests.members import hostile  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "samples"
FIXTURES = ROOT / "tests" / "fixtures" / "imports"
CSV_HEADER = "Nom;Adresse;Code postal;Commune;Téléphone;Mail;Description\n"


def write_csv(path: Path, *, rows: int, size: int) -> Path:
    """A CSV of ``rows`` providers padded with a description to about ``size`` bytes."""
    pad = max(0, size // rows - 90)
    with path.open("w", encoding="utf-8") as file:
        file.write(CSV_HEADER)
        for i in range(rows):
            file.write(
                f"Gîte n°{i};{i} rue du Pont;30140;Anduze;04 66 {i % 100:02d} {i // 100 % 100:02d}"
                f" 00;gite{i}@example.org;{'Vue sur le Gardon. ' * (pad // 19)}\n"
            )
    return path


def cases(work: Path) -> list[tuple[str, str, Path]]:
    """(label, format, path), the references first."""
    limit = settings.BALISE_IMPORT_MAX_BYTES
    records = settings.BALISE_IMPORT_MAX_RECORDS
    big_json = work / "objets.json"
    with big_json.open("wb") as file:  # a plain (not zipped) 480 MB list, read as a stream
        file.write(b"[")
        item = b'{"@id": "x", "dc:identifier": "X", "rdfs:label": {"fr": ["Gite"]}},'
        for _block in range(480 * MB // (len(item) * 10000)):
            file.write(item * 10000)
        file.write(item[:-1] + b"]")
    return [
        ("reference: DATAtourisme samples", "datatourisme", SAMPLES / "datatourisme"),
        ("reference: messy CSV", "csv", FIXTURES / "adherents_haut_vallon.csv"),
        (
            "zip of five 400 MB CSVs",
            "csv",
            hostile.zip_of_big_csvs(work / "adherents.zip", count=5, member_bytes=400 * MB),
        ),
        ("zip of one 480 MB JSON", "datatourisme", hostile.zip_of_big_json(work / "export.zip")),
        ("plain 480 MB JSON list", "datatourisme", big_json),
        (
            "XLSX, 1.5 GB of shared strings",
            "xlsx",
            hostile.xlsx_with_big_shared_strings(work / "membres.xlsx"),
        ),
        (
            "XLSX at the shared-strings limit",
            "xlsx",
            hostile.xlsx_with_many_shared_strings(
                work / "limite.xlsx", size=base.MAX_SHARED_STRINGS_BYTES
            ),
        ),
        ("nested zips", "csv", hostile.nested_zip(work / "gigogne.zip", depth=5)),
        (
            "JSON nested 100,000 deep",
            "apidae",
            hostile.json_file(work / "profond.json", "apidae", hostile.deeply_nested()),
        ),
        (
            "integer of 100,000 digits",
            "tourinsoft",
            hostile.json_file(work / "nombre.json", "tourinsoft", "9" * 100_000),
        ),
        (
            f"CSV at the upload limit ({limit // MB} MB), 470,000 rows",
            "csv",
            write_csv(work / "tres-long.csv", rows=470_000, size=limit - MB),
        ),
        (
            f"CSV at the upload limit ({limit // MB} MB), {records:,} rows",
            "csv",
            write_csv(work / "limite.csv", rows=records, size=limit - MB),
        ),
    ]


def run_case(format: str, path: Path) -> dict:
    """In the child: import ``path`` into a new office; outcome and peak memory."""
    from balise.members import imports
    from balise.offices.models import Office

    office = Office.objects.create(slug=f"bench-{os.getpid()}", name="Bench")
    start = time.perf_counter()
    try:
        records = list(imports.iter_records(format=format, paths=[path], office=office))
        plan = imports.plan_import(office=office, records=records)
        del records
        counts = imports.apply_import(office=office, plan=plan, skip_invalid=True)
        outcome = f"imported {counts['create']} (rejected {counts['error']})"
    except (imports.ImportFileError, imports.ImportRejected) as error:
        outcome = f"refused: {error}"
    return {
        "outcome": outcome,
        "seconds": time.perf_counter() - start,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory(prefix="balise-hostile-files-") as folder:
        started = time.perf_counter()
        built = cases(Path(folder))
        print(f"{len(built)} files built in {time.perf_counter() - started:.0f} s\n")
        results = []
        for label, format, path in built:
            child = subprocess.run(
                [sys.executable, __file__, "--case", format, str(path)],
                capture_output=True,
                text=True,
                env=os.environ,
                check=False,
            )
            if child.returncode != 0:
                result = {"outcome": "CRASH " + child.stderr.strip()[-300:], "peak_mb": 0.0}
                result["seconds"] = 0.0
            else:
                result = json.loads(child.stdout.strip().splitlines()[-1])
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files) / MB
            results.append((label, format, size, result))
    reference = max(r["peak_mb"] for label, _f, _s, r in results if label.startswith("reference"))
    ok = True
    print(f"{'file':<44}{'format':>13}{'size MB':>9}{'peak MB':>9}{'x ref':>7}{'time':>8}  outcome")
    for label, format, size, result in results:
        within = result["peak_mb"] <= BUDGET_MB and not result["outcome"].startswith("CRASH")
        ok &= within
        print(
            f"{label:<44}{format:>13}{size:>9.1f}{result['peak_mb']:>9.0f}"
            f"{result['peak_mb'] / reference:>6.1f}x{result['seconds']:>7.1f}s  "
            f"{'' if within else 'OVER BUDGET '}{result['outcome'][:110]}"
        )
    print(
        f"\nBudget: {BUDGET_MB:.0f} MB peak per import process (Django included); x ref = "
        f"peak / the larger reference import's peak ({reference:.0f} MB)."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2], Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
