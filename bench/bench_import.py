"""Import benchmark: 20,000 CSV rows and 20,000 DATAtourisme records, read + plan + apply.

Budget (docs/design.md): importing 20,000 CSV rows or DATAtourisme records takes at most
30 s and 300 MB of memory.

Run from the repository root:

    .venv/bin/python bench/bench_import.py

The script works in a throw-away SQLite file under a temporary folder (DATABASE_URL is
set before Django starts; an existing DATABASE_URL is used as is: give it a scratch
database). It writes the synthetic files there: a messy French CSV (Windows-1252, ";",
phones and e-mails in every format) and a zip of 20,000 DATAtourisme JSON-LD files shaped
like the real samples (nested address and city, translated labels and descriptions,
contacts, opening hours). Each format is then imported in its own child process, so that
the peak memory (ru_maxrss) of one import is not mixed with the other's or with the file
generation. Each child also times:

- the re-import of the same file (everything "unchanged", nothing written);
- the baseline: a raw ``bulk_create`` of the same 20,000 Provider rows, already cleaned,
  in the same process and database. The ratio import / baseline is what compares across
  machines.

BENCH_ROWS (default 20000) changes the size. The exit status is 1 when a budget is missed.
"""

import csv
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
BUDGET_SECONDS = 30.0
BUDGET_MB = 300.0

_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="balise-bench-import-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"
    os.environ["BENCH_WORKDIR"] = _tmp.name
os.environ["DJANGO_SETTINGS_MODULE"] = "balise.settings"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from balise.members import imports  # noqa: E402
from balise.members.models import Provider, normalize_name  # noqa: E402
from balise.offices.models import Office  # noqa: E402

COMMUNES = [
    ("30010", "Anduze", "30140"),
    ("30265", "Saint-Jean-du-Gard", "30270"),
    ("30140", "Lasalle", "30460"),
    ("30311", "Sauve", "30610"),
    ("30263", "Saint-Hippolyte-du-Fort", "30170"),
    ("30165", "Mialet", "30140"),
    ("30132", "Lédignan", "30350"),
    ("30339", "Vézénobres", "30360"),
]
KINDS = [
    (
        "Hôtel**",
        ["schema:Hotel", "Accommodation", "HotelTrade", "PlaceOfInterest", "PointOfInterest"],
    ),
    (
        "gîte",
        [
            "schema:Accommodation",
            "RentalAccommodation",
            "SelfCateringAccommodation",
            "PointOfInterest",
        ],
    ),
    (
        "Chambres d'hôtes",
        ["schema:Accommodation", "Guesthouse", "PlaceOfInterest", "PointOfInterest"],
    ),
    ("camping 3*", ["schema:Campground", "Accommodation", "Camping", "PointOfInterest"]),
    (
        "resto",
        [
            "schema:FoodEstablishment",
            "schema:Restaurant",
            "FoodEstablishment",
            "Restaurant",
            "PointOfInterest",
        ],
    ),
    ("Bar-Tabac", ["schema:BarOrPub", "FoodEstablishment", "BarOrPub", "PointOfInterest"]),
    ("musée", ["CulturalSite", "Museum", "PlaceOfInterest", "PointOfInterest"]),
    ("Cave", ["Winery", "TastingProvider", "PointOfInterest"]),
    ("Canoë-kayak", ["ActivityProvider", "PlaceOfInterest", "PointOfInterest"]),
]
WORDS = [
    "Mas",
    "Moulin",
    "Relais",
    "Jardin",
    "Pont",
    "Source",
    "Olivier",
    "Figuier",
    "Châtaignier",
    "Cigale",
]
LANGS = ["fr", "en", "de", "nl", "it", "es", "pt"]


def _name(i: int) -> str:
    return f"{WORDS[i % len(WORDS)]} {WORDS[(i // 10) % len(WORDS)]} n°{i}"


def _phone(rng: random.Random, i: int) -> str:
    digits = f"04{66000000 + i:08d}"
    style = i % 4
    if style == 0:
        return " ".join(digits[k : k + 2] for k in range(0, 10, 2))
    if style == 1:
        return ".".join(digits[k : k + 2] for k in range(0, 10, 2))
    if style == 2:
        return digits
    return "+33 " + digits[1] + " " + " ".join(digits[k : k + 2] for k in range(2, 10, 2))


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Liste des adhérents"])
    writer.writerow([])
    writer.writerow(
        ["Nom commercial", "Type", "Adresse", "CP", "Ville", "Code INSEE", "Tél", "Mail", "Site",
         "Labels", "Adhérent", "Année d'adhésion", "Consentement", "Latitude", "Longitude", "Notes"]
    )  # fmt: skip
    for i in range(rows):
        insee, city, postal = COMMUNES[i % len(COMMUNES)]
        kind = KINDS[i % len(KINDS)][0]
        writer.writerow(
            [
                _name(i),
                kind,
                f"{i % 90 + 1} chemin des {WORDS[i % 7]}",
                postal,
                city,
                insee,
                _phone(rng, i),
                f"Contact{i}@Prestataire-{i}.FR",
                f"www.prestataire-{i}.fr",
                rng.choice(
                    ["", "Qualité Tourisme", "Logis, Accueil Vélo", "Gîtes de France ; Clef Verte"]
                ),
                rng.choice(["oui", "x", "non", "", "Adhérent 2023"]),
                rng.choice(["2019", "2021", "", "2024"]),
                rng.choice(["oui", "non", "", "1"]),
                f"44,{rng.randrange(10**6):06d}",
                f"3,{rng.randrange(10**6):06d}",
                rng.choice(["", "Rappeler en mars", "Fermé en janvier"]),
            ]
        )
        if i % 500 == 0:
            writer.writerow([])  # blank lines, as in real files
    path.write_bytes(buffer.getvalue().encode("cp1252"))


def _texts(text: str) -> dict:
    return {lang: [text if lang == "fr" else f"{text} ({lang})"] for lang in LANGS}


def datatourisme_object(i: int) -> dict:
    insee, city, postal = COMMUNES[i % len(COMMUNES)]
    types = KINDS[i % len(KINDS)][1]
    base = "https://data.datatourisme.fr/30/"
    description = f"{_name(i)} vous accueille au cœur des Cévennes, à deux pas de la rivière. " * 2
    return {
        "@id": base + str(uuid.UUID(int=i)),
        "dc:identifier": f"XXXOCC030V5{i:05d}",
        "@type": types,
        "rdfs:comment": _texts(description[:200]),
        "rdfs:label": {"fr": [_name(i)], "en": [_name(i)]},
        "creationDate": "2023-01-01",
        "hasBeenCreatedBy": {
            "@id": base + "ot",
            "schema:legalName": "OT du Haut-Vallon",
            "@type": ["schema:Organization"],
        },
        "hasContact": [
            {
                "@id": base + f"contact-{i}",
                "schema:email": [f"contact{i}@prestataire-{i}.fr"],
                "schema:telephone": [_phone(random.Random(i), i)],
                "foaf:homepage": [f"https://www.prestataire-{i}.fr/"],
                "@type": ["foaf:Agent", "Agent"],
            }
        ],
        "hasDescription": [
            {
                "@id": base + f"desc-{i}",
                "dc:description": _texts(description),
                "shortDescription": _texts(description[:120]),
            }
        ],
        "isLocatedAt": [
            {
                "@id": base + f"place-{i}",
                "schema:address": [
                    {
                        "@id": base + f"address-{i}",
                        "schema:addressLocality": city,
                        "schema:postalCode": postal,
                        "schema:streetAddress": [f"{i % 90 + 1} chemin des {WORDS[i % 7]}"],
                        "@type": ["schema:PostalAddress", "PostalAddress"],
                        "hasAddressCity": {
                            "@id": f"kb:{insee}",
                            "@type": ["City"],
                            "rdfs:label": {lang: [city] for lang in LANGS},
                            "insee": insee,
                            "isPartOfDepartment": {
                                "@id": "kb:France7630",
                                "rdfs:label": {"fr": ["Gard"]},
                                "insee": "30",
                            },
                        },
                    }
                ],
                "schema:geo": {
                    "@id": base + f"geo-{i}",
                    "schema:latitude": f"44.{i:06d}",
                    "schema:longitude": f"3.{i:06d}",
                    "@type": ["schema:GeoCoordinates"],
                },
                "schema:openingHoursSpecification": [
                    {
                        "@id": base + f"hours-{i}-{day}",
                        "schema:dayOfWeek": [{"@id": f"schema:{day}", "rdfs:label": _texts(day)}],
                        "schema:opens": "09:00:00",
                        "schema:closes": "18:00:00",
                        "@type": ["schema:OpeningHoursSpecification"],
                    }
                    for day in ("Monday", "Saturday")
                ],
            }
        ],
        "lastUpdate": "2024-05-01",
    }


def write_datatourisme_zip(path: Path, rows: int) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        index = []
        for i in range(rows):
            name = f"objects/{i % 100:02d}/{uuid.UUID(int=i)}.json"
            index.append({"label": _name(i), "file": name})
            archive.writestr(name, json.dumps(datatourisme_object(i), ensure_ascii=False))
        archive.writestr("index.json", json.dumps(index))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_scenario(format: str, path: Path) -> dict:
    """One import in this (child) process; returns its figures."""
    slugs = [f"bench-import-{format}", f"bench-import-{format}-base"]
    Office.objects.filter(slug__in=slugs).delete()  # left over by an interrupted run
    office = Office.objects.create(slug=slugs[0], name=f"Bench {format}")
    start = time.perf_counter()
    records = imports.read_records(format=format, paths=[path], office=office)
    read_done = time.perf_counter()
    plan = imports.plan_import(office=office, records=records)
    plan_done = time.perf_counter()
    counts = imports.apply_import(office=office, plan=plan)
    apply_done = time.perf_counter()
    import_peak = peak_mb()
    assert counts["create"] == ROWS and not plan.has_errors, (counts, plan.error_messages(limit=5))

    values = [row.values for row in plan.rows]
    del records, plan
    start_again = time.perf_counter()
    again = imports.plan_import(
        office=office, records=imports.read_records(format=format, paths=[path], office=office)
    )
    again_done = time.perf_counter()
    assert again.counts["unchanged"] == ROWS, again.counts
    del again

    baseline_office = Office.objects.create(slug=slugs[1], name="Baseline")
    baseline_start = time.perf_counter()
    Provider.objects.bulk_create(
        [
            Provider(office=baseline_office, normalized_name=normalize_name(v["name"]), **v)
            for v in values
        ],
        batch_size=500,
    )
    baseline = time.perf_counter() - baseline_start
    Office.objects.filter(slug__in=slugs).delete()
    total = apply_done - start
    return {
        "format": format,
        "read": read_done - start,
        "plan": plan_done - read_done,
        "apply": apply_done - plan_done,
        "total": total,
        "reimport": again_done - start_again,
        "baseline": baseline,
        "ratio": total / baseline,
        "peak_mb": import_peak,
        "peak_after_reimport_mb": peak_mb(),
    }


def main() -> int:
    own_workdir = not os.environ.get("BENCH_WORKDIR")
    work = Path(os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="balise-bench-files-"))
    try:
        return _run(work)
    finally:
        if own_workdir:
            shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> int:
    call_command("migrate", verbosity=0)
    files = {"csv": work / "adherents.csv", "datatourisme": work / "datatourisme.zip"}
    started = time.perf_counter()
    write_csv(files["csv"], ROWS)
    write_datatourisme_zip(files["datatourisme"], ROWS)
    print(
        f"{ROWS} rows generated in {time.perf_counter() - started:.1f} s: "
        f"CSV {files['csv'].stat().st_size / 2**20:.1f} MB, "
        f"DATAtourisme zip {files['datatourisme'].stat().st_size / 2**20:.1f} MB"
    )
    results = []
    for format, path in files.items():
        child = subprocess.run(
            [sys.executable, __file__, "--scenario", format, str(path)],
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        if child.returncode != 0:
            print(child.stdout, child.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))

    ok = True
    print(f"\nImport of {ROWS} records (budget {BUDGET_SECONDS:.0f} s, {BUDGET_MB:.0f} MB)")
    columns = ["read", "plan", "apply", "total", "re-import", "baseline", "ratio", "peak MB"]
    print(f"{'format':<13}" + "".join(f"{c:>11}" for c in columns) + "  verdict")
    for r in results:
        within = r["total"] <= BUDGET_SECONDS and r["peak_mb"] <= BUDGET_MB
        ok &= within
        cells = [f"{r[k]:.1f} s" for k in ("read", "plan", "apply", "total", "reimport")]
        cells += [f"{r['baseline']:.2f} s", f"{r['ratio']:.1f}x", f"{r['peak_mb']:.0f}"]
        verdict = "OK" if within else "OVER BUDGET"
        print(f"{r['format']:<13}" + "".join(f"{c:>11}" for c in cells) + f"  {verdict}")
    print(
        "\nbaseline: raw bulk_create of the same cleaned rows; ratio = total / baseline;"
        " peak MB = the import process's maximum resident memory (Django included)."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--scenario":
        print(json.dumps(run_scenario(sys.argv[2], Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
