"""Fuzzing the importers with mutants of real samples and of our fixtures.

Each format gets a few thousand mutants from a seeded generator (reproducible: a
failure names its seed and mutant number): fields swapped for values of another type,
huge values, deep nesting, keys dropped, files truncated, bytes flipped, bad encodings.
Whatever the mutant, reading either gives records or raises ImportFileError, planning
never raises, and applying either writes or raises ImportRejected having written
nothing: no other exception ever reaches the office.
"""

import csv
import functools
import io
import json
import os
import random
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.db import transaction

from balise.members import imports
from balise.members.models import Provider

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAMPLES = FIXTURES / "samples"
SEED = 20240917


def _apidae_seeds() -> list:
    seeds = [json.loads((SAMPLES / "apidae" / "hot_fr_en.json").read_text(encoding="utf-8"))]
    with zipfile.ZipFile(SAMPLES / "apidae" / "json_export.zip") as archive:
        for name in archive.namelist():
            if name.startswith("objets_modifies/") and name.endswith(".json"):
                seeds.append(json.loads(archive.read(name)))
    return seeds


def _datatourisme_seeds() -> list:
    seeds = [json.loads((FIXTURES / "imports" / "datatourisme_graph.json").read_text())]
    # The real objects are big (150-430 KB): their first levels keep every shape.
    for path in sorted((SAMPLES / "datatourisme").glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        seeds.append({k: v for k, v in obj.items() if len(json.dumps(v)) < 20_000})
    return seeds


def _tourinsoft_seeds() -> list:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((SAMPLES / "tourinsoft").glob("*.json"))
    ]


# -- Mutations of a parsed document -------------------------------------------------------


def _nodes(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


class Raw:
    """JSON text put as is in a mutant (nesting too deep for json.dumps to write)."""

    def __init__(self, text: str):
        self.text = text


def _nested(rng: random.Random) -> Raw:
    depth = rng.choice([10, 200, 900, 3000, 100_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return Raw(opener * depth + rng.choice(["1", '"x"', "null"]) + closer * depth)


def dumps(document, rng: random.Random) -> bytes:
    """``document`` as JSON, its Raw values written as they are."""
    raws: list[str] = []

    def placeholder(value):
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"@@raw{len(raws) - 1}@@"
        raise TypeError(type(value))

    text = json.dumps(document, ensure_ascii=rng.random() < 0.5, default=placeholder)
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@raw{index}@@"', raw)
    return text.encode("utf-8", "surrogatepass")


def _odd_value(rng: random.Random):
    return rng.choice(
        [
            lambda: None,
            lambda: True,
            lambda: 0,
            lambda: -1,
            lambda: 10**4000,
            lambda: 1e308,
            lambda: 3.5,
            lambda: "",
            lambda: "x" * rng.choice([1, 300, 200_000]),
            lambda: "\u0000\ud800é\u202f\r\n<script>",
            lambda: '=HYPERLINK("http://x")',
            lambda: [],
            lambda: {},
            lambda: [1, 2],
            lambda: ["a", {"b": [None]}],
            lambda: {"fr": 5, "@value": [1], "@id": ["x"], "libelleFr": {}},
            lambda: _nested(rng),
        ]
    )()


@functools.cache
def _paths(seed: str) -> list[tuple]:
    return [path for path, _value in _nodes(json.loads(seed)) if path]


def mutate_tree(seed: str, rng: random.Random):
    """The JSON document ``seed`` with a few of its values replaced, dropped or duplicated."""
    document = json.loads(seed)
    paths = _paths(seed)
    for path in rng.sample(paths, min(len(paths), rng.randint(1, 4))):
        try:
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            key = path[-1]
            action = rng.random()
            if action < 0.7:
                parent[key] = _odd_value(rng)
            elif action < 0.85 and isinstance(parent, dict):
                del parent[key]
            elif isinstance(parent, list):
                parent.append(parent[key])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced this path's parent
    return document


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """``data`` truncated, flipped, re-encoded or padded."""
    action = rng.randrange(7)
    if action == 0:
        return data[: rng.randrange(len(data) + 1)]
    if action == 1:
        data = bytearray(data)
        for _flip in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if action == 2:
        return data.decode("utf-8", "replace").encode("utf-16") + b"\x00" * rng.randint(0, 1)
    if action == 3:
        return b"\xef\xbb\xbf" + data
    if action == 4:
        return data.decode("utf-8", "replace").encode("cp1252", "replace")
    if action == 5:
        cut = rng.randrange(len(data) + 1)
        return data[:cut] + rng.choice([b"\\ud800", b"\x00", b"\xff\xfe", b"[" * 5000]) + data[cut:]
    return data + rng.choice([b"", b" ", b"{", b"]", b"\n\n"])


# -- Running one mutant -----------------------------------------------------------------


@pytest.fixture
def scratch(tmp_path):
    """A folder for the mutant files: in memory when the system offers one (each mutant
    is written then opened a few times, and some disks take milliseconds per open)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="balise-fuzz-") as folder:
        yield Path(folder)


class Checker:
    """Runs mutants through read → plan → apply and counts what happened."""

    def __init__(self, office, fmt: str, path: Path):
        self.office = office
        self.format = fmt
        self.path = path
        self.outcomes = {"records": 0, "refused": 0, "applied": 0, "rejected": 0}

    def run(self, data: bytes, label: str, *, plan: bool, apply: bool) -> None:
        self.path.write_bytes(data)
        try:
            records = imports.read_records(
                format=self.format, paths=[self.path], office=self.office
            )
        except imports.ImportFileError as error:
            assert str(error), label
            self.outcomes["refused"] += 1
            return
        except Exception as error:
            raise AssertionError(f"{label}: {type(error).__name__}: {error}") from error
        self.outcomes["records"] += 1
        if not (plan or apply):
            return
        plan = imports.plan_import(office=self.office, records=records)
        if not apply:
            return
        try:
            with transaction.atomic():
                try:
                    imports.apply_import(office=self.office, plan=plan)
                except imports.ImportRejected:
                    assert not Provider.objects.exists(), f"{label}: rejected but written"
                    self.outcomes["rejected"] += 1
                    return
                self.outcomes["applied"] += 1
                raise _Rollback
        except _Rollback:
            pass


class _Rollback(Exception):
    pass


def _json_mutants(seeds: list, rng: random.Random, count: int):
    seeds = [json.dumps(seed) for seed in seeds]
    for number in range(count):
        seed = rng.choice(seeds)
        data = dumps(mutate_tree(seed, rng), rng)
        if rng.random() < 0.3:
            data = mutate_bytes(data, rng)
        yield number, data


JSON_FORMATS = {
    "apidae": (_apidae_seeds, 2000),
    "datatourisme": (_datatourisme_seeds, 1200),
    "tourinsoft": (_tourinsoft_seeds, 2000),
}


@pytest.mark.parametrize("fmt", sorted(JSON_FORMATS))
def test_json_mutants_never_crash(office, scratch, fmt):
    seeds_of, count = JSON_FORMATS[fmt]
    rng = random.Random(f"{SEED}-{fmt}")
    checker = Checker(office, fmt, scratch / "mutant.json")
    for number, data in _json_mutants(seeds_of(), rng, count):
        checker.run(
            data,
            f"{fmt} mutant {number} (seed {SEED})",
            plan=number % 5 == 0,
            apply=number % 25 == 0,
        )
    # The mutants reach every stage, not just the file-level refusals.
    assert checker.outcomes["records"] > count // 3, checker.outcomes
    assert checker.outcomes["refused"] > count // 20, checker.outcomes
    assert checker.outcomes["applied"], checker.outcomes


def _csv_rows() -> list[list[str]]:
    text = (FIXTURES / "imports" / "adherents_haut_vallon.csv").read_bytes().decode("cp1252")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _csv_mutant(rows: list[list[str]], rng: random.Random) -> bytes:
    rows = [list(row) for row in rows]
    for _round in range(rng.randint(1, 5)):
        row = rng.choice(rows)
        if not row:
            continue
        index = rng.randrange(len(row))
        row[index] = rng.choice(
            [
                "",
                "x" * rng.choice([300, 140_000]),
                "9" * 5000,
                "=1+1",
                "\x00\r\n",
                '"',
                "é;è",
                "+33 6 00 00 00 00 00 00",
                "pas-un-email@",
                "1e400",
                "-91.5",
                str(rng.random()),
            ]
        )
    delimiter = rng.choice([";", ",", "\t"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    data = buffer.getvalue().encode(rng.choice(["utf-8", "cp1252", "utf-16"]), "replace")
    if rng.random() < 0.3:
        data = mutate_bytes(data, rng)
    return data


def test_csv_mutants_never_crash(office, scratch):
    rng = random.Random(f"{SEED}-csv")
    rows = _csv_rows()
    checker = Checker(office, "csv", scratch / "mutant.csv")
    for number in range(2000):
        checker.run(
            _csv_mutant(rows, rng),
            f"csv mutant {number} (seed {SEED})",
            plan=number % 5 == 0,
            apply=number % 25 == 0,
        )
    assert checker.outcomes["records"] > 1000, checker.outcomes
    assert checker.outcomes["applied"] and checker.outcomes["rejected"], checker.outcomes


def _workbook(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_mutant(template: bytes, rng: random.Random) -> bytes:
    """The workbook with one of its XML parts mutated as bytes."""
    source = zipfile.ZipFile(io.BytesIO(template))
    victim = rng.choice(source.namelist())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == victim:
                data = mutate_bytes(data, rng)
            archive.writestr(info.filename, data)
    data = buffer.getvalue()
    return mutate_bytes(data, rng) if rng.random() < 0.1 else data


def test_xlsx_mutants_never_crash(office, scratch):
    rng = random.Random(f"{SEED}-xlsx")
    rows = _csv_rows()
    checker = Checker(office, "xlsx", scratch / "mutant.xlsx")
    for number in range(600):
        template = _workbook(
            [[rng.choice([cell, 10**20, 1.5, None, "=A1"]) for cell in row] for row in rows]
            if number % 3 == 0
            else rows
        )
        checker.run(
            _xlsx_mutant(template, rng),
            f"xlsx mutant {number} (seed {SEED})",
            plan=number % 5 == 0,
            apply=number % 25 == 0,
        )
    assert checker.outcomes["records"] > 100, checker.outcomes
    assert checker.outcomes["refused"] > 100, checker.outcomes
