"""Communes: from what a file writes ("St Martin de Londres", "Vigan (Le)", 30120) to an INSEE code.

Files name communes in many ways, and a provider without its commune drops out of the
directory's commune filter and of the study's commune tables. Two sources answer, in
this order:

1. the office's own communes: the Commune rows its providers already point to (they
   include made-up or local communes no national list knows);
2. the national reference shipped with Balise (``data/communes.csv.gz``, rebuilt by
   ``balise build_communes``, see ``data/README.md``): every current commune with its
   postal codes, plus delegated, associated and former communes and former spellings,
   each tied to the commune it belongs to today.

A name matches whatever its accents, case, hyphens, apostrophes, "St"/"Ste" for
"Saint"/"Sainte", "s/" for "sur" and its leading article ("Le Vigan", "Vigan (Le)" and
"LE VIGAN" are one key). Homonyms are told apart by the postal code; without one, the
office's own commune wins, else nothing is guessed and the import preview warns. A code
or a name that matches nothing is a warning too, never a new commune.

The reference is read once per process (a few MB) when the first import needs it.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .models import SAINT_ABBREVIATIONS, Commune, normalize_name

DATA_FILE = Path(__file__).resolve().parent / "data" / "communes.csv.gz"

# Kinds of names in the reference: "" a current commune, "arrondissement" a municipal
# arrondissement (Paris, Lyon, Marseille); the others name a current commune otherwise.
KINDS = ("", "arrondissement", "deleguee", "associee", "ancienne", "ancien-nom", "acheminement")

_ARTICLES = frozenset({"le", "la", "les", "l"})
# "Châteauneuf-s-Loire", "Saint-Symphorien-ss-Chomérac": La Poste's short forms, never
# the first word of a name.
_INNER_ABBREVIATIONS = {"s": "sur", "ss": "sous"}
_TRAILING_ARTICLE = re.compile(r"\(\s*(l[ae]s?|l'?)\s*\)\s*$", re.IGNORECASE)
_CEDEX = re.compile(r"\bcedex\b.*$")
_POSTAL_CODE_WORD = re.compile(r"^\d{5}\s+|\s+\d{5}$")


def commune_key(name: str, *, exact: bool = False) -> str:
    """The matching key of a commune name: "Vigan (Le)" and "LE VIGAN" both give "vigan".

    Accents and case go, so do hyphens, apostrophes and other punctuation; "St", "Ste",
    "s/" and "ss" are spelt out; a leading article ("Le", "La", "Les", "L'") or one in
    parentheses at the end is dropped; a postal code written with the name and a "CEDEX"
    suffix are ignored. Spaces are left out of the key, so "Pont d'Arre" and "Pont-Darre"
    meet. ``exact=True`` keeps the article ("Vigan (Le)" gives "levigan"), to tell apart
    "Sauve" and "La Sauve" when both answer to "sauve".
    """
    name = name or ""
    trailing = _TRAILING_ARTICLE.search(name)
    if trailing:
        name = f"{trailing.group(1)} {name[: trailing.start()]}"
    words = _POSTAL_CODE_WORD.sub("", _CEDEX.sub("", normalize_name(name))).split()
    if not exact and len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    words = [
        SAINT_ABBREVIATIONS.get(word) or (index and _INNER_ABBREVIATIONS.get(word)) or word
        for index, word in enumerate(words)
    ]
    return "".join(words)


@dataclass(frozen=True, slots=True)
class Place:
    """A current commune (or municipal arrondissement) of the national reference."""

    code: str
    name: str
    postal_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OtherName:
    """Another name of a current commune: delegated, associated, former, older spelling."""

    commune: str  # the current commune's INSEE code
    name: str
    kind: str


class Reference:
    """The national reference, indexed by INSEE code, by name key and by postal code."""

    def __init__(self, rows: Iterable[list[str]]):
        self.places: dict[str, Place] = {}
        self.other_codes: dict[str, OtherName] = {}
        by_key: dict[str, list[Place | OtherName]] = defaultdict(list)
        by_postal: dict[str, list[str]] = defaultdict(list)
        others = []
        # Interned: a postal code or a kind is shared by many rows (a few MB saved).
        for code, name, postal_codes, commune, kind in rows:
            if commune:
                others.append((code, name, commune, sys.intern(kind)))
                continue
            place = Place(code, name, tuple(sys.intern(p) for p in postal_codes.split()))
            self.places[code] = place
            by_key[commune_key(name)].append(place)
            for postal_code in place.postal_codes:
                by_postal[postal_code].append(code)
        for code, name, commune, kind in others:
            if commune not in self.places:
                continue
            other = OtherName(self.places[commune].code, name, kind)
            by_key[commune_key(name)].append(other)
            if code and code not in self.places:
                self.other_codes[code] = other
        self.by_key = {key: tuple(found) for key, found in by_key.items()}
        self.by_postal = {key: tuple(codes) for key, codes in by_postal.items()}

    def named(self, key: str) -> dict[str, Place | OtherName]:
        """Current communes answering to ``key``: INSEE code → how (Place: its own name)."""
        found: dict[str, Place | OtherName] = {}
        for item in self.by_key.get(key, ()):
            code = item.code if isinstance(item, Place) else item.commune
            if code not in found or isinstance(item, Place):
                found[code] = item
        return found


@functools.cache
def reference() -> Reference:
    """The national reference, loaded on first use and kept for the life of the process."""
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)  # header
        return Reference(rows)


def new_commune(insee_code: str, *, postal_code: str = "") -> Commune | None:
    """An unsaved Commune for a code of the national reference, with its official name.

    Its postal code is ``postal_code`` when the commune has it, else its first one.
    ``None`` when the reference does not know the code: Balise never invents a commune.
    """
    place = reference().places.get(insee_code)
    if place is None:
        return None
    if postal_code not in place.postal_codes:
        postal_code = place.postal_codes[0] if place.postal_codes else ""
    return Commune(insee_code=place.code, name=place.name, postal_code=postal_code)


def is_known_code(insee_code: str) -> bool:
    """True when Balise has this commune or the national reference lists it."""
    return (
        insee_code in reference().places or Commune.objects.filter(insee_code=insee_code).exists()
    )


def _department(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


@dataclass(frozen=True)
class Resolution:
    """Where a record's commune leads: an INSEE code ("" when none) and what to tell."""

    code: str = ""
    warning: str = ""


class CommuneResolver:
    """One import's view of communes: the office's own first, then the national reference.

    ``own``: the office's communes (those its providers point to). ``insee_codes``: the
    codes the file carries; those neither the office nor the reference knows are looked
    up in the Commune table (one query, usually none), so that a commune Balise already
    holds is accepted (the demo's made-up communes, one added by hand). Answers are
    memoised.
    """

    def __init__(self, *, own: Iterable[Commune], insee_codes: Iterable[str] = ()):
        self.reference = reference()
        self.own: dict[str, Commune] = {c.insee_code: c for c in own}
        self.own_by_key: dict[str, list[str]] = defaultdict(list)
        self.own_by_postal: dict[str, list[str]] = defaultdict(list)
        for code, commune in self.own.items():
            keys = {commune_key(commune.name)}
            place = self.reference.places.get(code)
            if place:
                keys.add(commune_key(place.name))
            for key in keys:
                self.own_by_key[key].append(code)
            for postal_code in self._postal_codes(code):
                self.own_by_postal[postal_code].append(code)
        wanted = sorted(
            code
            for code in set(insee_codes)
            if code not in self.own and code not in self.reference.places
        )
        self.stored: set[str] = set()
        for start in range(0, len(wanted), 900):
            self.stored.update(
                Commune.objects.filter(insee_code__in=wanted[start : start + 900]).values_list(
                    "insee_code", flat=True
                )
            )
        self._memo: dict[tuple[str, str, str], Resolution] = {}

    def _postal_codes(self, code: str) -> set[str]:
        codes = set()
        place = self.reference.places.get(code)
        if place:
            codes.update(place.postal_codes)
        commune = self.own.get(code)
        if commune and commune.postal_code:
            codes.add(commune.postal_code)
        return codes

    def _name(self, code: str) -> str:
        place = self.reference.places.get(code)
        return self.own[code].name if code in self.own else place.name if place else code

    def _label(self, code: str) -> str:
        return f"{self._name(code)} ({code})"

    def resolve(self, *, insee_code: str = "", city: str = "", postal_code: str = "") -> Resolution:
        """The commune of a record that writes ``insee_code``, ``city`` and ``postal_code``.

        No side effects. The warning (French) says what was not found, what was
        ambiguous, or which commune a former or delegated commune now belongs to.
        """
        memo_key = (insee_code, city, postal_code)
        if memo_key not in self._memo:
            self._memo[memo_key] = (
                self._by_code(insee_code, city, postal_code)
                if insee_code
                else self._by_name(city, postal_code)
            )
        return self._memo[memo_key]

    def apply(self, record) -> None:
        """Resolve a ProviderRecord's commune in place: sets or drops its ``insee_code``
        and adds the warning to the record's warnings."""
        fields = record.fields
        found = self.resolve(
            insee_code=fields.get("insee_code", ""),
            city=fields.get("city", ""),
            postal_code=fields.get("postal_code", ""),
        )
        if found.code:
            fields["insee_code"] = found.code
        else:
            fields.pop("insee_code", None)
        if found.warning:
            record.warnings.append(found.warning)

    def _by_code(self, insee_code: str, city: str, postal_code: str) -> Resolution:
        if (
            insee_code in self.own
            or insee_code in self.stored
            or insee_code in self.reference.places
        ):
            return Resolution(insee_code)
        other = self.reference.other_codes.get(insee_code)
        if other:
            return Resolution(
                other.commune,
                _("code INSEE %(code)s (%(name)s) : %(why)s")
                % {"code": insee_code, "name": other.name, "why": self._merged(other)},
            )
        by_name = self._by_name(city, postal_code)
        if by_name.code:
            return Resolution(
                by_name.code,
                _("code INSEE « %(code)s » inconnu : commune reconnue par son nom, %(commune)s")
                % {"code": insee_code, "commune": self._label(by_name.code)},
            )
        return Resolution(
            "",
            _("code INSEE « %(code)s » inconnu : la fiche ne sera rattachée à aucune commune")
            % {"code": insee_code},
        )

    def _merged(self, other: OtherName) -> str:
        """Why a delegated, associated or former commune leads to another one."""
        labels = {
            "deleguee": _("commune déléguée de %(commune)s"),
            "associee": _("commune associée à %(commune)s"),
            "ancienne": _("ancienne commune, aujourd'hui dans %(commune)s"),
        }
        return labels.get(other.kind, _("aujourd'hui %(commune)s")) % {
            "commune": self._label(other.commune)
        }

    def _named(self, key: str) -> dict[str, Place | OtherName | None]:
        """Communes answering to ``key``: the office's own when any answers, else the
        reference's (code → how it answered; None for an office commune)."""
        national = self.reference.named(key)
        own = dict.fromkeys(self.own_by_key.get(key, ()))
        own.update({code: how for code, how in national.items() if code in self.own})
        return own or national

    def _by_postal_code(self, postal_code: str) -> list[str]:
        return list(self.own_by_postal.get(postal_code, ())) or list(
            self.reference.by_postal.get(postal_code, ())
        )

    def _by_name(self, city: str, postal_code: str) -> Resolution:
        key = commune_key(city)
        if not key:
            return self._postal_code_only(postal_code) if postal_code else Resolution()
        found = self._named(key)
        if not found:
            return self._unknown_name(city, postal_code)
        if postal_code:
            # The office's homonym first, then any commune of that name with this code.
            for candidates in (found, self.reference.named(key)):
                with_code = {
                    code: how
                    for code, how in candidates.items()
                    if postal_code in self._postal_codes(code) or not self._postal_codes(code)
                }
                if with_code:
                    found = with_code
                    break
            else:
                if len(found) == 1:
                    code = next(iter(found))
                    return Resolution(
                        code,
                        _("le code postal %(postal_code)s n'est pas celui de %(commune)s")
                        % {"postal_code": postal_code, "commune": self._label(code)},
                    )
                return self._unknown_name(city, postal_code)
        if len(found) > 1:
            # "Sauve" is Sauve, not La Sauve: the article, when written, tells them apart.
            exact = commune_key(city, exact=True)
            same = {
                code: how
                for code, how in found.items()
                if commune_key(how.name if how else self.own[code].name, exact=True) == exact
            }
            found = same if len(same) == 1 else found
        if len(found) > 1:
            shown = sorted(found, key=lambda code: (self._name(code), code))
            return Resolution(
                "",
                _(
                    "plusieurs communes s'appellent « %(city)s » (%(communes)s) : "
                    "ajoutez le code postal ou le code INSEE"
                )
                % {
                    "city": city,
                    "communes": ", ".join(
                        f"{self._name(code)}, {_department(code)}" for code in shown[:5]
                    )
                    + ("…" if len(shown) > 5 else ""),
                },
            )
        code, how = next(iter(found.items()))
        if isinstance(how, OtherName) and how.kind in ("deleguee", "associee", "ancienne"):
            return Resolution(code, f"« {how.name} » : {self._merged(how)}")
        return Resolution(code)

    def _unknown_name(self, city: str, postal_code: str) -> Resolution:
        codes = self._by_postal_code(postal_code) if postal_code else []
        if len(codes) == 1:
            return Resolution(
                codes[0],
                _(
                    "commune « %(city)s » inconnue : rattachée à %(commune)s, "
                    "la commune du code postal %(postal_code)s"
                )
                % {"city": city, "commune": self._label(codes[0]), "postal_code": postal_code},
            )
        if postal_code:
            return Resolution(
                "",
                _("commune « %(city)s » inconnue avec le code postal %(postal_code)s")
                % {"city": city, "postal_code": postal_code},
            )
        return Resolution("", _("commune « %(city)s » inconnue") % {"city": city})

    def _postal_code_only(self, postal_code: str) -> Resolution:
        codes = self._by_postal_code(postal_code)
        if len(codes) == 1:
            return Resolution(codes[0])
        if not codes:
            return Resolution(
                "",
                _("aucune commune n'a le code postal %(postal_code)s")
                % {"postal_code": postal_code},
            )
        return Resolution(
            "",
            _("le code postal %(postal_code)s couvre %(count)s communes : indiquez la commune")
            % {"postal_code": postal_code, "count": len(codes)},
        )
