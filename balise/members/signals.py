"""Signals of the directory, for the apps that follow it without being called by it.

``providers_imported`` is sent after an import has written its providers in bulk (bulk
writes send no per-row ``post_save``), with ``office``, ``provider_ids`` (created and
updated) and ``source`` (what the import was, in words): the consent history records the
consents the import changed.
"""

from django.dispatch import Signal

providers_imported = Signal()
