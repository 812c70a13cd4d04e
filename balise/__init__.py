"""Balise: the digital diagnostic of a tourism territory, from member directory to workshops."""
