"""``balise apply_retention [--office SLUG] [--dry-run]``: apply the retention limits.

Meant for a daily cron job. Idempotent: a second run finds nothing more to do. With
``--dry-run`` it only prints what it would change.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.offices.models import Office
from balise.privacy.retention import RULES, apply_retention

LABELS = {
    "import_files": gettext_lazy("fichiers importés supprimés"),
    "invitations": gettext_lazy("liens de diagnostic révoqués"),
    "registrations": gettext_lazy("inscriptions anonymisées"),
    "appointments": gettext_lazy("rendez-vous anonymisés"),
    "workshop_alerts": gettext_lazy("« prévenez-moi » supprimés"),
    "archived_providers": gettext_lazy("prestataires archivés effacés"),
    "staff_accounts": gettext_lazy("comptes du personnel désactivés"),
    "journal": gettext_lazy("entrées du journal supprimées"),
}


class Command(BaseCommand):
    help = "Applique les durées de conservation RGPD de chaque office (ou d'un seul)."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="identifiant (slug) d'un office")
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien modifier")

    def handle(self, *args, office=None, dry_run=False, **options):
        offices = Office.objects.order_by("slug")
        if office:
            offices = offices.filter(slug=office)
            if not offices.exists():
                raise CommandError(_("Office inconnu : %(slug)s") % {"slug": office})
        for item in offices:
            result = apply_retention(office=item, dry_run=dry_run)
            prefix = _("[simulation] ") if dry_run else ""
            counts = ", ".join(f"{LABELS[rule]} : {result.counts[rule]}" for rule in RULES)
            self.stdout.write(f"{prefix}{item.slug} — {counts}")
