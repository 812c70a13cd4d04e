"""Tourinsoft syndication feeds (OData JSON): v3 ``{"value": [...]}``, v2 ``{"d": {"results": …}}``.

Every Tourinsoft feed is configured by its owner, so field names differ from one office
to the next. Which feed field fills which directory field is a JSON-friendly mapping:
:data:`DEFAULT_MAPPING`, overridden key by key by ``Office.tourinsoft_mapping``, itself
overridden by the ``mapping`` import option.

Mapping keys (each value is a feed field name or a list of names; the first non-empty
wins, except ``address`` where all are joined; ``""`` or ``[]`` switches a key off):

``external_id``  the object's id (``SyndicObjectID``)
``name``  ``SyndicObjectName``
``category``  a type label read as French words (``ObjectTypeName``: "Hôtellerie",
    "Hôtellerie de plein air", "Restauration"…); a type naming events
    ("Fêtes et manifestations") makes the object skipped
``legal_name``, ``description``, ``contact_name``, ``classification``, ``city``,
``postal_code``, ``insee_code``, ``email``, ``phone``, ``website``, ``address``,
``latitude``, ``longitude``, and one key per social network (``facebook``,
``instagram``, ``x``…)  plain fields
``address_complete``  a packed address ``"street|street 2|street 3|postal code|COMMUNE|INSEE"``
    (``AdresseComplete``): fills address, postal code, city and INSEE code
``communication``  contact means, either packed ``"Type|value#Type|value"``
    (``MoyenDeCom``) or a list of objects; the type label decides (Téléphone…, Mél,
    Site web (URL), Facebook…, see :data:`COMMUNICATION_TYPES`)
``labels``  ``"#Qualité Tourisme#Accueil Vélo"`` or a list

Two optional dictionaries refine the reading:

``category_values``  ``{"Hébergements insolites": "meuble"}``: feed value → our category
``communication_types``  ``{"Portable du gérant": "phone"}``: type label → ``phone``,
    ``email``, ``website``, a network key, or ``""`` to ignore it

Example ``Office.tourinsoft_mapping``::

    {"category": ["Type", "ObjectTypeName"], "labels": "LabelsQualite",
     "category_values": {"Gîtes et meublés": "meuble"}}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import SOCIAL_NETWORKS, Category, Source, normalize_name

from .base import EVENT_REASON, ImportFileError, ProviderRecord, guarded_record, open_entries
from .builder import RecordBuilder
from .categories import is_event_text
from .cleaning import cell_text
from .jsonstream import JsonStream

DEFAULT_MAPPING: dict[str, Any] = {
    "external_id": ["SyndicObjectID"],
    "name": ["SyndicObjectName", "Nom", "NomOffre", "title"],
    "category": ["ObjectTypeName", "Type", "TypeOffre", "Classification"],
    "legal_name": ["RaisonSociale"],
    "description": ["DescriptionCommerciale", "Descriptif", "DescriptifCourt", "Description"],
    "address": ["Adresse1", "Adresse2", "Adresse3"],
    "address_complete": ["AdresseComplete"],
    "postal_code": ["CodePostal"],
    "city": ["Commune", "Ville"],
    "insee_code": ["CodeInseeCommune", "CodeInsee", "Insee"],
    "latitude": ["GmapLatitude", "GooglemapLatitude", "Latitude"],
    "longitude": ["GmapLongitude", "GooglemapLongitude", "Longitude"],
    "communication": ["MoyenDeCom", "MoyensCommunication", "MoyensDeCommunication", "MoyensCom"],
    "email": ["Email", "Mel"],
    "phone": ["Telephone", "Tel"],
    "website": ["SiteWeb", "Site"],
    "contact_name": ["Contact", "NomContact"],
    "labels": ["Labels", "LabelsChartesQualite"],
    "classification": ["ClassementsllPrefectoral", "ClassementPrefectoral", "Classement"],
    "category_values": {},
    "communication_types": {},
    **{network: [] for network in SOCIAL_NETWORKS},
}
MAPPING_KEYS = set(DEFAULT_MAPPING)

# normalize_name(type label) → what it fills. Checked in order, first "startswith" wins.
COMMUNICATION_TYPES: list[tuple[str, str]] = [
    ("telecopie", ""),
    ("fax", ""),
    ("telephone", "phone"),
    ("tel", "phone"),
    ("portable", "phone"),
    ("mobile", "phone"),
    ("mel", "email"),
    ("mail", "email"),
    ("e mail", "email"),
    ("courriel", "email"),
    ("site", "website"),
    ("url", "website"),
    ("internet", "website"),
    *[
        (word, word)
        for word in (
            "facebook",
            "instagram",
            "linkedin",
            "youtube",
            "tiktok",
            "pinterest",
            "tripadvisor",
        )
    ],
    ("twitter", "x"),
    ("x", "x"),
]


def merged_mapping(office_mapping: dict | None, override: dict | None) -> dict[str, Any]:
    """DEFAULT_MAPPING, then the office's, then the import's. Unknown keys are an error."""
    mapping = dict(DEFAULT_MAPPING)
    for layer in (office_mapping or {}, override or {}):
        if not isinstance(layer, dict):
            raise ImportFileError(_("La correspondance Tourinsoft doit être un objet JSON."))
        unknown = set(layer) - MAPPING_KEYS
        if unknown:
            raise ImportFileError(
                _("Correspondance Tourinsoft : clé(s) inconnue(s) %(keys)s.")
                % {"keys": ", ".join(sorted(unknown))}
            )
        mapping.update(layer)
    return mapping


def _names(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str) and v]


def _values(item: dict, mapping: dict, key: str) -> list[Any]:
    values = []
    for name in _names(mapping.get(key)):
        value = item.get(name)
        if value not in (None, "", [], {}):
            values.append(value)
    return values


def _first(item: dict, mapping: dict, key: str) -> Any:
    values = _values(item, mapping, key)
    return values[0] if values else None


def _communication_target(label: str, mapping: dict) -> str | None:
    custom = {normalize_name(k): v for k, v in (mapping.get("communication_types") or {}).items()}
    words = normalize_name(label)
    if words in custom:
        return custom[words]
    for prefix, target in COMMUNICATION_TYPES:
        if (
            words == prefix
            or words.startswith(prefix + " ")
            or (len(prefix) > 3 and words.startswith(prefix))
        ):
            return target
    return None


def _communication_pairs(value: Any) -> list[tuple[str, str]]:
    """(type label, value) pairs from "Type|value#Type|value" or a list of objects."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, str):
        for part in value.split("#"):
            if "|" in part:
                label, _sep, rest = part.partition("|")
                pairs.append((label, rest.split("|")[0]))
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                continue
            label = ""
            content = ""
            for key, field_value in item.items():
                lowered = key.lower()
                if isinstance(field_value, dict) and not label:
                    label = cell_text(
                        field_value.get("ThesLibelle") or field_value.get("Libelle") or ""
                    )
                elif "libelle" in lowered or lowered in {"type", "typeacces"}:
                    label = label or cell_text(field_value)
                elif any(word in lowered for word in ("coord", "valeur", "value", "url")):
                    content = content or cell_text(field_value)
            if content:
                pairs.append((label, content))
    return pairs


def record_from_item(item: dict, *, mapping: dict, filename: str) -> ProviderRecord:
    external_id = cell_text(_first(item, mapping, "external_id"))
    record = ProviderRecord(
        source=Source.TOURINSOFT,
        external_id=external_id[:200],
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": external_id or "?", "file": filename},
        fields={},
        errors=[],
    )
    builder = RecordBuilder(record, strict=False)
    builder.name(_first(item, mapping, "name"))
    type_label = cell_text(_first(item, mapping, "category"))
    if type_label and is_event_text(type_label):
        record.skip_reason = str(EVENT_REASON)
        return record
    if not external_id:
        record.errors.append(
            _("objet sans identifiant (%(field)s)")
            % {"field": "/".join(_names(mapping.get("external_id")))}
        )

    custom_categories = {
        normalize_name(k): v for k, v in (mapping.get("category_values") or {}).items()
    }
    if type_label:
        custom = custom_categories.get(normalize_name(type_label))
        if custom in Category.values:
            record.fields["category"] = custom
        else:
            builder.category(type_label, fallback_classification=False)

    for key in ("legal_name", "description", "contact_name", "classification"):
        builder.text(key, _first(item, mapping, key))
    builder.email(_first(item, mapping, "email"))
    builder.phone(_first(item, mapping, "phone"))
    builder.website(_first(item, mapping, "website"))
    for network in SOCIAL_NETWORKS:
        builder.social(network, _first(item, mapping, network))
    for part in _values(item, mapping, "address"):
        builder.text("address", part, append=True)

    packed = cell_text(_first(item, mapping, "address_complete"))
    if packed:
        parts = (packed.split("|") + [""] * 6)[:6]
        for street in parts[:3]:
            builder.text("address", street, append=True)
        builder.postal_code(parts[3])
        builder.text("city", parts[4])
        builder.insee_code(parts[5])
    builder.postal_code(_first(item, mapping, "postal_code"))
    builder.text("city", _first(item, mapping, "city"))
    builder.insee_code(_first(item, mapping, "insee_code"))
    builder.coordinates(_first(item, mapping, "latitude"), _first(item, mapping, "longitude"))

    for value in _values(item, mapping, "communication"):
        for label, content in _communication_pairs(value):
            target = _communication_target(label, mapping)
            if target == "phone":
                builder.phone(content)
            elif target == "email":
                builder.email(content)
            elif target == "website":
                builder.website(content)
            elif target in SOCIAL_NETWORKS:
                builder.social(target, content)
            elif target is None and "://" in content:
                builder.website(content)
    for value in _values(item, mapping, "labels"):
        builder.labels(value)
    return builder.finish()


_ITEM_LISTS = {("value",), ("d", "results"), ("d",)}


def _guarded(item: dict, mapping: dict, filename: str) -> ProviderRecord:
    try:
        external_id = cell_text(_first(item, mapping, "external_id"))
    except (TypeError, ValueError, RecursionError):
        external_id = ""
    return guarded_record(
        lambda: record_from_item(item, mapping=mapping, filename=filename),
        source=Source.TOURINSOFT,
        external_id=external_id,
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": external_id or "?", "file": filename},
    )


def iter_records(paths, *, mapping: dict) -> Iterator[ProviderRecord]:
    """Records from Tourinsoft feed files (folders and zips accepted), one item in
    memory at a time.

    Raises ImportFileError for broken JSON, or a file that is not an OData feed.
    """
    found = False
    with open_entries(paths, suffixes=(".json",)) as entries:
        for entry in entries:
            document = JsonStream(entry, lists=_ITEM_LISTS)
            for _list, item in document:
                if isinstance(item, dict):
                    yield _guarded(item, mapping, entry.basename)
            if not document.lists_found:
                raise ImportFileError(
                    _("« %(name)s » n'est pas un flux Tourinsoft (ni « value » ni « d.results »).")
                    % {"name": entry.name}
                )
            found = True
    if not found:
        raise ImportFileError(_("Aucun fichier JSON Tourinsoft trouvé."))
