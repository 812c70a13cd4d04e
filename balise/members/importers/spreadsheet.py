"""Spreadsheets typed by hand: CSV (any delimiter, any common encoding) and XLSX.

Reading: the encoding is found by trying UTF-8 (with or without BOM), UTF-16 (BOM) and
then Windows-1252; the delimiter by trying ``;``, tab, ``,`` and ``|`` on the first lines
and keeping the one that gives the most consistent columns. The title row is the first
of the first ten rows where at least two cells look like known column titles (files often
start with a title line such as "Liste des adhérents 2024"). Blank rows are ignored.
Line numbers in messages are the ones the office sees in its spreadsheet.

Which column fills which field is decided in ``columns.py``; the office confirms or
changes that mapping before the import.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import SOCIAL_NETWORKS, Source

from .base import ImportFileError, ProviderRecord
from .builder import RecordBuilder
from .cleaning import cell_text
from .columns import APPEND_FIELDS, guess_field

# -- Reading the grid ------------------------------------------------------------------


@dataclass
class Table:
    """A spreadsheet's title row and data rows, each with its line number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ";", -1.0
    for delimiter in (";", "\t", ",", "|"):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        consistency = counts.count(common) / len(counts)
        score = consistency * 10 + min(common, 40) / 40
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _blank(row: list[Any]) -> bool:
    return all(cell_text(cell) == "" for cell in row)


def _unique_headers(cells: list[Any]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        header = cell_text(cell) or _("Colonne %(number)s") % {"number": index}
        if header in seen:
            seen[header] += 1
            header = f"{header} ({seen[header]})"
        else:
            seen[header] = 1
        headers.append(header)
    return headers


def _title_row_index(rows: list[list[Any]]) -> int:
    """Index of the title row among the first rows: the first with two known titles."""
    candidates = rows[:10]
    for index, row in enumerate(candidates):
        if sum(1 for cell in row if guess_field(cell_text(cell))) >= 2:
            return index
    for index, row in enumerate(candidates):
        if sum(1 for cell in row if cell_text(cell)) >= 2:
            return index
    return 0


def _build_table(numbered_rows: Iterator[tuple[int, list[Any]]], name: str) -> Table:
    head: list[tuple[int, list[Any]]] = []
    for numbered in numbered_rows:
        if not _blank(numbered[1]):
            head.append(numbered)
        if len(head) >= 10:
            break
    if not head:
        raise ImportFileError(
            _("Le fichier « %(name)s » ne contient aucune ligne.") % {"name": name}
        )
    title_index = _title_row_index([row for _number, row in head])
    width_cells = head[title_index][1]
    while width_cells and cell_text(width_cells[-1]) == "":
        width_cells = width_cells[:-1]
    table = Table(headers=_unique_headers(width_cells))
    for number, row in head[title_index + 1 :]:
        table.rows.append((number, row))
    for number, row in numbered_rows:
        if not _blank(row):
            table.rows.append((number, row))
    return table


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(
            _("Fichier CSV illisible près de la ligne %(line)s : %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error


def read_csv(data: bytes, *, name: str, delimiter: str | None = None) -> Table:
    """The table of a CSV file. Raises ImportFileError when it is not a readable CSV."""
    if not data.strip():
        raise ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": name})
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("« %(name)s » est un classeur Excel (XLSX), pas un CSV : choisissez le format XLSX.")
            % {"name": name}
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("« %(name)s » n'est pas un fichier texte CSV.") % {"name": name})
    text = _decode(data, name)
    delimiter = delimiter or _sniff_delimiter(text)
    return _build_table(_csv_rows(text, delimiter), name)


def read_xlsx(path_or_data: Path | bytes, *, name: str) -> Table:
    """The table of the first non-empty sheet of an XLSX workbook (read-only mode)."""
    import openpyxl  # imported here: only spreadsheet imports pay for it

    source = io.BytesIO(path_or_data) if isinstance(path_or_data, bytes) else path_or_data
    if isinstance(path_or_data, bytes):
        head = path_or_data[:8]
    else:
        with Path(path_or_data).open("rb") as file:
            head = file.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "« %(name)s » est au format Excel 97-2003 (.xls) : "
                "enregistrez-le en .xlsx ou en CSV."
            )
            % {"name": name}
        )
    if not head.strip():
        raise ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": name})
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise ImportFileError(
            _("« %(name)s » n'est pas un classeur Excel (.xlsx) lisible.") % {"name": name}
        ) from error
    try:
        for sheet in workbook.worksheets:
            rows = (
                (number, list(row))
                for number, row in enumerate(sheet.iter_rows(values_only=True), 1)
            )
            try:
                return _build_table(rows, name)
            except ImportFileError:
                continue
        raise ImportFileError(
            _("Le fichier « %(name)s » ne contient aucune ligne.") % {"name": name}
        )
    finally:
        workbook.close()


# -- Rows to records -------------------------------------------------------------------


def records_from_table(
    table: Table, *, mapping: dict[str, str], locator_suffix: str = ""
) -> Iterator[ProviderRecord]:
    """One record per data row, the columns read through ``mapping`` (title → field)."""
    columns = [(index, mapping.get(header, "")) for index, header in enumerate(table.headers)]
    columns = [(index, field_name) for index, field_name in columns if field_name]
    for number, row in table.rows:
        record = ProviderRecord(
            source=Source.SPREADSHEET,
            external_id="",
            locator=_("ligne %(number)s") % {"number": number} + locator_suffix,
            fields={},
            errors=[],
        )
        builder = RecordBuilder(record, strict=True)
        latitude = longitude = None
        for index, field_name in columns:
            value = row[index] if index < len(row) else None
            if field_name == "external_id":
                record.external_id = record.external_id or cell_text(value)[:200]
            elif field_name == "balise_id":
                text = cell_text(value)
                if text.isdigit():
                    record.balise_id = int(text)
                elif text:
                    record.errors.append(
                        _("identifiant Balise invalide « %(value)s »") % {"value": text}
                    )
            elif field_name == "latitude":
                latitude = latitude if cell_text(latitude) else value
            elif field_name == "longitude":
                longitude = longitude if cell_text(longitude) else value
            else:
                _apply(builder, field_name, value)
        if cell_text(latitude) or cell_text(longitude):
            if not (cell_text(latitude) and cell_text(longitude)):
                record.errors.append(
                    _("latitude et longitude vont ensemble : une seule est remplie")
                )
            else:
                builder.coordinates(latitude, longitude)
        yield builder.finish()


def _apply(builder: RecordBuilder, field_name: str, value: Any) -> None:
    if field_name == "name":
        builder.name(value)
    elif field_name in APPEND_FIELDS:
        builder.text(field_name, value, append=True, separator=APPEND_FIELDS[field_name])
    elif field_name in {"legal_name", "description", "city", "classification"}:
        builder.text(field_name, value)
    elif field_name == "category":
        builder.category(value)
    elif field_name == "postal_code":
        builder.postal_code(value)
    elif field_name == "insee_code":
        builder.insee_code(value)
    elif field_name == "email":
        builder.email(value)
    elif field_name == "phone":
        builder.phone(value)
    elif field_name == "website":
        builder.website(value)
    elif field_name in SOCIAL_NETWORKS:
        builder.social(field_name, value)
    elif field_name in {"labels", "tags"}:
        builder.labels(value, field=field_name)
    elif field_name == "membership_status":
        builder.membership(value)
    elif field_name == "membership_year":
        builder.year("membership_year", value)
    elif field_name == "marketing_consent":
        builder.yes_no("marketing_consent", value)
    else:  # pragma: no cover - mappings are validated before
        raise ValueError(field_name)
