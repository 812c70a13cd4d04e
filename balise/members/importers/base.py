"""What every importer produces, and how input files are opened.

An importer turns one source format into :class:`ProviderRecord` objects: cleaned values
keyed by Provider field names, plus French error messages. Matching against the
directory and writing happen later, in ``balise.members.imports``.

Inputs can be files, folders or zip files (a zip of DATAtourisme JSON files, an Apidae
export...). :func:`iter_entries` walks them all and yields one :class:`Entry` per file,
read lazily so that a folder of 20,000 JSON files is never held in memory at once.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Why a record that is not a provider is left out of the import.
EVENT_REASON = gettext_lazy("événement, pas un prestataire")
DELETED_REASON = gettext_lazy("objet supprimé dans la base d'origine")

# A zip entry bigger than this, or a zip whose content adds up to more, is refused: it
# protects the server from zip bombs while leaving room for a region's export.
MAX_ENTRY_BYTES = 512 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all (bad zip, not JSON, wrong format, empty).

    The message is in French and meant for the person who uploaded the file.
    """


@dataclass
class ProviderRecord:
    """One provider as read from a file, cleaned, not yet matched to the directory.

    ``fields`` holds only the values present in the file: a key is absent when the file
    has nothing for it, so an empty cell never erases existing data.
    """

    source: str  # a members.models.Source value
    external_id: str  # SIT id ("" for spreadsheets without an id column)
    locator: str  # where it came from, for messages: "ligne 12", "objet 123 (fichier x.json)"
    fields: dict[str, Any]  # Provider field names -> cleaned values
    errors: list[str]  # French messages; a record with errors blocks the whole import
    skip_reason: str = ""  # French reason when the record is not a provider
    # Problems that do not block the import (a SIT value that could not be used...).
    warnings: list[str] = field(default_factory=list)
    # The provider's id in Balise, from a re-imported export: the surest match of all.
    balise_id: int | None = None

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    def located(self, message: str) -> str:
        """``message`` prefixed with where the record comes from."""
        return f"{self.locator} : {message}"


@dataclass
class Entry:
    """One file to read: from disk, from a folder or from inside a zip."""

    name: str  # file name as shown to the user ("objets_modifies/objets_modifies-1.json")
    read: Callable[[], bytes]

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


def _is_hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _zip_entries(path: Path, label: str) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportFileError(
            _("Le fichier « %(name)s » n'est pas une archive ZIP lisible.") % {"name": label}
        ) from error
    with archive:
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not _is_hidden(info.filename)
        ]
        if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL_BYTES or any(
            info.file_size > MAX_ENTRY_BYTES for info in infos
        ):
            raise ImportFileError(
                _("L'archive « %(name)s » est trop volumineuse une fois décompressée.")
                % {"name": label}
            )
        for info in sorted(infos, key=lambda info: info.filename):

            def read(info=info) -> bytes:
                try:
                    return archive.read(info)
                except (zipfile.BadZipFile, OSError, EOFError) as error:
                    raise ImportFileError(
                        _("Le fichier « %(name)s » de l'archive est illisible.")
                        % {"name": info.filename}
                    ) from error

            yield Entry(name=info.filename, read=read)


def _looks_like_zip(path: Path) -> bool:
    """An archive to open: by content (an upload keeps its own name), or by a ``.zip``
    name for a broken one. An XLSX workbook is a zip too, but a file, not an archive."""
    if path.suffix.lower() == ".zip":
        return True
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                return "[Content_Types].xml" not in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return True
    if path.suffix.lower() in {".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".json", ".jsonld"}:
        return False  # a broken file of its kind, reported by its own reader
    with path.open("rb") as file:
        return file.read(4) == b"PK\x03\x04"


def iter_entries(paths: list[Path], *, suffixes: tuple[str, ...] | None = None) -> Iterator[Entry]:
    """Every file under ``paths``: plain files, folders (recursively) and zip files.

    Zips are recognised by their content, not their name (an upload keeps its own name).
    ``suffixes`` filters the files found inside folders and zips (".json", ".csv"...);
    a file given directly is always read.
    Raises ImportFileError for a missing path or a broken zip.
    """

    def wanted(name: str) -> bool:
        return suffixes is None or PurePosixPath(name).suffix.lower() in suffixes

    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = child.relative_to(path).as_posix()
                if _is_hidden(relative):
                    continue
                if _looks_like_zip(child):
                    yield from (e for e in _zip_entries(child, relative) if wanted(e.name))
                elif wanted(relative):
                    yield Entry(name=relative, read=child.read_bytes)
        elif path.is_file():
            if _looks_like_zip(path):
                yield from (e for e in _zip_entries(path, path.name) if wanted(e.name))
            else:
                yield Entry(name=path.name, read=path.read_bytes)
        else:
            raise ImportFileError(_("Fichier introuvable : « %(name)s ».") % {"name": path.name})


def load_json(entry: Entry) -> Any:
    """Parse a JSON entry; a French ImportFileError when it is empty or not JSON."""
    data = entry.read()
    if not data.strip():
        raise ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": entry.name})
    try:
        return json.loads(data)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("Le fichier « %(name)s » n'est pas un fichier JSON (encodage illisible).")
            % {"name": entry.name}
        ) from error
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("Le fichier « %(name)s » n'est pas un JSON valide (ligne %(line)s, colonne %(col)s).")
            % {"name": entry.name, "line": error.lineno, "col": error.colno}
        ) from error
