"""The records an import leaves out, as a spreadsheet the office can correct and import.

For a spreadsheet, the rejected rows are written as they were in the file (its own
columns, in its own order) with a last column giving the reason, so that the office fixes
them where they are and imports the corrected file again. For a SIT feed, each rejected
object is one row: where it was, its id, its name and the reason.

The workbook is written in openpyxl's write-only mode (constant memory) and the source
file is read again as a stream; every text cell goes through ``safe_cell``, so a value
such as ``=HYPERLINK(…)`` stays text when the file is opened.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from balise.members.exports import _safe_cell as safe_cell

from .base import open_entries
from .spreadsheet import open_table


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("_" if char in "[]:*?/\\" else char for char in Path(name).stem)[:28]
    title, number = base or "Feuille", 1
    while title in used:
        number += 1
        title = f"{base[:25]} ({number})"
    used.add(title)
    return title


def _reason(row) -> str:
    return " ; ".join([*row.record.errors, *row.errors])


def write_rejected(
    stream: IO[bytes],
    *,
    rows: list,
    format: str,
    paths: list[Path],
    spreadsheet: bool,
    delimiter: str | None = None,
) -> int:
    """Write the rows of a plan that are in error (``rows``: PlannedRow) as an XLSX
    workbook to ``stream``, and return how many were written.

    ``spreadsheet``: the records come from CSV/XLSX ``paths`` of ``format``, read again
    to copy the original cells. Side effects: writes to ``stream`` only.
    Raises ImportFileError if the files cannot be read again.
    """
    rejected = [row for row in rows if row.action == "error"]
    workbook = Workbook(write_only=True)
    reason_title = _("motif du rejet")
    if not spreadsheet:
        sheet = workbook.create_sheet(_("Rejets"))
        sheet.append([_("Où"), _("Identifiant"), _("Nom"), reason_title])
        for row in rejected:
            record = row.record
            sheet.append(
                [
                    _cell(record.locator),
                    _cell(record.external_id),
                    _cell(record.name),
                    _cell(_reason(row)),
                ]
            )
        workbook.save(stream)
        return len(rejected)

    reasons: dict[str, dict[int, str]] = defaultdict(dict)
    for row in rejected:
        if row.record.origin:
            name, number = row.record.origin
            reasons[name][number] = _reason(row)
    written = 0
    used: set[str] = set()
    suffixes = (".csv", ".txt", ".tsv") if format == "csv" else (".xlsx",)
    with open_entries(paths, suffixes=suffixes) as entries:
        for entry in entries:
            wanted = reasons.get(entry.name)
            if not wanted:
                continue
            with open_table(entry, format=format, delimiter=delimiter) as table:
                sheet = workbook.create_sheet(_sheet_title(entry.name, used))
                width = len(table.headers)
                sheet.append([*(_cell(header) for header in table.headers), reason_title])
                for number, cells in table.rows:
                    if number in wanted:
                        cells = list(cells[:width]) + [None] * (width - len(cells))
                        sheet.append([*(_cell(value) for value in cells), _cell(wanted[number])])
                        written += 1
    if not written:
        workbook.create_sheet(_("Rejets")).append([reason_title])
    workbook.save(stream)
    return written
