"""`balise backup [--out DIR] [--keep N]`

Backs up the database (SQLite: an online copy, gzip; PostgreSQL: ``pg_dump
--format=custom``) and the media directory when it holds files, into files named with
the UTC time; prints each path. See :mod:`balise.lib.backup`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from balise.lib import backup


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers envoyés (un fichier horodaté en UTC)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            metavar="DOSSIER",
            help="dossier des sauvegardes (par défaut : var/backups)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="ne garder que les N sauvegardes les plus récentes de ce dossier",
        )
        parser.add_argument("--database", default="default", help="alias de la base")

    def handle(self, *args, **options):
        try:
            result = backup.backup(
                out_dir=Path(options["out"]) if options["out"] else None,
                keep=options["keep"],
                alias=options["database"],
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        for path in result.files:
            self.stdout.write(str(path))
        if result.pruned and options["verbosity"] > 1:
            for path in result.pruned:
                self.stderr.write(_("Supprimé : %(path)s") % {"path": path})
