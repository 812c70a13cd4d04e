"""A fictional but realistic territory to show and try Balise (`balise demo`).

Layout:
- ``territory``: the network, offices, communes and staff (fixed data);
- ``names``, ``catalog``: word lists and what each category of provider looks like;
- ``providers``: drawing providers from a seeded random generator (pure, no database);
- ``directory``: the demo step that saves each office's providers in bulk;
- ``builder``: :func:`build_demo` and the list of steps later features plug into.
"""
