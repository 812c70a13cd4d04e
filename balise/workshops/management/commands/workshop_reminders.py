"""``balise workshop_reminders``: the day-before reminder of the workshop sessions and of
the individual appointments, and the day-after request for the attendees' opinion.

Put it in a daily cron job (e.g. every morning): each confirmed registrant of a session
and each person with a booked appointment starting by the end of tomorrow gets one
reminder, and each attendee of a session that ended in the last three days one request
for feedback, never two, however often it runs.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from balise.workshops.appointments import send_appointment_reminders
from balise.workshops.registrations import send_feedback_requests, send_reminders


class Command(BaseCommand):
    help = (
        "Envoie le rappel de la veille aux inscrits des séances d'ateliers et aux "
        "rendez-vous individuels, et la demande d'avis aux participants."
    )

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(
            ngettext("%(count)d rappel envoyé.", "%(count)d rappels envoyés.", sent)
            % {"count": sent}
        )
        booked = send_appointment_reminders()
        self.stdout.write(
            ngettext(
                "%(count)d rappel de rendez-vous envoyé.",
                "%(count)d rappels de rendez-vous envoyés.",
                booked,
            )
            % {"count": booked}
        )
        asked = send_feedback_requests()
        self.stdout.write(
            ngettext(
                "%(count)d demande d'avis envoyée.", "%(count)d demandes d'avis envoyées.", asked
            )
            % {"count": asked}
        )
