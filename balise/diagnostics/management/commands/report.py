"""`balise report --campaign SLUG [--office SLUG] [--provider ID] --out PATH`

Writes the individual report of one provider as a PDF (``--provider``), or the reports of
every completed diagnostic of the campaign as a ZIP of PDFs.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balise.diagnostics.models import Campaign, Response
from balise.diagnostics.report_delivery import (
    completed_responses,
    render_report_pdf,
    write_campaign_zip,
)
from balise.members.models import Provider


class Command(BaseCommand):
    help = (
        "Écrit le rapport de diagnostic d'un prestataire (PDF) ou ceux de toute une "
        "campagne (ZIP de PDF)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, metavar="SLUG", help=("campagne"))
        parser.add_argument(
            "--office",
            metavar="SLUG",
            help=("office (quand plusieurs offices ont une campagne de ce nom)"),
        )
        parser.add_argument(
            "--provider",
            type=int,
            metavar="ID",
            help=("numéro du prestataire : un seul PDF au lieu d'un ZIP"),
        )
        parser.add_argument("--out", required=True, metavar="FICHIER", help=("fichier à écrire"))
        parser.add_argument("--language", default=None, help=("langue du rapport (fr par défaut)"))

    def handle(self, *args, **options):
        campaign = self._campaign(options["campaign"], options["office"])
        language = options["language"] or "fr"
        out = Path(options["out"])
        if out.parent and not out.parent.exists():
            raise CommandError(_("Dossier introuvable : %(path)s") % {"path": out.parent})
        if options["provider"] is not None:
            response = self._response(campaign, options["provider"])
            out.write_bytes(render_report_pdf(response, language=language))
            self.stdout.write(
                _("Rapport de « %(name)s » écrit dans %(path)s")
                % {"name": response.provider.name, "path": out}
            )
            return
        if not completed_responses(campaign).exists():
            raise CommandError(
                _("La campagne « %(campaign)s » n'a aucun diagnostic terminé.")
                % {"campaign": campaign.slug}
            )
        count = write_campaign_zip(campaign, out, language=language)
        self.stdout.write(
            ngettext(
                "%(count)d rapport écrit dans %(path)s",
                "%(count)d rapports écrits dans %(path)s",
                count,
            )
            % {"count": count, "path": out}
        )

    def _campaign(self, slug: str, office_slug: str | None) -> Campaign:
        campaigns = Campaign.objects.filter(slug=slug).select_related("office")
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

    def _response(self, campaign: Campaign, provider_id: int) -> Response:
        if not Provider.objects.filter(pk=provider_id, office=campaign.office).exists():
            raise CommandError(
                _("Prestataire inconnu dans l'office « %(office)s » : %(id)s.")
                % {"office": campaign.office.slug, "id": provider_id}
            )
        response = completed_responses(campaign).filter(provider_id=provider_id).first()
        if response is None:
            raise CommandError(
                _("Ce prestataire n'a pas de diagnostic terminé dans la campagne « %(slug)s ».")
                % {"slug": campaign.slug}
            )
        return response
