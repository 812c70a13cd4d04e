"""Signals of the diagnostics, for the apps that follow them without being called by them.

``response_completed`` is sent (after the transaction commits) each time a diagnostic is
completed or re-scored, with ``response`` (the completed Response): the territory study
refreshes its cached figures on it.
"""

from django.dispatch import Signal

response_completed = Signal()
