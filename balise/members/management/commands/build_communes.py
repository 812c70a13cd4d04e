"""`balise build_communes --communes FILE --postal-codes FILE [--former FILE…] [--out FILE]`

Rebuilds the national reference of communes shipped with Balise
(``balise/members/data/communes.csv.gz``) from the JSON files of two npm packages of
Etalab / Base Adresse Nationale; ``balise/members/data/README.md`` says where to get them
and under which licence the result is published.
"""

import csv
import gzip
import io
import json
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from balise.members.communes import DATA_FILE, KINDS, commune_key

# The types of decoupage-administratif rows, as kinds of the reference.
_TYPES = {
    "commune-actuelle": "",
    "arrondissement-municipal": "arrondissement",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
}


def _load(path: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{path} : {error}") from None


def build_rows(communes: list[dict], postal_codes: list[dict], former: list[list[dict]]):
    """The reference's rows: (code, name, postal codes, current commune, kind).

    - every current commune and municipal arrondissement, with its postal codes (both
      packages' lists merged);
    - every delegated and associated commune, tied to its current commune;
    - former communes (``anciensCodes``) named from older releases (``former``) or from
      the postal codes file, tied to the commune that absorbed them;
    - former names of a commune (an older release or the postal codes file writes it
      otherwise) and La Poste's routing label (``libelleAcheminement``) when it names
      the commune differently and is no other commune's name.
    Name-only rows have no code of their own; rows that add nothing (same code, or no
    code, and the same matching key as their commune) are left out.
    """
    current = {
        c["code"]: c for c in communes if _TYPES.get(c.get("type")) in ("", "arrondissement")
    }
    postal = defaultdict(set)
    for code, commune in current.items():
        postal[code].update(commune.get("codesPostaux") or ())
    absorbed_by = {old: code for code, c in current.items() for old in c.get("anciensCodes", ())}
    for entry in postal_codes:
        code = absorbed_by.get(entry["codeCommune"], entry["codeCommune"])
        if code in current:
            postal[code].add(entry["codePostal"])

    current_keys = {commune_key(c["nom"]) for c in current.values()}
    rows: dict[tuple[str, str, str], tuple[str, str, str, str, str]] = {}

    def add(code: str, name: str, parent: str, kind: str) -> None:
        key = commune_key(name)
        if not key or parent not in current:
            return
        if code in ("", parent) and key == commune_key(current[parent]["nom"]):
            return
        if kind == "acheminement" and key in current_keys:
            return  # a neighbouring commune's name: the post office, not the commune
        rows.setdefault((code, key, parent), (code, name, "", parent, kind))

    for code, commune in current.items():
        kind = _TYPES[commune["type"]]
        rows[(code, commune_key(commune["nom"]), "")] = (
            code,
            commune["nom"],
            " ".join(sorted(postal[code])),
            "",
            kind,
        )
    for commune in communes:
        kind = _TYPES.get(commune.get("type"))
        if kind in ("deleguee", "associee"):
            parent = commune.get("chefLieu", "")
            add(commune["code"], commune["nom"], absorbed_by.get(parent, parent), kind)
    for release in former:
        for commune in release:
            code = commune["code"]
            if code in current:
                kind = _TYPES.get(commune.get("type"))
                if kind == _TYPES[current[code]["type"]]:
                    add("", commune["nom"], code, "ancien-nom")
                elif kind in ("deleguee", "associee"):  # since merged for good
                    add("", commune["nom"], code, "ancienne")
                continue
            parent = absorbed_by.get(code) or commune.get("chefLieu") or commune.get("commune")
            parent = absorbed_by.get(parent, parent)
            if parent in current:
                same = commune_key(commune["nom"]) == commune_key(current[parent]["nom"])
                add(code, commune["nom"], parent, "ancien-nom" if same else "ancienne")
    for entry in postal_codes:
        code = entry["codeCommune"]
        if code in current:
            add("", entry["nomCommune"], code, "ancien-nom")
            add("", entry["libelleAcheminement"], code, "acheminement")
        elif code in absorbed_by:
            add(code, entry["nomCommune"], absorbed_by[code], "ancienne")
    assert {row[4] for row in rows.values()} <= set(KINDS)
    return sorted(rows.values(), key=lambda row: (row[3] or row[0], row[3] != "", row[4], row))


def write_rows(rows, out: Path) -> None:
    """Gzip'd CSV, byte-for-byte reproducible (no timestamp in the gzip header)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "nom", "codes_postaux", "commune", "type"])
    writer.writerows(rows)
    out.write_bytes(gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0))


class Command(BaseCommand):
    help = (
        "Reconstruit le référentiel national des communes (code INSEE, nom, codes postaux, "
        "communes déléguées et anciennes) à partir des paquets npm "
        "@etalab/decoupage-administratif et codes-postaux."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communes",
            required=True,
            metavar="JSON",
            help="data/communes.json de @etalab/decoupage-administratif (dernière version)",
        )
        parser.add_argument(
            "--postal-codes",
            required=True,
            metavar="JSON",
            help="codes-postaux.json du paquet codes-postaux",
        )
        parser.add_argument(
            "--former",
            action="append",
            default=[],
            metavar="JSON",
            help="data/communes.json d'une version plus ancienne (noms des communes fusionnées)",
        )
        parser.add_argument("--out", default=str(DATA_FILE), metavar="FICHIER")

    def handle(self, *args, **options):
        rows = build_rows(
            _load(options["communes"]),
            _load(options["postal_codes"]),
            [_load(path) for path in options["former"]],
        )
        out = Path(options["out"])
        write_rows(rows, out)
        current = sum(1 for row in rows if not row[3])
        self.stdout.write(
            f"{out} : {current} communes, {len(rows) - current} autres noms "
            f"({out.stat().st_size // 1024} Ko)"
        )
