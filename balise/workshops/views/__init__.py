"""Pages of the workshops, one module per object for the staff (``themes``, ``venues``,
``programmes``, ``sessions``, ``appointments``, ``results``) and one for the public
(``public``, under ``/ateliers/``). ``urls.py`` and ``public_urls.py`` import these
modules directly; nothing is re-exported here.

Staff views are thin: access → form → service → response. Reading needs the "read" role
(lecteur included); every change needs "edit" (animateur, admin). Every id goes through
``get_for_office``, so another office's row is a 404.
"""
