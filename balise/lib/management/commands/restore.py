"""`balise restore FILE [--yes]`

Restores a file written by ``balise backup``: a SQLite copy (``.sqlite3.gz``), a
PostgreSQL dump (``.pgdump``, through ``pg_restore --clean --if-exists`` in one
transaction) or the media archive (``.media.tar.gz``). The file is checked first; without
``--yes`` a database that has tables (or a media directory with files) is left alone.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from balise.lib import backup


class Command(BaseCommand):
    help = "Restaure une sauvegarde écrite par « balise backup »."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FICHIER", help="fichier de sauvegarde")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="remplacer le contenu actuel de la base (ou des fichiers) sans demander",
        )
        parser.add_argument("--database", default="default", help="alias de la base")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            backup.restore(path=path, force=options["yes"], alias=options["database"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Restauré : %(path)s") % {"path": path})
