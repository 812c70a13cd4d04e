"""What every importer produces, and how input files are opened.

An importer turns one source format into :class:`ProviderRecord` objects: cleaned values
keyed by Provider field names, plus French error messages. Matching against the
directory and writing happen later, in ``balise.members.imports``.

Inputs can be files, folders or zip files (a zip of DATAtourisme JSON files, an Apidae
export...). :func:`open_entries` lists them all, one :class:`Entry` per file, each read
as a stream when its turn comes, so that a folder of 20,000 JSON files or a zip of big
tables is never held in memory at once.

A zip is checked before anything is expanded: how many files it lists, the size of each
once expanded and of all together, and how much each one expands (a "zip bomb" packs
gigabytes of repeated bytes in a few megabytes). An XLSX workbook is a zip too, and gets
the same checks (:func:`check_workbook`), plus a refusal of XML declaring a DTD.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

# Why a record that is not a provider is left out of the import.
EVENT_REASON = gettext_lazy("événement, pas un prestataire")
DELETED_REASON = gettext_lazy("objet supprimé dans la base d'origine")

# Zip limits, checked on the archive's directory before anything is expanded. They leave
# room for a region's export (20,000 JSON files of a few hundred kilobytes, shrunk about
# ten times) and refuse what only a bomb looks like.
MAX_ZIP_FILES = 100_000
MAX_ENTRY_BYTES = 512 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # expanded size / compressed size, for files over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
# Inside a workbook, the shared strings are all held in memory by the XLSX reader
# (about nine times their XML size for short strings): their part has its own limit.
MAX_SHARED_STRINGS_BYTES = 24 * 1024 * 1024
_XML_HEAD_BYTES = 64 * 1024
_BUFFER = 1024 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_TAG = re.compile(rb"<[A-Za-z_]")


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
    errors: list[str]  # French messages; a record with errors is not imported
    skip_reason: str = ""  # French reason when the record is not a provider
    # Problems that do not block the import (a SIT value that could not be used...).
    warnings: list[str] = field(default_factory=list)
    # The provider's id in Balise, from a re-imported export: the surest match of all.
    balise_id: int | None = None
    # Where the record is in its file, to list rejected records with their original
    # values: (file name, line number) for spreadsheets.
    origin: tuple[str, int] | None = None

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
    size: int  # bytes, once expanded
    open: Callable[[], IO[bytes]]  # a binary stream, to close after use
    path: Path | None = None  # the file on disk, when it is not inside a zip

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """The entry as a file on disk (copied out of its zip when needed)."""
        if self.path is not None:
            yield self.path
            return
        with tempfile.NamedTemporaryFile(suffix=self.suffix) as copy:
            with self.open() as stream:
                shutil.copyfileobj(stream, copy, _BUFFER)
            copy.flush()
            yield Path(copy.name)


def _is_hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _unreadable_zip(label: str) -> ImportFileError:
    return ImportFileError(
        _("Le fichier « %(name)s » n'est pas une archive ZIP lisible.") % {"name": label}
    )


def _too_big(label: str) -> ImportFileError:
    return ImportFileError(
        _("L'archive « %(name)s » est trop volumineuse une fois décompressée.") % {"name": label}
    )


def _open_zip(path: Path, label: str, unreadable=_unreadable_zip) -> zipfile.ZipFile:
    """The archive, once its directory says it is no bomb (read before it is parsed:
    a million empty files would take gigabytes as Python objects)."""
    try:
        with path.open("rb") as file:
            end = zipfile._EndRecData(file)  # the "end of central directory" record
        if end is None:
            raise unreadable(label)
        if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_FILES:
            raise ImportFileError(
                _("L'archive « %(name)s » contient trop de fichiers (%(max)s au plus).")
                % {"name": label, "max": f"{MAX_ZIP_FILES:_}".replace("_", "\u202f")}
            )
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable(label) from error
    infos = [info for info in archive.infolist() if not info.is_dir()]
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size
        ):
            archive.close()
            raise _too_big(label)
    if total > MAX_ZIP_TOTAL_BYTES or (total > RATIO_FLOOR and total > MAX_RATIO * packed):
        archive.close()
        raise _too_big(label)
    return archive


def _zip_entries(archive: zipfile.ZipFile, label: str, wanted) -> list[Entry]:
    entries = []
    for info in sorted(archive.infolist(), key=lambda info: info.filename):
        if info.is_dir() or _is_hidden(info.filename):
            continue
        if PurePosixPath(info.filename).suffix.lower() == ".zip":
            raise ImportFileError(
                _(
                    "L'archive « %(name)s » contient une autre archive (« %(inner)s ») : "
                    "décompressez-la et importez ses fichiers."
                )
                % {"name": label, "inner": info.filename}
            )
        if not wanted(info.filename):
            continue

        def open_member(info=info) -> IO[bytes]:
            return io.BufferedReader(_MemberStream(archive.open(info), info.filename), _BUFFER)

        entries.append(Entry(name=info.filename, size=info.file_size, open=open_member))
    return entries


class _MemberStream(io.RawIOBase):
    """A zip member's raw stream whose read errors (corrupt data, bad CRC) are in French."""

    def __init__(self, stream: IO[bytes], name: str):
        self.stream = stream
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.stream.read(len(buffer))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as error:
            raise ImportFileError(
                _("Le fichier « %(name)s » de l'archive est illisible.") % {"name": self.name}
            ) from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


def _looks_like_zip(path: Path) -> bool:
    """An archive to open: by content (an upload keeps its own name), or by a ``.zip``
    name for a broken one. An XLSX workbook is a zip too, but a file, not an archive."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return True
    if suffix in {".xlsx", ".xlsm"}:
        return False
    if not zipfile.is_zipfile(path):  # reads the end record only
        if suffix in {".csv", ".txt", ".tsv", ".json", ".jsonld"}:
            return False  # a broken file of its kind, reported by its own reader
        with path.open("rb") as file:
            return file.read(4) == b"PK\x03\x04"
    with _open_zip(path, path.name) as archive:
        return "[Content_Types].xml" not in archive.namelist()


def _file_entry(path: Path, name: str) -> Entry:
    return Entry(name=name, size=path.stat().st_size, open=lambda: path.open("rb"), path=path)


@contextmanager
def open_entries(
    paths: list[Path], *, suffixes: tuple[str, ...] | None = None
) -> Iterator[list[Entry]]:
    """Every file under ``paths``: plain files, folders (recursively) and zip files.

    Zips are recognised by their content, not their name (an upload keeps its own name),
    and checked (see the module's docstring) before anything is expanded. ``suffixes``
    filters the files found inside folders and zips (".json", ".csv"...); a file given
    directly is always read. Nothing is read until an entry is opened; the zips stay
    open until the block ends.
    Raises ImportFileError for a missing path, a broken, nested or oversized zip.
    """

    def wanted(name: str) -> bool:
        return suffixes is None or PurePosixPath(name).suffix.lower() in suffixes

    archives: list[zipfile.ZipFile] = []

    def from_zip(path: Path, label: str) -> list[Entry]:
        archive = _open_zip(path, label)
        archives.append(archive)
        return _zip_entries(archive, label, wanted)

    try:
        entries: list[Entry] = []
        for path in paths:
            path = Path(path)
            if path.is_dir():
                for child in sorted(p for p in path.rglob("*") if p.is_file()):
                    relative = child.relative_to(path).as_posix()
                    if _is_hidden(relative):
                        continue
                    if _looks_like_zip(child):
                        entries += from_zip(child, relative)
                    elif wanted(relative):
                        entries.append(_file_entry(child, relative))
            elif path.is_file():
                if _looks_like_zip(path):
                    entries += from_zip(path, path.name)
                else:
                    entries.append(_file_entry(path, path.name))
            else:
                raise ImportFileError(
                    _("Fichier introuvable : « %(name)s ».") % {"name": path.name}
                )
        yield entries
    finally:
        for archive in archives:
            archive.close()


def check_workbook(path: Path, name: str) -> None:
    """Refuse an XLSX workbook that would expand too much or declares a DTD.

    Side effects: none. Raises ImportFileError naming ``name``.
    """
    with _open_zip(path, name, unreadable_workbook) as archive:
        for info in archive.infolist():
            if info.filename.endswith("sharedStrings.xml") and (
                info.file_size > MAX_SHARED_STRINGS_BYTES
            ):
                raise _too_big(name)
            if info.filename.endswith((".xml", ".rels", ".vml")):
                try:
                    with archive.open(info) as member:
                        head = member.read(_XML_HEAD_BYTES)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as error:
                    raise unreadable_workbook(name) from error
                if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                    head = head.decode("utf-16", "replace").encode()
                root = _ROOT_TAG.search(head)
                if _DTD.search(head, 0, root.start() if root else len(head)) or (
                    root is None and len(head) == _XML_HEAD_BYTES
                ):
                    raise ImportFileError(
                        _(
                            "« %(name)s » contient du XML avec une déclaration DTD, "
                            "refusée par sécurité : enregistrez-le à nouveau depuis votre tableur."
                        )
                        % {"name": name}
                    )


def unreadable_workbook(name: str) -> ImportFileError:
    return ImportFileError(
        _("« %(name)s » n'est pas un classeur Excel (.xlsx) lisible.") % {"name": name}
    )


# What a record builder trips on when a SIT object has a field of an unexpected type
# ("localisation": [1, 2], a string where an object is expected...), or is nested too
# deeply for the cleaners.
MALFORMED = (
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
    RecursionError,
)


def guarded_record(
    build: Callable[[], ProviderRecord], *, source: str, locator: str, external_id: str = ""
) -> ProviderRecord:
    """``build()``, or a record in error naming ``locator`` when the object is malformed.

    One malformed object must not stop the reading of a whole feed: it is reported like
    any other bad record (and left out when the office imports the valid ones only).
    """
    try:
        return build()
    except MALFORMED:
        logger.info("import: malformed object %s", locator, exc_info=True)
        return ProviderRecord(
            source=source,
            external_id=external_id[:200],
            locator=locator,
            fields={},
            errors=[_("objet illisible : un de ses champs n'a pas la forme attendue")],
        )
