"""Signals other apps may listen to (the audit trail, to purge what it copied)."""

from django.dispatch import Signal

# Sent after a provider was anonymised, on commit: office (Office), provider_id (int).
provider_erased = Signal()
