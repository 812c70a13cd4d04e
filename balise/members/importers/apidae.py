"""Apidae: objects from the API (v002) and export zips.

Accepted inputs: one object, a list of objects, an API search answer
(``{"objetsTouristiques": [...]}``), or an export zip/folder holding
``objets_modifies/*.json`` (lists of objects), ``objets_supprimes.json`` (ids of deleted
objects: skipped with a reason), ``communes.json`` (Apidae commune id → INSEE ``code``,
``nom``, ``codePostal``) and ``elements_reference.json`` (id → French label, used for
classifications and labels). ``selections.json`` and ``criteres_internes.json`` are
ignored.

Fields read: ``id``, ``type`` (category, see ``categories.py``; FETE_ET_MANIFESTATION is
an event and skipped), ``nom.libelleFr``, ``presentation.descriptifCourt``,
``localisation.adresse`` (adresse1-3, codePostal, commune), ``localisation.
geolocalisation.geoJson`` ([longitude, latitude]), ``informations.moyensCommunication``
and the referent contact's (type ids: 201/206 phone, 204 e-mail, 205 website,
207 Facebook, 3755 Twitter/X, 4000 TripAdvisor; other types are recognised by their
French label or by the address itself: an instagram.com link is Instagram).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import Category, Source, normalize_name

from .base import (
    DELETED_REASON,
    EVENT_REASON,
    Entry,
    ImportFileError,
    ProviderRecord,
    guarded_record,
    open_entries,
)
from .builder import RecordBuilder
from .categories import (
    APIDAE_BED_AND_BREAKFAST_TYPE_IDS,
    APIDAE_EVENT_TYPE,
    APIDAE_TYPES,
    category_from_text,
    is_association_text,
)
from .cleaning import cell_text
from .jsonstream import JsonStream

PHONE, FAX, EMAIL, WEBSITE, ALT_PHONE, FACEBOOK = 201, 202, 204, 205, 206, 207
TWITTER, GOOGLE, MOBILE_WEBSITE, TRIPADVISOR, YELP = 3755, 3789, 3769, 4000, 4007
_NETWORK_TYPE_IDS = {FACEBOOK: "facebook", TWITTER: "x", TRIPADVISOR: "tripadvisor"}
_NETWORK_WORDS = {
    "facebook": "facebook",
    "instagram": "instagram",
    "linkedin": "linkedin",
    "youtube": "youtube",
    "tiktok": "tiktok",
    "twitter": "x",
    "pinterest": "pinterest",
    "tripadvisor": "tripadvisor",
}
_IGNORED_FILES = {"selections.json", "criteres_internes.json", "territoires.json", "export.json"}
_GONE_STATES = {"DELETED", "ARCHIVED"}

# Type-specific blocks that may hold a classification or labels.
_INFO_BLOCKS = (
    "informationsHotellerie",
    "informationsHotelleriePleinAir",
    "informationsHebergementLocatif",
    "informationsHebergementCollectif",
    "informationsRestauration",
    "informationsActivite",
    "informationsEquipement",
    "informationsPatrimoineCulturel",
    "informationsDegustation",
    "informationsCommerceEtService",
)


def _libelle(value: Any) -> str:
    """French text of an Apidae ``{"libelleFr": …, "libelleEn": …}`` block."""
    if not isinstance(value, dict):
        return cell_text(value)
    if value.get("libelleFr"):
        return cell_text(value["libelleFr"], multiline=True)
    for key, text in value.items():
        if key.startswith("libelle") and cell_text(text):
            return cell_text(text, multiline=True)
    return ""


def _coordinate(value: Any) -> str:
    """The text of a communication means: ``{"fr": "…"}`` or a plain string."""
    if isinstance(value, dict):
        return cell_text(value.get("fr") or next((v for v in value.values() if v), ""))
    return cell_text(value)


def _is_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "id" in value
        and "type" in value
        and ("nom" in value or "state" in value)
    )


_OBJECT_LISTS = {(), ("objetsTouristiques",), ("objetTouristique",), ("objets",)}


def _looks_like_commune(item: Any) -> bool:
    return isinstance(item, dict) and "code" in item and "nom" in item and "type" not in item


class _Context:
    """What an export zip knows beside the objects: communes and reference labels."""

    def __init__(self):
        self.communes: dict[Any, dict] = {}
        self.references: dict[Any, str] = {}

    def add_commune(self, commune: Any) -> None:
        if isinstance(commune, dict) and isinstance(commune.get("id"), int | str):
            self.communes[commune["id"]] = {
                key: commune[key] for key in ("code", "nom", "codePostal") if key in commune
            }

    def add_reference(self, element: Any) -> None:
        if (
            isinstance(element, dict)
            and isinstance(element.get("id"), int | str)
            and element.get("libelleFr")
        ):
            self.references[element["id"]] = cell_text(element["libelleFr"])

    def label(self, ref: Any) -> str:
        if not isinstance(ref, dict):
            return ""
        key = ref.get("id")
        return _libelle(ref) or (self.references.get(key, "") if isinstance(key, int | str) else "")


def _category(obj: dict, name: str) -> Category:
    kind = obj.get("type", "")
    category = APIDAE_TYPES.get(kind, Category.OTHER)
    if kind == "HEBERGEMENT_LOCATIF":
        subtype = (obj.get("informationsHebergementLocatif") or {}).get(
            "hebergementLocatifType"
        ) or {}
        if subtype.get("id") in APIDAE_BED_AND_BREAKFAST_TYPE_IDS or (
            category_from_text(_libelle(subtype) or name) == Category.BED_AND_BREAKFAST
        ):
            category = Category.BED_AND_BREAKFAST
    elif kind == "STRUCTURE" and is_association_text(name):
        category = Category.ASSOCIATION
    return category


def _communication(builder: RecordBuilder, means: list[Any]) -> None:
    for mean in means or []:
        if not isinstance(mean, dict):
            continue
        kind = mean.get("type") or {}
        type_id = kind.get("id") if isinstance(kind, dict) else None
        value = _coordinate(mean.get("coordonnees"))
        if not value:
            continue
        label = normalize_name(_libelle(kind)) if isinstance(kind, dict) else ""
        if type_id in (PHONE, ALT_PHONE):
            builder.phone(value)
        elif type_id == EMAIL:
            builder.email(value)
        elif type_id == WEBSITE:
            builder.website(value)
        elif type_id in _NETWORK_TYPE_IDS:
            builder.social(_NETWORK_TYPE_IDS[type_id], value)
        elif type_id in (FAX, GOOGLE, MOBILE_WEBSITE, YELP):
            continue
        elif any(word in label for word in _NETWORK_WORDS):
            network = next(_NETWORK_WORDS[word] for word in _NETWORK_WORDS if word in label)
            builder.social(network, value)
        elif "://" in value or value.startswith("www."):
            builder.website(value)  # social networks are recognised by their address


def record_from_object(obj: dict, *, filename: str, context: _Context) -> ProviderRecord:
    object_id = cell_text(obj.get("id"))
    record = ProviderRecord(
        source=Source.APIDAE,
        external_id=object_id,
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": object_id or "?", "file": filename},
        fields={},
        errors=[],
    )
    builder = RecordBuilder(record, strict=False)
    builder.name(_libelle(obj.get("nom")))
    if obj.get("type") == APIDAE_EVENT_TYPE:
        record.skip_reason = str(EVENT_REASON)
        return record
    if obj.get("state") in _GONE_STATES:
        record.skip_reason = str(DELETED_REASON)
        return record
    if not object_id:
        record.errors.append(_("objet sans identifiant"))
    record.fields["category"] = str(_category(obj, record.fields.get("name", "")))

    presentation = obj.get("presentation") or {}
    builder.text("description", _libelle(presentation.get("descriptifCourt")))

    location = obj.get("localisation") or {}
    address = location.get("adresse") or {}
    for key in ("adresse1", "adresse2", "adresse3"):
        builder.text("address", address.get(key), append=True)
    builder.postal_code(address.get("codePostal"))
    commune = address.get("commune") or {}
    if isinstance(commune, dict):
        known = context.communes.get(commune.get("id"), {})
        builder.insee_code(commune.get("code") or known.get("code"))
        builder.text("city", commune.get("nom") or known.get("nom"))
        builder.postal_code(known.get("codePostal"))
    geo = location.get("geolocalisation") or {}
    coordinates = (geo.get("geoJson") or {}).get("coordinates")
    if geo.get("valide", True) and isinstance(coordinates, list) and len(coordinates) >= 2:
        builder.coordinates(coordinates[1], coordinates[0])

    _communication(builder, (obj.get("informations") or {}).get("moyensCommunication"))
    contacts = [c for c in obj.get("contacts") or [] if isinstance(c, dict)]
    contacts.sort(key=lambda c: not c.get("referent"))
    for contact in contacts:
        _communication(builder, contact.get("moyensCommunication"))
    if contacts:
        person = " ".join(cell_text(contacts[0].get(k)) for k in ("prenom", "nom")).strip()
        builder.text("contact_name", person)

    for block_name in _INFO_BLOCKS:
        block = obj.get(block_name) or {}
        for key in ("classement", "classementPrefectoral", "classementGuide"):
            builder.classification(context.label(block.get(key)))
        labels = [context.label(ref) for ref in block.get("labels") or []]
        labels += [context.label(block.get("typeLabel"))]
        builder.labels([label for label in labels if label])
    return builder.finish()


def _guarded(obj: dict, filename: str, context: _Context) -> ProviderRecord:
    object_id = obj.get("id")
    object_id = cell_text(object_id) if isinstance(object_id, int | str) else ""
    return guarded_record(
        lambda: record_from_object(obj, filename=filename, context=context),
        source=Source.APIDAE,
        external_id=object_id,
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": object_id or "?", "file": filename},
    )


def _first_item(entry: Entry) -> Any:
    """The first item of a file that is a list (None otherwise), the rest left unread."""
    items = iter(JsonStream(entry, lists={()}))
    try:
        return next(items, (None, None))[1]
    finally:
        items.close()


def iter_records(paths) -> Iterator[ProviderRecord]:
    """Records from Apidae files, folders and export zips, one object in memory at a time.

    The communes and reference labels of an export are read first, so that the objects
    (read after) can use them.
    Raises ImportFileError for a broken zip or JSON, or when no Apidae object is found.
    """
    context = _Context()
    found = False
    with open_entries(paths, suffixes=(".json",)) as entries:
        objects: list[Entry] = []
        deleted: list[Entry] = []
        for entry in entries:
            name = entry.basename.lower()
            if name in _IGNORED_FILES:
                continue
            if name == "communes.json" or (
                name != "elements_reference.json" and _looks_like_commune(_first_item(entry))
            ):
                for _list, commune in JsonStream(entry, lists={()}):
                    context.add_commune(commune)
            elif name == "elements_reference.json":
                for _list, element in JsonStream(entry, lists={()}):
                    context.add_reference(element)
            elif name == "objets_supprimes.json":
                deleted.append(entry)
            else:
                objects.append(entry)
        for entry in objects:
            document = JsonStream(entry, lists=_OBJECT_LISTS)
            for _list, obj in document:
                if _is_object(obj):
                    found = True
                    yield _guarded(obj, entry.basename, context)
            found = found or bool(document.lists_found - {()})
            rest = document.rest
            if isinstance(rest, dict) and not _is_object(rest):
                rest = next(
                    (
                        rest[key]
                        for key in ("objetsTouristiques", "objetTouristique", "objets")
                        if key in rest
                    ),
                    None,
                )
            if _is_object(rest):
                found = True
                yield _guarded(rest, entry.basename, context)
        for entry in deleted:
            for _list, object_id in JsonStream(entry, lists={()}):
                if not isinstance(object_id, int | str):
                    continue
                found = True
                yield ProviderRecord(
                    source=Source.APIDAE,
                    external_id=cell_text(object_id)[:200],
                    locator=_("objet %(id)s (fichier %(file)s)")
                    % {"id": object_id, "file": entry.basename},
                    fields={},
                    errors=[],
                    skip_reason=str(DELETED_REASON),
                )
    if not found:
        raise ImportFileError(
            _("Aucun objet Apidae (avec « id », « type » et « nom ») dans ce fichier.")
        )
