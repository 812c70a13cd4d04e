"""Readers that turn member files into ProviderRecord objects, one module per format.

- ``spreadsheet``: CSV and XLSX typed by hand (column mapping confirmed by the office);
- ``datatourisme``: DATAtourisme JSON-LD objects and ``@graph`` exports;
- ``apidae``: Apidae API objects and export zips;
- ``tourinsoft``: Tourinsoft OData syndication feeds, read through a per-office mapping.

Shared pieces: ``base`` (the record, input walking), ``cleaning`` (phones, e-mails...),
``categories`` (words and SIT types → our categories). Matching and saving live in
``balise.members.imports``.
"""

from .base import ImportFileError, ProviderRecord

__all__ = ["ImportFileError", "ProviderRecord"]
