"""Spreadsheet columns: which titles mean which field, and the fields a column can fill.

Each title is matched to a field through :data:`HEADER_SYNONYMS` ("Nom", "Enseigne",
"Tél", "Courriel", "CP"...), compared after ``normalize_name`` (no accents, no
punctuation, lower case), then through a few looser rules ("…mail…" is an e-mail).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from balise.members.fields import IMPORTED_FIELDS, Group, field_labels
from balise.members.models import normalize_name

# How a column should be written, shown after the field's label in the mapping form.
_HINTS: dict[str, Any] = {
    "category": gettext_lazy("hôtel, gîte, restaurant…"),
    "labels": gettext_lazy("séparés par , ; /"),
    "classification": gettext_lazy("étoiles, épis…"),
    "membership_status": gettext_lazy("adhérent, ancien, prospect, oui/non"),
    "marketing_consent": gettext_lazy("oui/non"),
}

# The fields a column can fill, in the order the mapping form lists them: the provider's
# own, then the identifiers that match a row to a provider already in the directory.
MAPPABLE_FIELDS: list[tuple[str, Any]] = [
    *(
        (field.name, format_lazy("{} ({})", field.label, _HINTS[field.name]))
        if field.name in _HINTS
        else (field.name, field.label)
        for field in IMPORTED_FIELDS
    ),
    ("external_id", gettext_lazy("Identifiant (SIT ou interne)")),
    ("balise_id", gettext_lazy("Identifiant Balise (fichier exporté de Balise)")),
]
MAPPABLE_FIELD_NAMES = {name for name, _label in MAPPABLE_FIELDS}
# How the preview and the warnings name a field of a record or of PlannedRow.changes.
FIELD_LABELS: dict[str, Any] = {
    **dict(MAPPABLE_FIELDS),
    **field_labels(),
    "social_links": Group.SOCIAL.label,
    "source_id": gettext_lazy("Identifiant SIT"),
}

# normalize_name(title) → field. Exact matches first; see _guess_field for looser rules.
HEADER_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        [
            "nom",
            "nom commercial",
            "enseigne",
            "etablissement",
            "nom etablissement",
            "nom de l etablissement",
            "nom du prestataire",
            "prestataire",
            "nom de la structure",
            "structure",
            "denomination",
            "denomination commerciale",
            "intitule",
            "libelle",
            "nom de l hebergement",
            "nom de l offre",
            "name",
        ],
        "name",
    ),
    **dict.fromkeys(
        [
            "raison sociale",
            "societe",
            "nom juridique",
            "entreprise",
            "nom legal",
            "personne morale",
        ],
        "legal_name",
    ),
    **dict.fromkeys(
        [
            "type",
            "categorie",
            "category",
            "activite",
            "type d activite",
            "type de prestataire",
            "type d hebergement",
            "type d etablissement",
            "famille",
            "secteur",
            "secteur d activite",
            "typologie",
            "filiere",
        ],
        "category",
    ),
    **dict.fromkeys(
        ["description", "descriptif", "description courte", "presentation", "descriptif court"],
        "description",
    ),
    **dict.fromkeys(
        [
            "adresse",
            "adresse 1",
            "adresse1",
            "adresse postale",
            "rue",
            "voie",
            "adresse ligne 1",
            "numero et rue",
            "address",
        ],
        "address",
    ),
    **dict.fromkeys(
        ["cp", "c p", "code postal", "code postale", "postal", "zip", "code post"], "postal_code"
    ),
    **dict.fromkeys(
        ["commune", "ville", "localite", "city", "nom commune", "nom de la commune"], "city"
    ),
    **dict.fromkeys(
        ["code insee", "insee", "code commune", "cog", "code insee commune", "insee commune"],
        "insee_code",
    ),
    **dict.fromkeys(["latitude", "lat", "gps latitude"], "latitude"),
    **dict.fromkeys(["longitude", "lon", "lng", "long", "gps longitude"], "longitude"),
    **dict.fromkeys(
        [
            "contact",
            "nom du contact",
            "nom contact",
            "responsable",
            "gerant",
            "gerante",
            "interlocuteur",
            "personne a contacter",
            "referent",
            "dirigeant",
            "proprietaire",
            "nom prenom",
            "prenom nom",
            "contact principal",
        ],
        "contact_name",
    ),
    **dict.fromkeys(
        [
            "mail",
            "e mail",
            "email",
            "courriel",
            "adresse mail",
            "adresse e mail",
            "adresse email",
            "mel",
            "adresse electronique",
            "email contact",
        ],
        "email",
    ),
    **dict.fromkeys(
        [
            "tel",
            "telephone",
            "portable",
            "mobile",
            "telephone fixe",
            "tel fixe",
            "tel portable",
            "telephone portable",
            "gsm",
            "numero de telephone",
            "phone",
            "tel 1",
            "telephone 1",
        ],
        "phone",
    ),
    **dict.fromkeys(
        ["site", "site web", "site internet", "url", "internet", "web", "site web url", "website"],
        "website",
    ),
    **dict.fromkeys(["facebook", "page facebook", "fb"], "facebook"),
    **dict.fromkeys(["instagram", "insta", "compte instagram"], "instagram"),
    **dict.fromkeys(["linkedin"], "linkedin"),
    **dict.fromkeys(["youtube", "chaine youtube"], "youtube"),
    **dict.fromkeys(["tiktok"], "tiktok"),
    **dict.fromkeys(["twitter", "x twitter", "twitter x"], "x"),
    **dict.fromkeys(["pinterest"], "pinterest"),
    **dict.fromkeys(["tripadvisor", "trip advisor"], "tripadvisor"),
    **dict.fromkeys(
        ["labels", "label", "labels qualite", "marques", "marques et labels", "labels et marques"],
        "labels",
    ),
    **dict.fromkeys(
        ["classement", "etoiles", "classement prefectoral", "classement officiel", "epis", "cles"],
        "classification",
    ),
    **dict.fromkeys(
        [
            "adherent",
            "adhesion",
            "statut",
            "statut adhesion",
            "statut d adhesion",
            "membre",
            "adherent ot",
        ],
        "membership_status",
    ),
    **dict.fromkeys(
        [
            "annee d adhesion",
            "annee adhesion",
            "annee",
            "adherent depuis",
            "annee de cotisation",
            "derniere adhesion",
            "annee de premiere adhesion",
        ],
        "membership_year",
    ),
    **dict.fromkeys(
        [
            "consentement",
            "consentement rgpd",
            "rgpd",
            "accepte les e mails",
            "newsletter",
            "opt in",
            "optin",
            "accord communication",
            "consentement e mails",
            "accepte newsletter",
        ],
        "marketing_consent",
    ),
    **dict.fromkeys(["etiquettes", "etiquette", "tags", "tag", "mots cles"], "tags"),
    **dict.fromkeys(
        [
            "notes",
            "note",
            "remarques",
            "remarque",
            "commentaire",
            "commentaires",
            "observations",
            "infos",
        ],
        "notes",
    ),
    **dict.fromkeys(
        [
            "id",
            "identifiant",
            "id sit",
            "identifiant sit",
            "id apidae",
            "id tourinsoft",
            "id datatourisme",
        ],
        "external_id",
    ),
    **dict.fromkeys(["identifiant balise", "id balise"], "balise_id"),
}

# Looser rules when no exact synonym matches: (regex on the normalised title, field).
_LOOSE_RULES = [
    (r"\bmail|courriel", "email"),
    (r"^tel\b|telephone|portable", "phone"),
    (r"\bsite\b|\burl\b", "website"),
    (r"insee", "insee_code"),
    (r"postal", "postal_code"),
    (r"facebook", "facebook"),
    (r"instagram", "instagram"),
    (r"consentement|rgpd|newsletter", "marketing_consent"),
    (r"adhesion|adherent", "membership_status"),
    (r"^adresse|^address", "address"),
    (r"^commune|^ville", "city"),
    (r"^categ|^type\b", "category"),
    (r"^nom commercial|^enseigne", "name"),
    (r"^label", "labels"),
    (r"^classement", "classification"),
    (r"^note|^remarque|^commentaire", "notes"),
]
_COMPILED_LOOSE_RULES = [(re.compile(p), f) for p, f in _LOOSE_RULES]

# Fields that combine several columns instead of keeping the first non-empty one.
APPEND_FIELDS = {"address": ", ", "notes": "\n", "contact_name": " "}


def guess_field(header: str) -> str:
    """The field a column title most likely holds ("" when nothing fits)."""
    key = normalize_name(header)
    if not key:
        return ""
    if key in HEADER_SYNONYMS:
        return HEADER_SYNONYMS[key]
    for pattern, field_name in _COMPILED_LOOSE_RULES:
        if pattern.search(key):
            return field_name
    return ""


def suggest_mapping(headers: list[str], *, unique: bool = True) -> dict[str, str]:
    """Column title → field. With ``unique``, each field goes to one column at most (the
    first), as the mapping form wants; without it, "Tél" and "Portable" both feed the
    phone and the first non-empty value wins.

    "Raison sociale" alone stands for the name. With "Nom commercial"/"Enseigne" and a
    "Prénom" column, "Nom" is the contact's name.
    """
    guesses = {header: guess_field(header) for header in headers}
    keys = {header: normalize_name(header) for header in headers}
    strong_name = any(
        keys[h] in {"nom commercial", "enseigne", "etablissement", "nom etablissement"}
        for h in headers
    )
    has_first_name = any(
        keys[h] in {"prenom", "prenom du contact", "prenom contact"} for h in headers
    )
    if strong_name and has_first_name:
        for header in headers:
            if keys[header] in {
                "nom",
                "prenom",
                "prenom du contact",
                "prenom contact",
                "nom du contact",
            }:
                guesses[header] = "contact_name"
    if "name" not in guesses.values():
        for header in headers:
            if guesses[header] == "legal_name":
                guesses[header] = "name"
                break
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        field_name = guesses[header]
        if field_name and (field_name not in used or not unique):
            mapping[header] = field_name
            used.add(field_name)
        else:
            mapping[header] = ""
    return mapping
