"""``balise workshop_reminders``: the day-before reminder of the workshop sessions.

Put it in a daily cron job (e.g. every morning): each confirmed registrant of a session
starting by the end of tomorrow gets one reminder, never two, however often it runs.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from balise.workshops.registrations import send_reminders


class Command(BaseCommand):
    help = "Envoie le rappel de la veille aux inscrits des séances d'ateliers."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(
            ngettext("%(count)d rappel envoyé.", "%(count)d rappels envoyés.", sent)
            % {"count": sent}
        )
