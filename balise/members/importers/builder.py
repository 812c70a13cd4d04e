"""RecordBuilder: fills a ProviderRecord through the cleaners of ``cleaning.py``.

It stores only non-empty values and turns a cleaner's ``ValueError`` into an error
(spreadsheets: the office fixes its file) or a warning that drops the value (SIT feeds:
one bad phone number in a regional database must not block the import of a whole
territory).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from balise.members.models import Category, normalize_name

from .base import ProviderRecord
from .categories import category_from_text
from .cleaning import (
    LABEL_MAX_LENGTH,
    MAX_LENGTHS,
    NAME_MAX_LENGTH,
    TAG_MAX_LENGTH,
    cell_text,
    clean_coordinate,
    clean_email,
    clean_insee_code,
    clean_phone,
    clean_postal_code,
    clean_social,
    clean_url,
    clean_year,
    parse_membership,
    parse_yes_no,
    social_network_of,
    split_list,
    stars_from_text,
)
from .columns import FIELD_LABELS


class RecordBuilder:
    """Fills a record's ``fields`` through the cleaners, collecting French messages.

    ``strict`` (spreadsheets): a bad value is an error, the office corrects its file.
    Not strict (SIT feeds): the bad value is dropped with a warning.
    Only non-empty values are stored; a field already set is kept (first value wins)
    unless ``append`` is asked for (addresses, notes, lists).
    """

    def __init__(self, record: ProviderRecord, *, strict: bool):
        self.record = record
        self.strict = strict

    @property
    def fields(self) -> dict[str, Any]:
        return self.record.fields

    def problem(self, message: str) -> None:
        if self.strict:
            self.record.errors.append(message)
        else:
            self.record.warnings.append(_("%(problem)s (valeur ignorée)") % {"problem": message})

    def _store(self, field: str, value: Any) -> None:
        if value in ("", None, [], {}) or field in self.fields:
            return
        self.fields[field] = value

    def name(self, value: Any) -> None:
        text = cell_text(value)
        if not text or "name" in self.fields:
            return
        if len(text) > NAME_MAX_LENGTH:
            self.record.errors.append(
                _("nom trop long (%(max)s caractères au plus) « %(value)s… »")
                % {"max": NAME_MAX_LENGTH, "value": text[:60]}
            )
            return
        self.fields["name"] = text

    def require_name(self) -> None:
        if not self.fields.get("name") and not self.record.skip_reason:
            self.record.errors.append(_("nom du prestataire manquant"))

    def text(self, field: str, value: Any, *, append: bool = False, separator: str = ", ") -> None:
        multiline = field in {"description", "notes"}
        text = cell_text(value, multiline=multiline)
        if not text:
            return
        if append and self.fields.get(field):
            if f" {normalize_name(text)} " in f" {normalize_name(self.fields[field])} ":
                return  # already there ("Sauve" twice in address columns)
            text = f"{self.fields[field]}{separator}{text}"
            del self.fields[field]
        limit = MAX_LENGTHS.get(field)
        if limit and len(text) > limit:
            self.record.warnings.append(
                _("« %(field)s » coupé à %(max)s caractères")
                % {"field": FIELD_LABELS.get(field, field), "max": limit}
            )
            text = text[:limit].rstrip()
        self._store(field, text)

    def _cleaned(self, field: str, cleaner, value: Any, **kwargs) -> None:
        if field in self.fields:
            return
        try:
            self._store(field, cleaner(value, **kwargs))
        except ValueError as error:
            self.problem(str(error))

    def email(self, value: Any) -> None:
        self._cleaned("email", clean_email, value)

    def phone(self, value: Any) -> None:
        if "phone" in self.fields:
            return
        try:
            self._store("phone", clean_phone(value))
        except ValueError as error:
            if self.strict:
                self.record.errors.append(str(error))
            else:
                # A SIT number we cannot parse is still useful to a human: keep it as written.
                self._store("phone", cell_text(value)[: MAX_LENGTHS["phone"]])

    def website(self, value: Any) -> None:
        """A website; a social network address goes to ``social_links`` instead."""
        try:
            url = clean_url(value)
        except ValueError as error:
            self.problem(str(error))
            return
        network = social_network_of(url)
        if network:
            self.social(network, url)
        else:
            self._store("website", url)

    def social(self, network: str, value: Any) -> None:
        try:
            url = clean_social(network, value)
        except ValueError as error:
            self.problem(str(error))
            return
        if url:
            links = self.fields.setdefault("social_links", {})
            links.setdefault(network, url)

    def postal_code(self, value: Any) -> None:
        self._cleaned("postal_code", clean_postal_code, value)

    def insee_code(self, value: Any) -> None:
        self._cleaned("insee_code", clean_insee_code, value)

    def coordinates(self, latitude: Any, longitude: Any) -> None:
        try:
            lat = clean_coordinate(latitude, kind="latitude")
            lon = clean_coordinate(longitude, kind="longitude")
        except ValueError as error:
            self.problem(str(error))
            return
        if lat is None or lon is None:
            return
        if lat == 0 and lon == 0:  # "0,0" is what some tools write for "unknown"
            return
        self._store("latitude", lat)
        self._store("longitude", lon)

    def category(self, value: Any, *, fallback_classification: bool = True) -> None:
        text = cell_text(value)
        if not text or "category" in self.fields:
            return
        category = category_from_text(text)
        if category is None:
            self.record.warnings.append(
                _("catégorie « %(value)s » non reconnue : « Autre » retenue") % {"value": text}
            )
            category = Category.OTHER
        self.fields["category"] = str(category)
        if fallback_classification:
            self._store("_stars", stars_from_text(text))

    def classification(self, value: Any) -> None:
        self.text("classification", value)

    def labels(self, value: Any, *, field: str = "labels") -> None:
        limit = LABEL_MAX_LENGTH if field == "labels" else TAG_MAX_LENGTH
        names = self.fields.get(field, [])
        known = {normalize_name(name) for name in names}
        for name in split_list(value):
            if len(name) > limit:
                self.problem(_("nom trop long « %(value)s… »") % {"value": name[:40]})
                continue
            if normalize_name(name) not in known:
                known.add(normalize_name(name))
                names.append(name)
        if names:
            self.fields[field] = names

    def yes_no(self, field: str, value: Any) -> None:
        if field in self.fields:
            return
        try:
            answer = parse_yes_no(value)
        except ValueError as error:
            self.record.errors.append(str(error))
            return
        if answer is not None:
            self.fields[field] = answer

    def membership(self, value: Any) -> None:
        if "membership_status" in self.fields:
            return
        try:
            status, year = parse_membership(value)
        except ValueError as error:
            self.record.errors.append(str(error))
            return
        self._store("membership_status", str(status) if status else "")
        if year:
            self._store("membership_year", year)

    def year(self, field: str, value: Any) -> None:
        if field in self.fields:
            return
        try:
            self._store(field, clean_year(value))
        except ValueError as error:
            self.record.errors.append(str(error))

    def finish(self) -> ProviderRecord:
        """Last touches once every value is in: stars read from the category text."""
        stars = self.fields.pop("_stars", "")
        if stars and "classification" not in self.fields:
            self.fields["classification"] = stars
        self.require_name()
        return self.record
