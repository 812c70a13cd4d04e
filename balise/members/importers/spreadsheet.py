"""Spreadsheets typed by hand: CSV (any delimiter, any common encoding) and XLSX.

Reading: the encoding is UTF-16 when the file starts with its byte-order mark, else
UTF-8 when the whole file is valid UTF-8 (with or without BOM), else Windows-1252; the
delimiter is found by trying ``;``, tab, ``,`` and ``|`` on the first lines and keeping
the one that gives the most consistent columns. The title row is the first of the first
ten rows where at least two cells look like known column titles (files often start with
a title line such as "Liste des adhérents 2024"). Blank rows are ignored. Line numbers in
messages are the ones the office sees in its spreadsheet.

Rows are read as a stream, one at a time: a table is never held in memory whole. A line
over 1 MiB or a cell over 128 KiB is refused, and so is an XLSX workbook whose parts
would expand too much or that declares a DTD (see ``base.check_workbook``).

Which column fills which field is decided in ``columns.py``; the office confirms or
changes that mapping before the import.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import SOCIAL_NETWORKS, Source

from .base import Entry, ImportFileError, ProviderRecord, check_workbook, unreadable_workbook
from .builder import RecordBuilder
from .cleaning import cell_text
from .columns import APPEND_FIELDS, guess_field

MAX_LINE_CHARS = 1024 * 1024
MAX_COLUMNS = 256  # XLSX columns read; a sheet may claim 16,384
_CHUNK = 1024 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # The five bytes Windows-1252 leaves undefined are read as Latin-1 (control
    # characters) rather than refusing a file that is otherwise fine.
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("balise-latin-1", _latin1_fallback)

# -- Reading the grid ------------------------------------------------------------------


class _NoRows(ImportFileError):
    """A table without a single non-blank row."""


@dataclass
class Table:
    """A spreadsheet's title row and its data rows, each with its line number in the
    file, read as they come (once)."""

    name: str
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]


def _blank(row: list[Any] | tuple) -> bool:
    return row.count(None) == len(row) or all(cell_text(cell) == "" for cell in row)


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
        raise _NoRows(_("Le fichier « %(name)s » ne contient aucune ligne.") % {"name": name})
    title_index = _title_row_index([row for _number, row in head])
    width_cells = list(head[title_index][1])
    while width_cells and cell_text(width_cells[-1]) == "":
        width_cells.pop()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from head[title_index + 1 :]
        for number, row in numbered_rows:
            if not _blank(row):
                yield number, row

    return Table(name=name, headers=_unique_headers(width_cells), rows=rows())


# -- CSV -------------------------------------------------------------------------------


def _csv_encoding(entry: Entry) -> str:
    """The file's encoding, after a first reading that refuses what is not text."""
    with entry.open() as stream:
        head = stream.read(4096)
        if not head.strip():
            raise ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": entry.name})
        if head.startswith(b"PK\x03\x04"):
            raise ImportFileError(
                _(
                    "« %(name)s » est un classeur Excel (XLSX), pas un CSV : "
                    "choisissez le format XLSX."
                )
                % {"name": entry.name}
            )
        if head.startswith(_UTF16_BOMS):
            return "utf-16"
        if b"\x00" in head:
            raise ImportFileError(
                _("« %(name)s » n'est pas un fichier texte CSV.") % {"name": entry.name}
            )
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _lines(entry: Entry, encoding: str) -> Iterator[str]:
    """The file's lines, each at most MAX_LINE_CHARS long (else a French error)."""
    errors = "balise-latin-1" if encoding == "cp1252" else "strict"
    with entry.open() as stream:
        text = io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
        number = 0
        try:
            while line := text.readline(MAX_LINE_CHARS):
                number += 1
                if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                    raise ImportFileError(
                        _(
                            "« %(name)s », ligne %(line)s : ligne trop longue "
                            "(plus d'un million de caractères)."
                        )
                        % {"name": entry.name, "line": number}
                    )
                yield line
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _(
                    "« %(name)s » n'est pas un texte %(encoding)s valide "
                    "(près de la ligne %(line)s) : enregistrez-le en UTF-8."
                )
                % {"name": entry.name, "encoding": encoding.upper(), "line": number + 1}
            ) from error
        finally:
            text.detach()


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ";", -1.0
    for delimiter in (";", "\t", ",", "|"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # a field over csv.field_size_limit(): not this delimiter
            continue
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


def _csv_rows(lines: Iterator[str], delimiter: str, name: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(
            _("« %(name)s » : CSV illisible près de la ligne %(line)s (%(error)s).")
            % {"name": name, "line": reader.line_num, "error": _csv_problem(error)}
        ) from error


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return _("une cellule dépasse %(size)s Kio") % {"size": csv.field_size_limit() // 1024}
    return _("guillemets ou caractères inattendus")


@contextmanager
def open_csv(entry: Entry, *, delimiter: str | None = None) -> Iterator[Table]:
    """The table of a CSV file, its rows read as the caller goes.

    Raises ImportFileError (French, naming the file) when it is not a readable CSV.
    """
    encoding = _csv_encoding(entry)
    if not delimiter:
        first: list[str] = []
        for line in _lines(entry, encoding):
            if line.strip():
                first.append(line)
            if len(first) >= 30:
                break
        delimiter = _sniff_delimiter(first)
    lines = _lines(entry, encoding)
    try:
        yield _build_table(_csv_rows(lines, delimiter, entry.name), entry.name)
    finally:
        lines.close()


# -- XLSX ------------------------------------------------------------------------------


def _guarded(rows: Iterator, name: str) -> Iterator:
    """The rows of a sheet; whatever the XLSX reader trips on becomes a French error.

    The reader is third-party code facing hostile XML: its failures (syntax errors,
    numbers too long, missing parts...) are many and undocumented.
    """
    try:
        yield from rows
    except ImportFileError:
        raise
    except Exception as error:
        raise unreadable_workbook(name) from error


@contextmanager
def open_xlsx(entry: Entry) -> Iterator[Table]:
    """The table of the first non-empty sheet of an XLSX workbook (read-only mode).

    Raises ImportFileError (French, naming the file) for a workbook that cannot be read
    or that is refused (see ``base.check_workbook``).
    """
    import openpyxl  # imported here: only spreadsheet imports pay for it

    with entry.open() as stream:
        head = stream.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "« %(name)s » est au format Excel 97-2003 (.xls) : "
                "enregistrez-le en .xlsx ou en CSV."
            )
            % {"name": entry.name}
        )
    if not head.strip():
        raise ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": entry.name})
    with entry.local_path() as path:
        check_workbook(path, entry.name)
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # see _guarded
            raise unreadable_workbook(entry.name) from error
        try:
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # the size a sheet claims is not trusted
                rows = _guarded(
                    enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1),
                    entry.name,
                )
                try:
                    table = _build_table(rows, entry.name)
                except _NoRows:
                    continue
                yield table
                return
            raise _NoRows(
                _("Le fichier « %(name)s » ne contient aucune ligne.") % {"name": entry.name}
            )
        finally:
            workbook.close()


@contextmanager
def open_table(entry: Entry, *, format: str, delimiter: str | None = None) -> Iterator[Table]:
    """The table of a CSV or XLSX entry (see open_csv and open_xlsx)."""
    if format == "csv":
        with open_csv(entry, delimiter=delimiter) as table:
            yield table
    else:
        with open_xlsx(entry) as table:
            yield table


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
            origin=(table.name, number),
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
