"""`balise import_members --office SLUG --format FORMAT [--dry-run] [--mapping FILE] FILE...`

Imports members from files, folders or zips into an office's directory, with the same
rules as the web import: matched by SIT id then by name and commune, nothing written
when any record has an error, unless ``--skip-invalid`` asks to import the valid ones
(``--rejected FILE.xlsx`` writes the others with the reason). ``--dry-run`` shows what
would happen and writes nothing.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from balise.members import imports
from balise.members.importers.rejected import write_rejected
from balise.members.models import MembershipStatus
from balise.offices.models import Office

SHOWN_ERRORS = 20
SHOWN_WARNINGS = 20


class Command(BaseCommand):
    help = (
        "Importe des prestataires (CSV, XLSX, DATAtourisme, Apidae, Tourinsoft) dans "
        "l'annuaire d'un office. Rien n'est enregistré si une fiche est en erreur, "
        "sauf avec --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", metavar="FICHIER", help=("fichiers, dossiers ou ZIP")
        )
        parser.add_argument(
            "--office", required=True, metavar="SLUG", help=("identifiant de l'office")
        )
        parser.add_argument(
            "--format", required=True, choices=sorted(imports.FORMATS), help=("format")
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=("montre ce qui serait fait, sans rien enregistrer"),
        )
        parser.add_argument(
            "--mapping",
            metavar="JSON",
            help=(
                "fichier JSON de correspondance : titre de colonne → champ (CSV, XLSX), "
                "ou champs du flux (Tourinsoft)"
            ),
        )
        parser.add_argument("--delimiter", help="séparateur CSV (deviné sinon)")
        parser.add_argument(
            "--new-status",
            choices=MembershipStatus.values,
            default=MembershipStatus.MEMBER,
            help="adhésion des fiches créées quand le fichier ne la donne pas (défaut : adherent)",
        )

        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="importe les fiches valides et laisse de côté celles en erreur",
        )
        parser.add_argument(
            "--rejected",
            metavar="FICHIER.xlsx",
            help="écrit les fiches en erreur, avec le motif du rejet, dans ce classeur",
        )

    def handle(self, *args, **options):
        office = Office.objects.filter(slug=options["office"]).first()
        if office is None:
            raise CommandError(_("Office inconnu : « %(slug)s ».") % {"slug": options["office"]})
        import_options = {}
        if options["mapping"]:
            try:
                import_options["mapping"] = json.loads(
                    Path(options["mapping"]).read_text(encoding="utf-8")
                )
            except (OSError, ValueError) as error:
                raise CommandError(
                    _("Correspondance illisible « %(file)s » : %(error)s")
                    % {"file": options["mapping"], "error": error}
                ) from None
        if options["delimiter"]:
            import_options["delimiter"] = options["delimiter"].replace("\\t", "\t")

        show_progress = options["verbosity"] > 0
        try:
            records = list(
                tqdm(
                    imports.iter_records(
                        format=options["format"],
                        paths=[Path(f) for f in options["files"]],
                        office=office,
                        options=import_options,
                    ),
                    desc=_("Lecture"),
                    unit=_(" fiches"),
                    # The raw stream: OutputWrapper would add a newline to every refresh.
                    file=getattr(self.stderr, "_out", sys.stderr),
                    disable=None if show_progress else True,  # None: only on a terminal
                    mininterval=0.5,
                )
            )
        except imports.ImportFileError as error:
            raise CommandError(str(error)) from None

        plan = imports.plan_import(office=office, records=records, new_status=options["new_status"])
        counts = plan.counts
        self.stdout.write(
            _(
                "Créés : %(create)s\nMis à jour : %(update)s\nInchangés : %(unchanged)s\n"
                "Ignorés : %(skip)s\nErreurs : %(error)s"
            )
            % counts
        )
        if options["verbosity"] > 1:
            for row in plan.rows:
                for message in row.messages:
                    self.stdout.write(row.record.located(message))
                if row.record.skip_reason:
                    self.stdout.write(row.record.located(row.record.skip_reason))
        elif options["verbosity"] == 1:
            self._warnings(plan)
        if plan.has_errors:
            for message in plan.error_messages(limit=SHOWN_ERRORS):
                self.stderr.write(message)
            if counts["error"] > SHOWN_ERRORS:
                self.stderr.write(
                    _("… et %(count)s autres erreurs.") % {"count": counts["error"] - SHOWN_ERRORS}
                )
            if options["rejected"]:
                self._write_rejected(options, import_options, plan)
            if not options["skip_invalid"]:
                raise CommandError(
                    _("Import refusé : %(count)s erreur(s), rien n'a été enregistré.")
                    % {"count": counts["error"]}
                )
        if options["dry_run"]:
            self.stdout.write(_("Simulation : rien n'a été enregistré."))
            return
        try:
            imports.apply_import(office=office, plan=plan, skip_invalid=options["skip_invalid"])
        except imports.ImportRejected as error:
            raise CommandError(str(error)) from None
        if plan.has_errors:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Import terminé : %(count)s fiche(s) en erreur laissée(s) de côté.")
                    % {"count": counts["error"]}
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Import terminé.")))

    def _write_rejected(self, options, import_options, plan) -> None:
        path = Path(options["rejected"])
        try:
            with path.open("wb") as stream:
                count = write_rejected(
                    stream,
                    rows=plan.rows,
                    format=options["format"],
                    paths=[Path(f) for f in options["files"]],
                    spreadsheet=options["format"] in imports.SPREADSHEET_FORMATS,
                    delimiter=import_options.get("delimiter"),
                )
        except (OSError, imports.ImportFileError) as error:
            raise CommandError(
                _("Impossible d'écrire les rejets dans « %(file)s » : %(error)s")
                % {"file": path, "error": error}
            ) from None
        self.stdout.write(
            _("%(count)s fiche(s) rejetée(s) écrite(s) dans « %(file)s ».")
            % {"count": count, "file": path}
        )

    def _warnings(self, plan) -> None:
        """The records' warnings (unknown or ambiguous commune, value left out...)."""
        warnings = [
            row.record.located(message) for row in plan.rows for message in row.record.warnings
        ]
        for message in warnings[:SHOWN_WARNINGS]:
            self.stdout.write(self.style.WARNING(message))
        if len(warnings) > SHOWN_WARNINGS:
            self.stdout.write(
                _("… et %(count)s autres avertissements (--verbosity 2 pour tout voir).")
                % {"count": len(warnings) - SHOWN_WARNINGS}
            )
