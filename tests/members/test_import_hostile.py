"""Hostile files: refused before they are expanded, or read within bounds, and always a
French message naming the file (and the record when it can), with nothing written.

The files are built here (see ``hostile.py``), at sizes that keep the suite fast: the
limits they hit are the real ones, or lowered for the test when the real one would take
gigabytes to reach. Peak memory at full size is measured by bench/bench_hostile_imports.py.
"""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from balise.members import imports
from balise.members.importers import base, jsonstream
from balise.members.models import Provider

from . import hostile

MB = hostile.MB


def read(office, path: Path, fmt: str):
    return imports.read_records(format=fmt, paths=[path], office=office)


def refused(office, path: Path, fmt: str, match: str) -> str:
    with pytest.raises(imports.ImportFileError, match=match) as caught:
        read(office, path, fmt)
    message = str(caught.value)
    return message


# -- Refused before expanding -----------------------------------------------------------


def test_a_small_zip_of_huge_tables_is_refused_from_its_directory(office, tmp_path):
    path = hostile.zip_of_big_csvs(tmp_path / "adherents.zip", count=5, member_bytes=8 * MB)
    assert path.stat().st_size < MB
    refused(office, path, "csv", "« adherents.zip » est trop volumineuse une fois décompressée")


def test_a_zip_of_one_huge_json_is_refused(office, tmp_path):
    path = hostile.zip_of_big_json(tmp_path / "export.zip", size=16 * MB)
    for fmt in ("datatourisme", "apidae", "tourinsoft"):
        refused(office, path, fmt, "« export.zip » est trop volumineuse")


def test_a_zip_expanding_past_the_total_limit_is_refused(office, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "MAX_ZIP_TOTAL_BYTES", 2 * MB)
    path = tmp_path / "lot.zip"
    with zipfile.ZipFile(path, "w") as archive:  # stored: no compression ratio to catch
        for index in range(3):
            archive.writestr(f"t{index}.csv", b"Nom\n" + b"A\n" * (MB // 2))
    refused(office, path, "csv", "trop volumineuse")


def test_a_zip_listing_too_many_files_is_refused_before_its_directory_is_parsed(
    office, tmp_path, monkeypatch
):
    monkeypatch.setattr(base, "MAX_ZIP_FILES", 10)
    path = tmp_path / "lot.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(11):
            archive.writestr(f"o{index}.json", b"{}")
    refused(office, path, "datatourisme", "« lot.zip » contient trop de fichiers")


def test_an_xlsx_with_huge_shared_strings_is_refused(office, tmp_path):
    path = hostile.xlsx_with_big_shared_strings(tmp_path / "membres.xlsx", size=8 * MB)
    refused(office, path, "xlsx", "« membres.xlsx » est trop volumineuse")


def test_shared_strings_have_their_own_limit(office, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "MAX_SHARED_STRINGS_BYTES", MB)
    path = hostile.xlsx_with_many_shared_strings(tmp_path / "membres.xlsx", size=2 * MB)
    refused(office, path, "xlsx", "trop volumineuse")


def test_nested_zips_are_refused(office, tmp_path):
    path = hostile.nested_zip(tmp_path / "lot.zip", depth=3)
    refused(office, path, "csv", r"« lot.zip » contient une autre archive \(« niveau-1.zip »\)")


# -- Unreadable content: a clear error ---------------------------------------------------


@pytest.mark.parametrize("builder", [hostile.utf16_odd_bytes, hostile.utf16_lone_surrogate])
def test_broken_utf16_is_explained(office, tmp_path, builder):
    path = builder(tmp_path / "membres.csv")
    refused(office, path, "csv", "« membres.csv » n'est pas un texte UTF-16 valide")


def test_a_huge_field_among_the_first_lines_is_explained(office, tmp_path):
    path = hostile.csv_with_huge_field(tmp_path / "membres.csv")
    refused(office, path, "csv", "« membres.csv » : CSV illisible près de la ligne 2 .*128 Kio")


def test_a_line_over_a_million_characters_is_refused(office, tmp_path):
    path = tmp_path / "membres.csv"
    path.write_text("Nom;Ville\n" + "x;" * 600_000 + "\n", encoding="utf-8")
    refused(office, path, "csv", "« membres.csv », ligne 2 : ligne trop longue")


@pytest.mark.parametrize("fmt", sorted(hostile.JSON_SHAPES))
def test_json_nested_100000_deep_is_explained(office, tmp_path, fmt):
    path = hostile.json_file(tmp_path / "flux.json", fmt, hostile.deeply_nested(100_000))
    refused(office, path, fmt, "« flux.json » est imbriqué trop profondément")


@pytest.mark.parametrize("fmt", sorted(hostile.JSON_SHAPES))
def test_an_integer_of_100000_digits_is_explained(office, tmp_path, fmt):
    path = hostile.json_file(tmp_path / "flux.json", fmt, "9" * 100_000)
    refused(office, path, fmt, "« flux.json » contient un nombre beaucoup trop long")


@pytest.mark.parametrize("fmt", sorted(hostile.JSON_SHAPES))
def test_an_item_over_the_memory_budget_is_refused(office, tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(jsonstream, "UNIT_BUDGET", 4 * MB)
    monkeypatch.setattr(jsonstream, "KEPT_BUDGET", 4 * MB)
    path = hostile.json_file(tmp_path / "flux.json", fmt, json.dumps(["x"] * 400_000))
    refused(office, path, fmt, "« flux.json » contient un objet trop volumineux")


def test_utf16_json_with_odd_bytes_is_explained(office, tmp_path):
    path = tmp_path / "flux.json"
    path.write_bytes(hostile.JSON_SHAPES["tourinsoft"].format(inner='"x"').encode("utf-16") + b"!")
    refused(office, path, "tourinsoft", "« flux.json » n'est pas un fichier JSON")


def test_lone_surrogates_in_json_are_replaced_not_crashing_the_write(office, tmp_path):
    path = hostile.json_file(tmp_path / "flux.json", "apidae", '"Vue \\ud83d sur le Gardon"')
    records = read(office, path, "apidae")
    assert records[0].fields["description"] == "Vue \ufffd sur le Gardon"
    imports.apply_import(office=office, plan=imports.plan_import(office=office, records=records))
    assert Provider.objects.get(office=office).description == "Vue \ufffd sur le Gardon"


@pytest.mark.parametrize(
    ("builder", "match"),
    [
        (hostile.xlsx_with_dtd, "déclaration DTD, refusée"),
        (hostile.xlsx_malformed, "n'est pas un classeur Excel"),
        (hostile.xlsx_long_number, "n'est pas un classeur Excel"),
    ],
)
def test_hostile_workbooks_are_explained(office, tmp_path, builder, match):
    path = builder(tmp_path / "membres.xlsx")
    refused(office, path, "xlsx", f"« membres.xlsx ».*{match}")


def test_a_workbook_inside_a_zip_gets_the_same_checks(office, tmp_path):
    inner = hostile.xlsx_with_dtd(tmp_path / "membres.xlsx")
    path = tmp_path / "lot.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(inner, "membres.xlsx")
    refused(office, path, "xlsx", "déclaration DTD")


# -- Malformed objects: an error on the record, the others read --------------------------


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("apidae", hostile.apidae_wrong_types()),
        ("datatourisme", hostile.datatourisme_wrong_types()),
        ("tourinsoft", hostile.tourinsoft_wrong_types()),
    ],
)
def test_objects_with_fields_of_the_wrong_type_are_reported_by_record(office, tmp_path, fmt, data):
    path = hostile.save_json(tmp_path / "objets.json", data)
    records = read(office, path, fmt)
    count = len(data["value"]) if fmt == "tourinsoft" else len(data)
    assert len(records) == count
    for record in records:
        assert "(fichier objets.json)" in record.locator
        assert record.locator.startswith("objet ")
        assert "?" not in record.locator, "the record is named by its id"
    plan = imports.plan_import(office=office, records=records)
    if plan.has_errors:
        with pytest.raises(imports.ImportRejected):
            imports.apply_import(office=office, plan=plan)
        assert not Provider.objects.exists()


def test_localisation_as_a_list_names_the_object(office, tmp_path):
    obj = {"id": 42, "type": "HOTELLERIE", "nom": {"libelleFr": "Hôtel"}, "localisation": [1, 2]}
    path = hostile.save_json(tmp_path / "objets.json", [obj])
    (record,) = read(office, path, "apidae")
    assert record.locator == "objet 42 (fichier objets.json)"
    assert record.errors == ["objet illisible : un de ses champs n'a pas la forme attendue"]


# -- Through the command and the web: a message, a failed import, nothing written --------


def test_the_command_reports_a_hostile_file_without_a_traceback(office, tmp_path):
    path = hostile.json_file(tmp_path / "flux.json", "apidae", hostile.deeply_nested(100_000))
    with pytest.raises(CommandError, match=r"« flux\.json » est imbriqué trop profondément"):
        call_command(
            "import_members",
            "--office",
            office.slug,
            "--format",
            "apidae",
            str(path),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Provider.objects.exists()
