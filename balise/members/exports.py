"""Directory exports in CSV and XLSX.

Headers are the French column names the spreadsheet importer recognises, so an exported
file edited by hand can be imported back and updates the same providers.
"""

import csv
import re
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import SOCIAL_NETWORKS, Label, Provider, Tag


def export_columns() -> list[tuple[str, callable]]:
    """(header, value getter) pairs, built at call time so headers follow the language."""
    columns = [
        (_("Identifiant Balise"), lambda p: p.pk),
        (_("Nom commercial"), lambda p: p.name),
        (_("Raison sociale"), lambda p: p.legal_name),
        (_("Catégorie"), lambda p: p.get_category_display()),
        (_("Adresse"), lambda p: p.address),
        (_("Code postal"), lambda p: p.postal_code),
        (_("Commune"), lambda p: p.locality),
        (_("Code INSEE"), lambda p: p.commune.insee_code if p.commune else ""),
        (_("Latitude"), lambda p: p.latitude if p.latitude is not None else ""),
        (_("Longitude"), lambda p: p.longitude if p.longitude is not None else ""),
        (_("Contact"), lambda p: p.contact_name),
        (_("E-mail"), lambda p: p.email),
        (_("Téléphone"), lambda p: p.phone),
        (_("Site web"), lambda p: p.website),
    ]
    columns += [
        (label, lambda p, network=network: (p.social_links or {}).get(network, ""))
        for network, label in SOCIAL_NETWORKS.items()
    ]
    columns += [
        (_("Labels"), lambda p: ", ".join(label.name for label in p.labels.all())),
        (_("Classement"), lambda p: p.classification),
        (_("Adhésion"), lambda p: p.get_membership_status_display()),
        (_("Année d'adhésion"), lambda p: p.membership_year or ""),
        (_("Consentement e-mails"), lambda p: _("oui") if p.marketing_consent else _("non")),
        (
            _("Date du consentement"),
            lambda p: p.marketing_consent_at.date().isoformat() if p.marketing_consent_at else "",
        ),
        (_("Étiquettes"), lambda p: ", ".join(tag.name for tag in p.tags.all())),
        (_("Notes"), lambda p: p.notes),
        (
            _("Identifiants SIT"),
            lambda p: ", ".join(f"{s.source}:{s.external_id}" for s in p.source_ids.all()),
        ),
        (_("Archivé le"), lambda p: p.archived_at.date().isoformat() if p.archived_at else ""),
    ]
    return columns


def _rows(queryset: QuerySet[Provider]) -> Iterator[list]:
    # Files are always written in French, whatever the interface language: they are the
    # office's data, and the importer reads French headers and values back.
    with translation.override("fr"):
        yield from _french_rows(queryset)


def _french_rows(queryset: QuerySet[Provider]) -> Iterator[list]:
    columns = export_columns()
    yield [header for header, _getter in columns]
    providers = (
        queryset.select_related("commune")
        .prefetch_related(
            Prefetch("labels", queryset=Label.objects.only("id", "name")),
            Prefetch("tags", queryset=Tag.objects.only("id", "name")),
            "source_ids",
        )
        .order_by("normalized_name", "id")
    )
    # iterator() with a chunk size keeps memory flat on 20,000 rows and still prefetches.
    for provider in providers.iterator(chunk_size=1000):
        yield [getter(provider) for _header, getter in columns]


class _Echo:
    def write(self, value):
        return value


def csv_lines(queryset: QuerySet[Provider]) -> Iterator[str]:
    """CSV with a BOM and semicolons: what French Excel opens without a wizard."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    for row in _rows(queryset):
        yield writer.writerow([_safe_cell(value) for value in row])


def xlsx_workbook(queryset: QuerySet[Provider]) -> Workbook:
    """A write-only workbook (constant memory) with one sheet of providers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Prestataires"))
    for row in _rows(queryset):
        sheet.append([_safe_cell(value) for value in row])
    return workbook


PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")


def _safe_cell(value):
    # Cells starting with = + - @ would run as formulas in a spreadsheet (CSV/formula
    # injection from imported data): prefix them so they stay text. Phone numbers such as
    # "+33 4 66 …" are left alone.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not PHONE_LIKE.match(value):
        return "'" + value
    return value
