"""Forms of the workshop pages, one module per object as in ``views/``: ``themes``
(catalogue and settings), ``venues`` (rooms, candidate slots), ``programmes``,
``sessions``, ``appointments`` (the animator's slots) and ``public`` (the pages under
``/ateliers/``). Views import the module they need; nothing is re-exported here."""
