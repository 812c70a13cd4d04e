"""The provider's fields, declared once: which exist, what they are called, how they group.

The edit form lays out its fieldsets from this list, the import offers these fields as
the targets of a column and names them in its preview, and the RGPD export writes them.
A field added to ``Provider`` is declared here, and all three follow; how an import
recognises a column title stays with the import (``importers/columns.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import SOCIAL_NETWORKS, Provider


class Group(models.TextChoices):
    """The sections of the provider's record, as the form shows them."""

    IDENTITY = "identity", _("Identité")
    PLACE = "place", _("Adresse")
    CONTACT = "contact", _("Contacts")
    SOCIAL = "social", _("Réseaux sociaux")
    FOLLOW_UP = "follow_up", _("Adhésion, consentement et suivi")


class Kind(Enum):
    """Where a field's value is kept on the provider."""

    COLUMN = "column"  # a column of Provider, same name
    COMMUNE = "commune"  # Provider.commune, written as its INSEE code
    NAMES = "names"  # a many-to-many of names (labels, tags), same name
    SOCIAL = "social"  # one key of Provider.social_links


@dataclass(frozen=True)
class ProviderField:
    name: str
    group: Group
    kind: Kind = Kind.COLUMN
    # None: the model field's verbose name (one wording for the form, admin and import).
    own_label: Any = None
    # A file can fill it: the import offers it as a column's target.
    imported: bool = True
    # The office types it: the edit form shows it. Fields neither imported nor edited
    # are kept by Balise itself (dates) and only read.
    edited: bool = True

    @property
    def label(self) -> Any:
        if self.own_label is not None:
            return self.own_label
        return capfirst(Provider._meta.get_field(self.name).verbose_name)


_KEPT_BY_BALISE = {"imported": False, "edited": False}

PROVIDER_FIELDS: tuple[ProviderField, ...] = (
    ProviderField("name", Group.IDENTITY),
    ProviderField("legal_name", Group.IDENTITY),
    ProviderField("category", Group.IDENTITY),
    ProviderField("classification", Group.IDENTITY),
    ProviderField("labels", Group.IDENTITY, Kind.NAMES),
    ProviderField("description", Group.IDENTITY),
    ProviderField("address", Group.PLACE),
    ProviderField("postal_code", Group.PLACE),
    ProviderField("city", Group.PLACE),
    ProviderField("insee_code", Group.PLACE, Kind.COMMUNE, own_label=_("Code INSEE de la commune")),
    ProviderField("latitude", Group.PLACE),
    ProviderField("longitude", Group.PLACE),
    ProviderField("contact_name", Group.CONTACT),
    ProviderField("email", Group.CONTACT),
    ProviderField("phone", Group.CONTACT),
    ProviderField("website", Group.CONTACT),
    *(
        ProviderField(network, Group.SOCIAL, Kind.SOCIAL, own_label=label)
        for network, label in SOCIAL_NETWORKS.items()
    ),
    ProviderField("membership_status", Group.FOLLOW_UP),
    ProviderField("membership_year", Group.FOLLOW_UP),
    ProviderField("marketing_consent", Group.FOLLOW_UP),
    # Where the consent was given: an import writes its own (the name of the file).
    ProviderField("marketing_consent_source", Group.FOLLOW_UP, imported=False),
    ProviderField("tags", Group.FOLLOW_UP, Kind.NAMES),
    ProviderField("notes", Group.FOLLOW_UP),
    ProviderField("marketing_consent_at", Group.FOLLOW_UP, **_KEPT_BY_BALISE),
    ProviderField("archived_at", Group.FOLLOW_UP, **_KEPT_BY_BALISE),
    ProviderField("created_at", Group.FOLLOW_UP, **_KEPT_BY_BALISE),
    ProviderField("updated_at", Group.FOLLOW_UP, **_KEPT_BY_BALISE),
)

BY_NAME = {field.name: field for field in PROVIDER_FIELDS}
IMPORTED_FIELDS = tuple(field for field in PROVIDER_FIELDS if field.imported)
EDITED_FIELDS = tuple(field for field in PROVIDER_FIELDS if field.edited)
# Provider columns a file writes as they are (no matching, merging or splitting).
IMPORTED_COLUMNS = frozenset(f.name for f in IMPORTED_FIELDS if f.kind is Kind.COLUMN)


def field_labels() -> dict[str, Any]:
    """Field name → label, for messages that name a field."""
    return {field.name: field.label for field in PROVIDER_FIELDS}
