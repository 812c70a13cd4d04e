"""Backups and restores of a Balise installation: the database and the uploaded files.

One backup is a *set* of files sharing a UTC timestamp, in one directory:

- ``balise-20261126T144200Z.sqlite3.gz``: SQLite, an online consistent copy taken with
  SQLite's backup API (the web server and the worker may keep writing), gzip-compressed;
- ``balise-20261126T144200Z.pgdump``: PostgreSQL, ``pg_dump --format=custom``;
- ``balise-20261126T144200Z.media.tar.gz``: the media directory, when it holds files.

Files are written under a temporary name then renamed, and readable by their owner only
(they hold personal data). A restore checks the file before touching anything: an archive
that is not a readable Balise backup is refused with a French message and the database is
left as it was. ``pg_restore`` runs in one transaction, so a restore that fails half-way
changes nothing either.

The management commands ``balise backup`` and ``balise restore`` are thin wrappers.
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

PREFIX = "balise-"
SQLITE_SUFFIX = ".sqlite3.gz"
PG_SUFFIX = ".pgdump"
MEDIA_SUFFIX = ".media.tar.gz"
SUFFIXES = (SQLITE_SUFFIX, PG_SUFFIX, MEDIA_SUFFIX)
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_PATTERN = re.compile(
    r"^balise-(?P<stamp>\d{8}T\d{6}Z)(?P<suffix>\.sqlite3\.gz|\.pgdump|\.media\.tar\.gz)$"
)
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message is for the operator."""


@dataclass
class BackupResult:
    files: list[Path] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)


def default_directory() -> Path:
    return Path(settings.VAR_DIR / "backups")


def stamp(now: datetime.datetime | None = None) -> str:
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).strftime(STAMP_FORMAT)


# --- Backing up -------------------------------------------------------------------------


def backup(
    *,
    out_dir: Path | None = None,
    keep: int | None = None,
    alias: str = "default",
    media_root: Path | None = None,
    now: datetime.datetime | None = None,
) -> BackupResult:
    """Back up the database ``alias`` and the media directory into ``out_dir``.

    Side effects: creates ``out_dir`` (mode 700) when missing, writes one database file
    and, when ``media_root`` (default ``MEDIA_ROOT``) holds files, one media archive; with
    ``keep``, deletes the backup sets older than the ``keep`` most recent ones (only files
    named like Balise backups). Raises BackupError.
    """
    if keep is not None and keep < 1:
        raise BackupError(_("--keep doit valoir au moins 1."))
    out_dir = Path(out_dir or default_directory())
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    base = out_dir / f"{PREFIX}{stamp(now)}"
    if any(Path(f"{base}{suffix}").exists() for suffix in SUFFIXES):
        raise BackupError(_("Une sauvegarde porte déjà ce nom : %(name)s.") % {"name": base})
    connection = connections[alias]
    result = BackupResult()
    if connection.in_atomic_block:
        raise BackupError(_("Une sauvegarde ne peut pas se faire dans une transaction."))
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        result.files.append(
            backup_sqlite(source=connection.connection, target=Path(f"{base}{SQLITE_SUFFIX}"))
        )
    elif connection.vendor == "postgresql":
        result.files.append(
            backup_postgresql(
                settings_dict=connection.settings_dict, target=Path(f"{base}{PG_SUFFIX}")
            )
        )
    else:
        raise BackupError(
            _("Base de données non prise en charge : %(vendor)s.") % {"vendor": connection.vendor}
        )
    media = backup_media(
        media_root=Path(media_root or settings.MEDIA_ROOT), target=Path(f"{base}{MEDIA_SUFFIX}")
    )
    if media:
        result.files.append(media)
    if keep:
        result.pruned = prune(out_dir=out_dir, keep=keep)
    return result


@contextlib.contextmanager
def _atomic_target(target: Path):
    """Yield a temporary path next to ``target``; rename it to ``target`` on success."""
    partial = target.with_name(target.name + ".part")
    try:
        yield partial
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def backup_sqlite(*, source: sqlite3.Connection | Path, target: Path) -> Path:
    """Copy a SQLite database (a connection or a file) to ``target`` (gzip), online.

    The backup API copies a consistent snapshot even while other connections write.
    Side effects: writes ``target`` (and a temporary file, removed).
    """
    own = not isinstance(source, sqlite3.Connection)
    src = sqlite3.connect(str(source)) if own else source
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            copy_path = Path(tmp) / "copy.sqlite3"
            copy = sqlite3.connect(str(copy_path))
            try:
                src.backup(copy)
            finally:
                copy.close()
            # Exits in reverse order: gzip is closed before the file is renamed.
            with (
                _atomic_target(target) as partial,
                copy_path.open("rb") as raw,
                gzip.open(partial, "wb", compresslevel=6) as gz,
            ):
                shutil.copyfileobj(raw, gz, 1024 * 1024)
    finally:
        if own:
            src.close()
    return target


def _pg_command(program: str, settings_dict: dict, *arguments: str) -> tuple[list[str], dict]:
    """Argument list and environment for a PostgreSQL client program: no shell, the
    password and the TLS options through the environment (PGPASSWORD, PGSSLMODE…) as
    Django's own ``dbshell`` does."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    command = [program]
    for option, key in (("--username", "USER"), ("--host", "HOST"), ("--port", "PORT")):
        if settings_dict.get(key):
            command.append(f"{option}={settings_dict[key]}")
    command += [*arguments, f"--dbname={settings_dict.get('NAME') or 'postgres'}"]
    return command, {**os.environ, **(env or {})}


def _run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            _("Programme introuvable : %(program)s (installez le client PostgreSQL).")
            % {"program": command[0]}
        ) from None


def backup_postgresql(*, settings_dict: dict, target: Path) -> Path:
    """``pg_dump --format=custom`` of the database described by ``settings_dict``.

    Side effects: writes ``target``. Raises BackupError with pg_dump's message (a
    ``pg_dump`` older than the server refuses to run: install the server's version).
    """
    with _atomic_target(target) as partial:
        command, env = _pg_command("pg_dump", settings_dict, "--format=custom", f"--file={partial}")
        done = _run(command, env)
        if done.returncode != 0:
            raise BackupError(
                _("pg_dump a échoué : %(detail)s") % {"detail": done.stderr.strip()[-2000:]}
            )
    return target


def backup_media(*, media_root: Path, target: Path) -> Path | None:
    """A tar.gz of the media directory, or None when it holds no file.

    Side effects: writes ``target``.
    """
    if not media_root.is_dir() or not any(p.is_file() for p in media_root.rglob("*")):
        return None
    with _atomic_target(target) as partial, tarfile.open(partial, "w:gz") as archive:
        for path in sorted(media_root.iterdir()):
            archive.add(path, arcname=path.name)
    return target


def backup_sets(out_dir: Path) -> dict[str, list[Path]]:
    """Timestamp → files of that backup, for the files named like Balise backups."""
    sets: dict[str, list[Path]] = {}
    if not out_dir.is_dir():
        return sets
    for path in out_dir.iterdir():
        match = NAME_PATTERN.match(path.name)
        if match and path.is_file():
            sets.setdefault(match["stamp"], []).append(path)
    return sets


def prune(*, out_dir: Path, keep: int) -> list[Path]:
    """Delete the backup sets older than the ``keep`` most recent ones.

    Side effects: deletes files named like Balise backups, nothing else. Returns them.
    """
    sets = backup_sets(out_dir)
    removed = []
    for old in sorted(sets, reverse=True)[keep:]:
        for path in sets[old]:
            path.unlink()
            removed.append(path)
    return sorted(removed)


# --- Restoring --------------------------------------------------------------------------


def kind_of(path: Path) -> str:
    """ "sqlite", "postgresql" or "media", from the file name; BackupError otherwise."""
    name = path.name
    if name.endswith(SQLITE_SUFFIX):
        return "sqlite"
    if name.endswith(PG_SUFFIX):
        return "postgresql"
    if name.endswith(MEDIA_SUFFIX):
        return "media"
    raise BackupError(
        _(
            "%(name)s n'est pas une sauvegarde Balise : le nom doit finir par "
            ".sqlite3.gz, .pgdump ou .media.tar.gz."
        )
        % {"name": name}
    )


def _corrupt(path: Path, detail: str) -> BackupError:
    return BackupError(
        _("Sauvegarde illisible ou endommagée : %(name)s (%(detail)s). Rien n'a été restauré.")
        % {"name": path.name, "detail": detail}
    )


def database_is_empty(alias: str = "default") -> bool:
    """True when the database has no table at all (a new, never-migrated database)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(*, path: Path, force: bool = False, alias: str = "default") -> str:
    """Restore one backup file into the configured database (or media directory).

    Refuses, without ``force``, to overwrite a database that has tables or a media
    directory that holds files. Side effects: replaces the database's whole content
    (SQLite: page by page through the backup API; PostgreSQL: ``pg_restore --clean
    --if-exists`` in one transaction), or extracts the media archive into MEDIA_ROOT.
    Returns the kind restored. Raises BackupError, the database unchanged.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("Fichier introuvable : %(path)s.") % {"path": path})
    kind = kind_of(path)
    if kind == "media":
        restore_media(archive=path, media_root=Path(settings.MEDIA_ROOT), force=force)
        return kind
    connection = connections[alias]
    if connection.vendor != kind:
        raise BackupError(
            _(
                "Cette sauvegarde vient d'une base %(kind)s, mais Balise utilise ici une base "
                "%(vendor)s."
            )
            % {"kind": kind, "vendor": connection.vendor}
        )
    if connection.in_atomic_block:
        raise BackupError(_("Une restauration ne peut pas se faire dans une transaction."))
    if kind == "sqlite":
        connection.ensure_connection()
        restore_sqlite(archive=path, target=connection.connection, force=force)
    else:
        check_pg_dump(path)
        if not force and not database_is_empty(alias):
            raise _not_empty()
        connection.close()  # hold no lock while pg_restore drops the tables
        restore_postgresql(archive=path, settings_dict=connection.settings_dict)
    return kind


def _not_empty() -> BackupError:
    return BackupError(
        _(
            "La base de données n'est pas vide : la restauration remplacerait tout son "
            "contenu. Relancez avec --yes pour confirmer."
        )
    )


def restore_sqlite(*, archive: Path, target: sqlite3.Connection | Path, force: bool = False):
    """Check a SQLite backup, then copy it over ``target`` (a connection or a file) with
    the backup API, which takes the write lock and replaces every page at once.

    Refuses, without ``force``, a target that has tables. Side effects: replaces the
    target database's whole content. Raises BackupError, the target unchanged.
    """
    own = not isinstance(target, sqlite3.Connection)
    dst = sqlite3.connect(str(target)) if own else target
    try:
        with unpacked_sqlite(archive) as copy:
            tables = dst.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if tables and not force:
                raise _not_empty()
            source = sqlite3.connect(str(copy))
            try:
                source.backup(dst)
            finally:
                source.close()
    finally:
        if own:
            dst.close()


@contextlib.contextmanager
def unpacked_sqlite(archive: Path):
    """Yield the path of the checked, uncompressed copy of a SQLite backup.

    Raises BackupError when the archive is not gzip, not SQLite, fails SQLite's
    integrity check or is not a Balise database (no migration table).
    """
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "restore.sqlite3"
        try:
            with gzip.open(archive, "rb") as gz, copy.open("wb") as raw:
                shutil.copyfileobj(gz, raw, 1024 * 1024)
        except (OSError, EOFError, zlib.error) as error:
            raise _corrupt(archive, _("archive gzip invalide : %(e)s") % {"e": error}) from None
        with copy.open("rb") as raw:
            if raw.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise _corrupt(archive, _("ce n'est pas une base SQLite"))
        check = sqlite3.connect(str(copy))
        check.text_factory = lambda raw: raw.decode("utf-8", "replace")  # damaged text
        try:
            status = check.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise _corrupt(archive, _("contrôle d'intégrité : %(s)s") % {"s": status})
            has_migrations = check.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise _corrupt(archive, str(error)) from None
        except MemoryError:  # SQLite answers "out of memory" on some damaged page layouts
            raise _corrupt(archive, _("base de données endommagée")) from None
        except UnicodeDecodeError:  # SQLite's own message quotes the damaged bytes
            raise _corrupt(archive, _("base de données endommagée")) from None
        finally:
            check.close()
        if not has_migrations:
            raise _corrupt(archive, _("ce n'est pas une base Balise"))
        yield copy


def check_pg_dump(archive: Path) -> None:
    """Raise BackupError unless ``archive`` is a custom-format dump pg_restore can read."""
    with archive.open("rb") as raw:
        if raw.read(len(PG_MAGIC)) != PG_MAGIC:
            raise _corrupt(archive, _("ce n'est pas une sauvegarde pg_dump au format custom"))
    done = _run(["pg_restore", "--list", str(archive)])
    if done.returncode != 0:
        raise _corrupt(archive, done.stderr.strip()[-500:])


def restore_postgresql(*, archive: Path, settings_dict: dict) -> None:
    """``pg_restore --clean --if-exists`` in a single transaction: all or nothing.

    Side effects: drops and recreates every object of the dump in the database.
    """
    command, env = _pg_command(
        "pg_restore",
        settings_dict,
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        str(archive),
    )
    done = _run(command, env)
    if done.returncode != 0:
        raise BackupError(
            _("pg_restore a échoué, rien n'a été changé : %(detail)s")
            % {"detail": done.stderr.strip()[-2000:]}
        )


def restore_media(*, archive: Path, media_root: Path, force: bool = False) -> None:
    """Extract a media archive into ``media_root`` (the "data" filter refuses absolute
    paths, ``..``, links out of the directory and device files).

    Side effects: writes files under ``media_root``, overwriting those of the same name.
    """
    if not force and media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(
            _(
                "Le dossier des fichiers envoyés n'est pas vide : relancez avec --yes "
                "pour écrire par-dessus."
            )
        )
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            media_root.mkdir(parents=True, exist_ok=True)
            tar.extractall(media_root, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _corrupt(archive, str(error)) from None
