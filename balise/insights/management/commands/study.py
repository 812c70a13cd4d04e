"""`balise study --campaign SLUG [--office SLUG] [--compare SLUG] [--category-group X]
[--commune INSEE] --out PATH`

Writes the territory study of a campaign as a PDF, an XLSX or a CSV, chosen by the
extension of ``--out``. Campaign slugs are unique per office: ``--office`` is needed when
several offices have a campaign of that name.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from balise.diagnostics.models import Campaign
from balise.insights import exports
from balise.insights.comparison import compared_campaign
from balise.insights.filters import StudyFilters
from balise.insights.pdf import render_study_pdf
from balise.insights.study import build_study
from balise.members.models import CategoryGroup, Commune

FORMATS = (".pdf", ".xlsx", ".csv")


class Command(BaseCommand):
    help = "Écrit l'étude du numérique sur le territoire d'une campagne (PDF, XLSX ou CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, metavar="SLUG", help="campagne")
        parser.add_argument(
            "--office",
            metavar="SLUG",
            help="office (quand plusieurs offices ont une campagne de ce nom)",
        )
        parser.add_argument(
            "--compare", metavar="SLUG", help="campagne antérieure du même office à comparer"
        )
        parser.add_argument(
            "--category-group",
            metavar="FAMILLE",
            help="famille de prestataires : " + ", ".join(CategoryGroup.values),
        )
        parser.add_argument("--commune", metavar="INSEE", help="code INSEE d'une commune")
        parser.add_argument(
            "--out", required=True, metavar="FICHIER", help="fichier à écrire (.pdf, .xlsx, .csv)"
        )

    def handle(self, *args, **options):
        out = Path(options["out"])
        extension = out.suffix.lower()
        if extension not in FORMATS:
            raise CommandError(
                _("Format inconnu « %(ext)s » : le fichier doit finir par .pdf, .xlsx ou .csv.")
                % {"ext": out.suffix or out.name}
            )
        if not out.parent.exists():
            raise CommandError(_("Dossier introuvable : %(path)s") % {"path": out.parent})
        campaign = self._campaign(options["campaign"], options["office"])
        compare = self._compare(campaign, options["compare"])
        filters = self._filters(campaign, options["category_group"], options["commune"])
        study = build_study(campaign, filters=filters, compare=compare)
        if extension == ".pdf":
            out.write_bytes(render_study_pdf(study, office=campaign.office))
        elif extension == ".xlsx":
            exports.xlsx_workbook(study, campaign=campaign, filters=filters).save(out)
        else:
            with out.open("w", encoding="utf-8", newline="") as file:
                file.writelines(exports.csv_lines(study))
        self.stdout.write(
            _("Étude de la campagne « %(campaign)s » écrite dans %(path)s")
            % {"campaign": campaign.name, "path": out}
        )

    def _campaign(self, slug: str, office_slug: str | None) -> Campaign:
        campaigns = Campaign.objects.filter(slug=slug).select_related("office", "version")
        if office_slug:
            campaigns = campaigns.filter(office__slug=office_slug)
        found = list(campaigns[:2])
        if not found:
            raise CommandError(_("Campagne inconnue : « %(slug)s ».") % {"slug": slug})
        if len(found) > 1:
            raise CommandError(
                _("Plusieurs offices ont une campagne « %(slug)s » : précisez --office.")
                % {"slug": slug}
            )
        return found[0]

    def _compare(self, campaign: Campaign, slug: str | None) -> Campaign | None:
        if not slug:
            return None
        if slug == campaign.slug:
            raise CommandError(_("Une campagne ne se compare pas à elle-même."))
        compare = compared_campaign(campaign, slug=slug)
        if compare is None:
            raise CommandError(
                _("Campagne à comparer inconnue dans l'office « %(office)s » : « %(slug)s ».")
                % {"office": campaign.office.slug, "slug": slug}
            )
        return compare

    def _filters(self, campaign: Campaign, group: str | None, insee: str | None) -> StudyFilters:
        if group and group not in CategoryGroup.values:
            raise CommandError(
                _("Famille inconnue : « %(group)s » (possibles : %(choices)s).")
                % {"group": group, "choices": ", ".join(CategoryGroup.values)}
            )
        commune = None
        if insee:
            commune = (
                Commune.objects.filter(insee_code=insee, providers__office=campaign.office)
                .distinct()
                .first()
            )
            if commune is None:
                raise CommandError(
                    _("Aucun prestataire de l'office dans la commune de code INSEE %(insee)s.")
                    % {"insee": insee}
                )
        return StudyFilters(category_group=group or "", commune=commune)
