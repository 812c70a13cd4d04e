"""`balise create_office SLUG --name NAME [--admin EMAIL] [--network SLUG]`.

Sets up an office on a new installation. With ``--admin`` the person becomes its
administrator and receives an e-mail with a link to choose a password; the link is printed
too, so the office can be set up before outgoing mail works.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from balise.offices import services
from balise.offices.models import Role


class Command(BaseCommand):
    help = (
        "Crée un office de tourisme et, avec --admin, son administrateur, qui reçoit par "
        "e-mail un lien pour choisir son mot de passe."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slug", help=("identifiant de l'office dans les adresses, ex. haut-vallon")
        )
        parser.add_argument("--name", required=True, help=("nom de l'office"))
        parser.add_argument("--admin", metavar="EMAIL", help=("e-mail de l'administrateur"))
        parser.add_argument("--admin-name", default="", help=("nom complet de l'administrateur"))
        parser.add_argument(
            "--network",
            metavar="SLUG",
            help=("réseau de l'office (créé s'il n'existe pas)"),
        )
        parser.add_argument(
            "--network-name", default="", help=("nom du réseau, s'il faut le créer")
        )

    def handle(self, *args, **options):
        try:
            admin_email = services.normalize_email(options["admin"]) if options["admin"] else None
            with transaction.atomic():
                network = None
                if options["network"]:
                    network = services.ensure_network(
                        slug=options["network"], name=options["network_name"]
                    )
                office = services.create_office(
                    slug=options["slug"], name=options["name"], network=network
                )
                membership = None
                if admin_email:
                    # The e-mail goes out after the commit, so a mail failure cannot leave
                    # a half-created office behind.
                    membership = services.add_staff(
                        office=office,
                        email=admin_email,
                        role=Role.ADMIN,
                        full_name=options["admin_name"],
                        send_invitation=False,
                    )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        self.stdout.write(
            self.style.SUCCESS(
                _("Office « %(name)s » créé (identifiant %(slug)s).")
                % {"name": office.name, "slug": office.slug}
            )
        )
        if network is not None:
            self.stdout.write(_("Réseau : %(name)s") % {"name": network.name})
        if membership is None:
            self.stdout.write(
                _(
                    "Aucun administrateur : relancez avec --admin EMAIL sur un nouvel "
                    "identifiant, ou ajoutez l'équipe depuis l'administration technique."
                )
            )
            return

        user = membership.user
        try:
            link = services.send_staff_invitation(membership=membership)
        except Exception as error:  # any mail backend error: the printed link still works
            link = services.password_setup_url(user) if not user.has_usable_password() else None
            self.stderr.write(
                _(
                    "L'e-mail d'invitation n'a pas pu être envoyé (%(error)s) ; "
                    "transmettez le lien ci-dessous."
                )
                % {"error": error}
            )
        else:
            self.stdout.write(
                _("Administrateur : %(email)s ; un e-mail d'invitation lui a été envoyé.")
                % {"email": user.email}
            )
        if user.has_usable_password():
            self.stdout.write(
                _("%(email)s a déjà un mot de passe : il se connecte comme d'habitude.")
                % {"email": user.email}
            )
        if link:
            self.stdout.write(_("Lien de l'invitation :") + f"\n  {link}")
