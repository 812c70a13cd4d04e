"""`balise demo [--reset] [--seed N]`: fill the database with the demo territory.

Repeatable: the same seed gives the same data. Running it again leaves an existing demo
alone; ``--reset`` deletes the demo offices and builds them again.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from balise.demo.builder import DEFAULT_SEED, build_demo, demo_exists, demo_logins, reset_demo
from balise.demo.context import DemoError
from balise.demo.territory import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Remplit la base avec un territoire de démonstration fictif : un réseau, deux offices, "
        "leurs équipes et environ 500 prestataires."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=("supprime la démo existante et la reconstruit"),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=("graine du tirage aléatoire (même graine, mêmes données)"),
        )

    def handle(self, *args, reset: bool, seed: int, **options):
        started = time.perf_counter()
        if not reset and demo_exists():
            self.stdout.write(
                _(
                    "La démo est déjà en place : rien n'a été modifié "
                    "(--reset pour la reconstruire)."
                )
            )
            self.print_logins()
            return
        try:
            with transaction.atomic():
                if reset:
                    reset_demo()
                build_demo(seed=seed, stdout=self.stdout)
        except DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Démo créée en %(seconds)s s (graine %(seed)s).")
                % {"seconds": number_format(time.perf_counter() - started, 1), "seed": seed}
            )
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(
            _(
                "Comptes de démonstration (mot de passe pour tous : %(password)s ; "
                "démo uniquement) :"
            )
            % {"password": DEMO_PASSWORD}
        )
        office = None
        for login in demo_logins():
            if login.office_name != office:
                office = login.office_name
                self.stdout.write(f"  {office}")
            self.stdout.write(
                f"    {login.email:<30} {login.role} : {login.full_name}, {login.title}"
            )
        self.stdout.write("")
        self.stdout.write(_("Ouvrez Balise : %(url)s") % {"url": f"{settings.SITE_URL}/"})
