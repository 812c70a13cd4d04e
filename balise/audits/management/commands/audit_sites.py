"""``balise audit_sites --office SLUG [--provider ID] [--due]``: audit sites from the shell.

Runs in this process (no worker needed) with a progress bar. ``--due`` audits every
office whose monthly schedule is due: put it in a daily cron job.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from balise.audits import services
from balise.audits.models import AuditRun
from balise.members.models import Provider
from balise.offices.models import Office


class Command(BaseCommand):
    help = (
        "Audite les sites web des prestataires d'un office "
        "(ou des offices dont l'audit mensuel est dû)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--office", help="identifiant (slug) de l'office")
        parser.add_argument("--provider", type=int, help="n'auditer que ce prestataire (id)")
        parser.add_argument(
            "--due", action="store_true", help="auditer les offices dont l'audit mensuel est dû"
        )

    def handle(self, *args, office=None, provider=None, due=False, **options):
        if due:
            if office or provider:
                raise CommandError("--due ne se combine pas avec --office ni --provider.")
            self._due()
            return
        if not office:
            raise CommandError("Précisez --office SLUG (ou --due).")
        office_obj = Office.objects.filter(slug=office).first()
        if office_obj is None:
            raise CommandError(f"Office inconnu : {office}")
        if provider is not None:
            self._one(office_obj, provider)
        else:
            self._office(office_obj)

    def _one(self, office: Office, provider_id: int) -> None:
        provider = Provider.objects.filter(office=office, pk=provider_id).first()
        if provider is None:
            raise CommandError(f"Prestataire {provider_id} inconnu dans l'office {office.slug}.")
        if not provider.website:
            raise CommandError(f"« {provider.name} » n'a pas de site web.")
        audit = services.audit_provider(provider=provider)
        self._summary([audit.run_id])

    def _office(self, office: Office) -> None:
        run = services.start_run(office=office, enqueue=False)
        with tqdm(total=run.total, desc=office.slug, unit="site") as bar:
            run = services.run_audit(run.pk, on_result=lambda *_: bar.update(1))
        self._report(run)

    def _due(self) -> None:
        bars: dict[int, tqdm] = {}

        def on_result(run, provider, audit):
            if run.pk not in bars:
                bars[run.pk] = tqdm(total=run.total, desc=run.office.slug, unit="site")
            bars[run.pk].update(1)

        try:
            runs = services.run_due_schedules(enqueue=False, on_result=on_result)
        finally:
            for bar in bars.values():
                bar.close()
        if not runs:
            self.stdout.write("Aucun audit mensuel n'est dû.")
        for run in runs:
            self._report(run)

    def _report(self, run: AuditRun) -> None:
        if run.status == "failed":
            self.stderr.write(f"{run.office.slug} : échec de l'audit ({run.error})")
        self._summary([run.pk], label=f"{run.office.slug} : {run.done}/{run.total} sites audités. ")

    def _summary(self, run_ids: list[int], label: str = "") -> None:
        totals = services.run_totals(AuditRun.objects.filter(pk__in=run_ids))
        self.stdout.write(
            f"{label}Vérifications : {totals['ok']} ok, {totals['to_improve']} à améliorer, "
            f"{totals['missing']} absentes ; {totals['unreachable']} site(s) injoignable(s)."
        )
