"""`balise backup` and `balise restore`: a backup is only worth the restore it allows."""

import datetime
import gzip
import io
import os
import shutil
import sqlite3
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from balise.lib import backup
from balise.members.models import Provider
from tests.factories import ProviderFactory

NOW = datetime.datetime(2026, 11, 26, 14, 42, 0, tzinfo=datetime.UTC)


def provider_names(path):
    """The providers stored in a SQLite file, read without Django."""
    db = sqlite3.connect(str(path))
    try:
        return [row[0] for row in db.execute("SELECT name FROM members_provider ORDER BY name")]
    finally:
        db.close()


@pytest.fixture
def live_db(tmp_path, office):
    """A SQLite file holding Balise's schema and one provider: the installation to save."""
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database")
    ProviderFactory(office=office, name="Gîte des Hirondelles")
    path = tmp_path / "live.sqlite3"
    target = sqlite3.connect(str(path))
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    return path


@pytest.mark.django_db(transaction=True)
class TestSqlite:
    def test_round_trip_into_an_emptied_database(self, tmp_path, live_db):
        result = backup.backup_sqlite(source=live_db, target=tmp_path / "b.sqlite3.gz")
        assert result.exists() and oct(result.stat().st_mode & 0o777) == "0o600"
        assert result.read_bytes()[:2] == b"\x1f\x8b"  # gzip

        live_db.unlink()  # the disk died: a new, empty database file
        backup.restore_sqlite(archive=result, target=live_db)
        assert provider_names(live_db) == ["Gîte des Hirondelles"]

    def test_a_database_that_is_not_empty_needs_force(self, tmp_path, live_db):
        archive = backup.backup_sqlite(source=live_db, target=tmp_path / "b.sqlite3.gz")
        db = sqlite3.connect(str(live_db))
        db.execute("DELETE FROM members_provider")
        db.commit()
        db.close()
        with pytest.raises(backup.BackupError, match=r"n'est pas vide.*--yes"):
            backup.restore_sqlite(archive=archive, target=live_db)
        assert provider_names(live_db) == []
        backup.restore_sqlite(archive=archive, target=live_db, force=True)
        assert provider_names(live_db) == ["Gîte des Hirondelles"]

    def test_the_commands_on_the_configured_database(self, tmp_path, office, capsys):
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only")
        ProviderFactory(office=office, name="Ferme du Causse")
        call_command("backup", out=str(tmp_path / "backups"))
        printed = capsys.readouterr().out.strip().splitlines()
        assert len(printed) == 1 and printed[0].endswith(".sqlite3.gz")
        archive = tmp_path / "backups" / os.path.basename(printed[0])
        assert backup.NAME_PATTERN.match(archive.name)
        with backup.unpacked_sqlite(archive) as copy:
            assert provider_names(copy) == ["Ferme du Causse"]

        Provider.objects.all().delete()
        with pytest.raises(CommandError, match="n'est pas vide"):
            call_command("restore", str(archive))
        assert not Provider.objects.exists()
        call_command("restore", str(archive), yes=True)
        assert list(Provider.objects.values_list("name", flat=True)) == ["Ferme du Causse"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_postgresql_round_trip(tmp_path, office):
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL")
    ProviderFactory(office=office, name="Gîte des Hirondelles")
    result = backup.backup(out_dir=tmp_path, media_root=tmp_path / "no-media")
    [dump] = result.files
    assert dump.name.endswith(".pgdump") and dump.read_bytes()[:5] == b"PGDMP"

    Provider.objects.all().delete()
    with pytest.raises(backup.BackupError, match="n'est pas vide"):
        backup.restore(path=dump)
    assert backup.restore(path=dump, force=True) == "postgresql"
    assert list(Provider.objects.values_list("name", flat=True)) == ["Gîte des Hirondelles"]

    broken = tmp_path / "broken.pgdump"
    broken.write_bytes(dump.read_bytes()[:200])
    with pytest.raises(backup.BackupError, match="Sauvegarde illisible"):
        backup.restore(path=broken, force=True)
    assert Provider.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # live_db copies committed rows
class TestCorruptedFiles:
    """A file that is not a readable backup is refused before anything is touched."""

    @pytest.fixture
    def target(self, tmp_path):
        path = tmp_path / "target.sqlite3"
        db = sqlite3.connect(str(path))
        db.execute("CREATE TABLE kept (x)")
        db.execute("INSERT INTO kept VALUES (42)")
        db.commit()
        db.close()
        return path

    def restore(self, archive, target):
        with pytest.raises(backup.BackupError) as error:
            backup.restore_sqlite(archive=archive, target=target, force=True)
        db = sqlite3.connect(str(target))
        assert db.execute("SELECT x FROM kept").fetchall() == [(42,)]
        db.close()
        return str(error.value)

    def test_not_gzip(self, tmp_path, target):
        archive = tmp_path / "balise-x.sqlite3.gz"
        archive.write_bytes(b"this is not a backup at all")
        message = self.restore(archive, target)
        assert message.startswith("Sauvegarde illisible ou endommagée : balise-x.sqlite3.gz")
        assert "Rien n'a été restauré" in message

    def test_truncated(self, tmp_path, target, live_db):
        good = backup.backup_sqlite(source=live_db, target=tmp_path / "good.sqlite3.gz")
        archive = tmp_path / "cut.sqlite3.gz"
        archive.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        assert "Sauvegarde illisible" in self.restore(archive, target)

    def test_flipped_bytes_inside_the_database(self, tmp_path, target, live_db):
        raw = bytearray(live_db.read_bytes())
        for offset in range(8192, len(raw), 4096):  # damage every page but the first two
            raw[offset + 100 : offset + 140] = b"\xff" * 40
        archive = tmp_path / "damaged.sqlite3.gz"
        archive.write_bytes(gzip.compress(bytes(raw)))
        assert "Sauvegarde illisible" in self.restore(archive, target)

    def test_gzip_of_something_else(self, tmp_path, target):
        archive = tmp_path / "text.sqlite3.gz"
        archive.write_bytes(gzip.compress(b"hello " * 1000))
        assert "ce n'est pas une base SQLite" in self.restore(archive, target)

    def test_a_sqlite_database_that_is_not_balise(self, tmp_path, target):
        other = tmp_path / "other.sqlite3"
        db = sqlite3.connect(str(other))
        db.execute("CREATE TABLE notes (x)")
        db.commit()
        db.close()
        archive = tmp_path / "other.sqlite3.gz"
        archive.write_bytes(gzip.compress(other.read_bytes()))
        assert "ce n'est pas une base Balise" in self.restore(archive, target)

    def test_unknown_kind_of_file(self, tmp_path):
        path = tmp_path / "dump.sql"
        path.write_text("SELECT 1;")
        with pytest.raises(backup.BackupError, match=r"n'est pas une sauvegarde Balise"):
            backup.restore(path=path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="Fichier introuvable"):
            call_command("restore", str(tmp_path / "balise-nope.sqlite3.gz"))

    def test_a_pg_dump_that_is_not_one(self, tmp_path):
        path = tmp_path / "balise-20261126T144200Z.pgdump"
        path.write_bytes(b"PGDM")
        with pytest.raises(backup.BackupError, match="pg_dump au format custom"):
            backup.check_pg_dump(path)


class TestMedia:
    def test_round_trip(self, tmp_path):
        media = tmp_path / "media"
        (media / "imports").mkdir(parents=True)
        (media / "imports" / "sit.csv").write_text("nom;commune\nGîte;Florac\n")
        archive = backup.backup_media(media_root=media, target=tmp_path / "m.media.tar.gz")
        shutil.rmtree(media)
        backup.restore_media(archive=archive, media_root=media)
        assert (media / "imports" / "sit.csv").read_text() == "nom;commune\nGîte;Florac\n"

    def test_no_files_no_archive(self, tmp_path):
        (tmp_path / "media" / "empty").mkdir(parents=True)
        target = tmp_path / "m.media.tar.gz"
        assert backup.backup_media(media_root=tmp_path / "media", target=target) is None
        assert not target.exists()

    def test_a_directory_with_files_needs_force(self, tmp_path):
        media = tmp_path / "media"
        media.mkdir()
        (media / "a.txt").write_text("old")
        archive = backup.backup_media(media_root=media, target=tmp_path / "m.media.tar.gz")
        with pytest.raises(backup.BackupError, match="--yes"):
            backup.restore_media(archive=archive, media_root=media)
        (media / "a.txt").write_text("changed")
        backup.restore_media(archive=archive, media_root=media, force=True)
        assert (media / "a.txt").read_text() == "old"

    def test_paths_out_of_the_directory_are_refused(self, tmp_path):
        archive = tmp_path / "evil.media.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            data = b"pwned"
            info = tarfile.TarInfo("../escaped.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        with pytest.raises(backup.BackupError, match="Sauvegarde illisible"):
            backup.restore_media(archive=archive, media_root=tmp_path / "media")
        assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.django_db(transaction=True)
class TestBackupSets:
    def test_names_media_and_pruning(self, tmp_path, settings):
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only")
        settings.MEDIA_ROOT = tmp_path / "media"
        (tmp_path / "media").mkdir()
        (tmp_path / "media" / "logo.png").write_bytes(b"\x89PNG")
        out = tmp_path / "backups"
        out.mkdir()
        (out / "notes.txt").write_text("not a backup: never deleted")
        for hours in (3, 2, 1, 0):
            backup.backup(out_dir=out, now=NOW - datetime.timedelta(hours=hours))
        assert len(backup.backup_sets(out)) == 4

        result = backup.backup(out_dir=out, keep=2, now=NOW + datetime.timedelta(hours=1))
        assert [p.name for p in result.files] == [
            "balise-20261126T154200Z.sqlite3.gz",
            "balise-20261126T154200Z.media.tar.gz",
        ]
        assert sorted(backup.backup_sets(out)) == ["20261126T144200Z", "20261126T154200Z"]
        assert len(result.pruned) == 6  # three older sets of two files
        assert (out / "notes.txt").exists()

    def test_same_second_twice_is_refused(self, tmp_path):
        backup.backup(out_dir=tmp_path, now=NOW)
        with pytest.raises(backup.BackupError, match="déjà ce nom"):
            backup.backup(out_dir=tmp_path, now=NOW)

    def test_keep_must_be_positive(self, tmp_path):
        with pytest.raises(CommandError, match="au moins 1"):
            call_command("backup", out=str(tmp_path), keep=0)
