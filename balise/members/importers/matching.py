"""The office's directory as the import planner sees it, and how a record finds its provider.

:class:`Directory` loads the office's providers, SIT ids, labels and tags in a handful
of queries (whatever the size of the file) and indexes them by (source, SIT id) and by
normalised name + place. :meth:`Directory.match` applies the matching rules described in
``balise.members.imports.plan_import``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from balise.members.communes import commune_key
from balise.members.models import Commune, Label, Provider, ProviderSourceId, Tag, normalize_name

from .base import ProviderRecord


def _location_keys(name_key: str, insee: str, city: str, postal_code: str) -> list[tuple[str, ...]]:
    keys = []
    if insee:
        keys.append(("insee", name_key, insee))
    if city:
        keys.append(("city", name_key, commune_key(city)))
    if postal_code:
        keys.append(("cp", name_key, postal_code))
    return keys


def chunks(items: list, size: int = 900) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Directory:
    """The office's providers, SIT ids, labels and tags, loaded in a few queries."""

    def __init__(self, office):
        self.office = office
        self.providers: dict[int, Provider] = {
            p.pk: p for p in Provider.objects.filter(office=office).select_related("commune")
        }
        self.by_source: dict[tuple[str, str], int] = {}
        self.source_ids: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for source, external_id, provider_id in ProviderSourceId.objects.filter(
            office=office
        ).values_list("source", "external_id", "provider_id"):
            self.by_source[(source, external_id)] = provider_id
            self.source_ids[provider_id][source].add(external_id)
        self.by_key: dict[tuple[str, ...], list[Provider]] = defaultdict(list)
        self.by_name: dict[str, list[Provider]] = defaultdict(list)
        for provider in self.providers.values():
            name_key = provider.normalized_name or normalize_name(provider.name)
            self.by_name[name_key].append(provider)
            commune = provider.commune if provider.commune_id else None
            keys = _location_keys(
                name_key, commune.insee_code if commune else "", provider.city, provider.postal_code
            )
            if commune:
                keys.append(("city", name_key, commune_key(commune.name)))
            for key in set(keys):
                self.by_key[key].append(provider)
        self.labels: dict[int, list[str]] = defaultdict(list)
        through = Provider.labels.through.objects.filter(provider__office=office)
        for provider_id, name in through.values_list("provider_id", "label__name").order_by(
            "label__name"
        ):
            self.labels[provider_id].append(name)
        self.tags: dict[int, list[str]] = defaultdict(list)
        through = Provider.tags.through.objects.filter(provider__office=office)
        for provider_id, name in through.values_list("provider_id", "tag__name").order_by(
            "tag__name"
        ):
            self.tags[provider_id].append(name)
        # Canonical spelling of known labels and tags ("qualité tourisme" → "Qualité Tourisme").
        self.label_names = {
            normalize_name(n): n for n in Label.objects.values_list("name", flat=True)
        }
        self.tag_names = {
            normalize_name(n): n
            for n in Tag.objects.filter(office=office).values_list("name", flat=True)
        }

    def communes(self) -> list[Commune]:
        """The communes the office's providers point to (its territory, as far as known)."""
        return list(
            {p.commune_id: p.commune for p in self.providers.values() if p.commune_id}.values()
        )

    @staticmethod
    def insee_of(provider: Provider) -> str:
        return provider.commune.insee_code if provider.commune_id else ""

    def _compatible(
        self, provider: Provider, record: ProviderRecord, claimed: dict[int, Any]
    ) -> bool:
        """False when ``provider`` is known to be another object of the record's SIT."""
        if not record.external_id:
            return True
        known = self.source_ids.get(provider.pk, {}).get(record.source)
        if known and record.external_id not in known:
            return False
        other = claimed.get(provider.pk)
        return not (
            other
            and other.record.source == record.source
            and other.record.external_id
            and other.record.external_id != record.external_id
        )

    def match(self, record: ProviderRecord, claimed: dict[int, Any]) -> tuple[Provider | None, str]:
        """The provider a record stands for, and how it was found ("id", "nom", "" or "ambigu")."""
        # An id from a Balise export wins, but only within this office's directory:
        # another office's id matches nothing.
        if record.balise_id is not None and record.balise_id in self.providers:
            return self.providers[record.balise_id], "id"
        if record.external_id:
            provider_id = self.by_source.get((record.source, record.external_id))
            if provider_id in self.providers:
                return self.providers[provider_id], "id"
        name_key = normalize_name(record.name)
        if not name_key:
            return None, ""
        fields = record.fields
        insee, city, postal_code = (
            fields.get("insee_code", ""),
            fields.get("city", ""),
            fields.get("postal_code", ""),
        )
        found: list[Provider] = []
        if insee:
            found = self.by_key.get(("insee", name_key, insee), [])
        if not found and city:
            found = [
                p
                for p in self.by_key.get(("city", name_key, commune_key(city)), [])
                if not (insee and p.commune_id and self.insee_of(p) != insee)
            ]
        if not found and postal_code and not insee and not city:
            found = self.by_key.get(("cp", name_key, postal_code), [])
        if not found:
            # A provider typed with its name only matches wherever the record is.
            found = [
                p
                for p in self.by_name.get(name_key, [])
                if not (p.commune_id or p.city or p.postal_code)
            ]
        if not found and not (insee or city or postal_code):
            found = self.by_name.get(name_key, [])
            if len(found) > 1:
                return None, "ambigu"
        found = [p for p in found if self._compatible(p, record, claimed)]
        if not found:
            return None, ""
        return min(found, key=lambda p: p.pk), "nom"

    def canonical(self, names: list[str], known: dict[str, str]) -> list[str]:
        return [known.get(normalize_name(n), n) for n in names]
