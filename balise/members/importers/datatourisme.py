"""DATAtourisme JSON-LD: one object per file, or an ``@graph`` export, alone or zipped.

Two shapes are read:

- the current per-object files (``30-0049c43b-….json``, also found inside the national
  zip exports next to an ``index.json``): keys such as ``isLocatedAt``, ``hasContact``,
  ``rdfs:label`` as ``{"fr": ["…"]}``;
- the older ``@graph`` exports, where DATAtourisme keys carry a leading colon
  (``:isLocatedAt``, ``:hasContact``, ``:hasAddressCity``), literals may be
  ``{"@value": …, "@language": "fr"}`` objects, and nested nodes may be flattened into
  the graph and referenced by ``{"@id": …}``.

What is kept: ``dc:identifier`` (external id), ``rdfs:label`` (French first), the
``@type`` list (category, see ``categories.py``; events are skipped), the first address
of ``isLocatedAt`` (street, postal code, locality, ``hasAddressCity.insee``), its
``schema:geo``, the first e-mail / phone / homepage of ``hasContact`` (the booking agency
in ``hasBookingContact`` only as a last resort), ``rdfs:comment`` as description, and
``hasReview``: a ``ScaleRating`` gives the classification, a ``LabelRating`` a label.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import Category, Source

from .base import (
    EVENT_REASON,
    MALFORMED,
    ImportFileError,
    ProviderRecord,
    guarded_record,
    open_entries,
)
from .builder import RecordBuilder
from .categories import bare_type, category_from_datatourisme_types, is_datatourisme_event
from .cleaning import cell_text, social_network_of
from .jsonstream import JsonStream

_LANGS = ("fr", "fr-FR", "fr_FR")


class Graph:
    """Access to JSON-LD nodes whatever the key style, resolving ``{"@id": …}`` references."""

    def __init__(self, nodes_by_id: dict[str, dict] | None = None):
        self.nodes_by_id = nodes_by_id or {}

    def get(self, node: Any, key: str) -> Any:
        if not isinstance(node, dict):
            return None
        candidates = [key, ":" + key]
        if ":" not in key:
            candidates.append("datatourisme:" + key)
        else:
            prefix, local = key.split(":", 1)
            if prefix == "schema":
                candidates += [f"http://schema.org/{local}", f"https://schema.org/{local}"]
        for candidate in candidates:
            if candidate in node:
                return node[candidate]
        return None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str):
            return self.nodes_by_id.get(value["@id"], value)
        return value

    def all(self, node: Any, key: str) -> list[Any]:
        """Every value under ``key``, as a flat list, references resolved."""
        value = self.get(node, key)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [self.resolve(v) for v in values if v is not None]

    def first(self, node: Any, key: str) -> Any:
        values = self.all(node, key)
        return values[0] if values else None

    def literals(self, node: Any, key: str) -> list[str]:
        """Plain values under ``key``: strings, ``@value`` objects, lists of them."""
        out: list[str] = []
        for value in self.all(node, key):
            if isinstance(value, dict):
                if "@value" in value:
                    out.append(cell_text(value["@value"]))
                elif "@id" in value and len(value) == 1:
                    out.append(cell_text(value["@id"]))
            else:
                out.append(cell_text(value))
        return [v for v in out if v]

    def literal(self, node: Any, key: str) -> str:
        values = self.literals(node, key)
        return values[0] if values else ""

    def text(self, node: Any, key: str) -> str:
        """A language-tagged text, French first: ``{"fr": ["…"]}`` or ``@language`` objects.

        Only the chosen text is cleaned: descriptions come in up to seven languages.
        """
        by_lang: dict[str, list[Any]] = {}
        plain: list[Any] = []
        for value in self.all(node, key):
            if isinstance(value, dict) and "@value" in value:
                lang = value.get("@language", "")
                (by_lang.setdefault(lang, []) if lang else plain).append(value["@value"])
            elif isinstance(value, dict):
                for lang, texts in value.items():
                    if not lang.startswith("@"):
                        by_lang.setdefault(lang, []).extend(
                            texts if isinstance(texts, list) else [texts]
                        )
            else:
                plain.append(value)
        preferred = [by_lang.get(lang, []) for lang in _LANGS]
        for candidates in [*preferred, plain, *by_lang.values()]:
            for candidate in candidates:
                if isinstance(candidate, dict):
                    candidate = candidate.get("@value", "")
                text = cell_text(candidate, multiline=True)
                if text:
                    return text
        return ""

    def types(self, node: dict) -> set[str]:
        value = node.get("@type", [])
        values = value if isinstance(value, list) else [value]
        return {bare_type(v) for v in values if isinstance(v, str)}


def _is_poi(graph: Graph, node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    types = graph.types(node)
    return (
        graph.get(node, "isLocatedAt") is not None
        or "PointOfInterest" in types
        or is_datatourisme_event(types)
        or ("dc:identifier" in node and graph.get(node, "rdfs:label") is not None and bool(types))
    )


def objects_in(data: Any) -> Iterator[tuple[Graph, dict]]:
    """The points of interest of one parsed JSON value, each with its graph."""
    if isinstance(data, dict) and "@graph" in data:
        found = data["@graph"]
        nodes = [n for n in (found if isinstance(found, list) else [found]) if isinstance(n, dict)]
        graph = Graph({n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)})
        # A node nested in another POI (a neighbour...) is listed on its own as well.
        for node in nodes:
            if _is_poi(graph, node):
                yield graph, node
    elif isinstance(data, dict):
        if _is_poi(Graph(), data):
            yield Graph(), data
    elif isinstance(data, list):
        for item in data:
            yield from objects_in(item) if isinstance(item, dict) else ()


def _contacts(graph: Graph, node: dict) -> list[dict]:
    """Contacts, the provider's own first: the booking agency (Gîtes de France
    Réservation…) is listed in ``hasBookingContact`` and comes last."""
    booking_ids = {
        c.get("@id")
        for c in graph.all(node, "hasBookingContact")
        if isinstance(c, dict) and isinstance(c.get("@id"), str)
    }
    contacts = [c for c in graph.all(node, "hasContact") if isinstance(c, dict)]
    own = [c for c in contacts if c.get("@id") not in booking_ids or not c.get("@id")]
    others = [c for c in contacts if c not in own]
    extra = [c for c in graph.all(node, "hasBookingContact") if isinstance(c, dict)]
    return own + others + extra


def record_from_object(graph: Graph, node: dict, *, filename: str) -> ProviderRecord:
    external_id = graph.literal(node, "dc:identifier") or cell_text(node.get("@id", ""))
    record = ProviderRecord(
        source=Source.DATATOURISME,
        external_id=external_id[:200],
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": external_id or "?", "file": filename},
        fields={},
        errors=[],
    )
    builder = RecordBuilder(record, strict=False)
    builder.name(graph.text(node, "rdfs:label") or graph.text(node, "schema:name"))
    types = graph.types(node)
    if is_datatourisme_event(types):
        record.skip_reason = str(EVENT_REASON)
        return record
    if not external_id:
        record.errors.append(_("objet sans identifiant (dc:identifier)"))
    category = category_from_datatourisme_types(types)
    record.fields["category"] = str(category)
    if category == Category.OTHER:
        record.warnings.append(
            _("types %(types)s non reconnus : catégorie « Autre »")
            % {"types": ", ".join(sorted(types)) or "—"}
        )
    builder.text("description", graph.text(node, "rdfs:comment"))
    if "description" not in record.fields:
        for description in graph.all(node, "hasDescription"):
            builder.text("description", graph.text(description, "shortDescription"))

    _read_place(graph, node, builder)

    for contact in _contacts(graph, node):
        for email in graph.literals(contact, "schema:email"):
            builder.email(email)
            break
        for phone in graph.literals(contact, "schema:telephone"):
            builder.phone(phone)
            break
        for url in graph.literals(contact, "foaf:homepage"):
            builder.website(url)
            if "website" in record.fields:
                break
    for url in graph.literals(node, "schema:sameAs") + graph.literals(node, "owl:sameAs"):
        if social_network_of(url):
            builder.website(url)
    owners = [c for c in graph.all(node, "isOwnedBy") if isinstance(c, dict)]
    name_key = (record.fields.get("name") or "").casefold()
    for contact in graph.all(node, "hasContact") + owners:
        legal = graph.literal(contact, "schema:legalName") if isinstance(contact, dict) else ""
        if legal and legal.casefold() == name_key:
            builder.text("legal_name", legal)
            break

    for review in graph.all(node, "hasReview"):
        value = graph.first(review, "hasReviewValue")
        if not isinstance(value, dict):
            continue
        value_types = graph.types(value)
        label = graph.text(value, "rdfs:label")
        if not label:
            continue
        if "LabelRating" in value_types:
            builder.labels([label])
        else:
            builder.classification(label)
    return builder.finish()


def _read_place(graph: Graph, node: dict, builder: RecordBuilder) -> None:
    for place in graph.all(node, "isLocatedAt"):
        if not isinstance(place, dict):
            continue
        for address in graph.all(place, "schema:address"):
            if not isinstance(address, dict):
                continue
            streets = graph.literals(address, "schema:streetAddress")
            builder.text("address", ", ".join(streets))
            builder.postal_code(graph.literal(address, "schema:postalCode"))
            city = graph.first(address, "hasAddressCity")
            locality = graph.literal(address, "schema:addressLocality")
            if isinstance(city, dict):
                insee = graph.literal(city, "insee")
                if not insee and str(city.get("@id", "")).startswith("kb:"):
                    insee = city["@id"][3:]
                builder.insee_code(insee)
                locality = locality or graph.text(city, "rdfs:label")
            builder.text("city", locality)
            break
        geo = graph.first(place, "schema:geo")
        if isinstance(geo, dict):
            builder.coordinates(
                graph.literal(geo, "schema:latitude"), graph.literal(geo, "schema:longitude")
            )
        if "city" in builder.fields or "latitude" in builder.fields:
            break


def _guarded(graph: Graph, node: dict, filename: str) -> ProviderRecord:
    try:
        identifier = graph.literal(node, "dc:identifier") or cell_text(node.get("@id", ""))
    except MALFORMED:
        identifier = ""
    return guarded_record(
        lambda: record_from_object(graph, node, filename=filename),
        source=Source.DATATOURISME,
        external_id=identifier,
        locator=_("objet %(id)s (fichier %(file)s)") % {"id": identifier or "?", "file": filename},
    )


def iter_records(paths) -> Iterator[ProviderRecord]:
    """Records from DATAtourisme files, folders and zips, one object in memory at a time
    (a whole ``@graph`` export is kept, its nodes referring to each other).

    Raises ImportFileError for a broken zip, a JSON syntax error, or when nothing in the
    files looks like a DATAtourisme object.
    """
    found = False
    with open_entries(paths, suffixes=(".json", ".jsonld")) as entries:
        for entry in entries:
            document = JsonStream(entry, lists={()})
            for _list, item in document:
                for graph, node in objects_in(item):
                    found = True
                    yield _guarded(graph, node, entry.basename)
            if not document.lists_found:
                for graph, node in objects_in(document.rest):
                    found = True
                    yield _guarded(graph, node, entry.basename)
    if not found:
        raise ImportFileError(
            _("Aucun objet DATAtourisme (JSON-LD avec « dc:identifier ») dans ce fichier.")
        )
