"""Value cleaners shared by every importer: phones, e-mails, websites, yes/no, years...

Each ``clean_*`` function takes a raw value (text from a file, or a number or a date from
a spreadsheet cell) and returns the cleaned value, ``""``/``None`` when there is nothing,
or raises :class:`ValueError` with a French message quoting the bad value.

``builder.RecordBuilder`` applies them to a record.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from balise.members.models import SOCIAL_NETWORKS, MembershipStatus, normalize_name

# Provider column sizes (see members.models.Provider): longer text is cut with a warning.
MAX_LENGTHS = {
    "legal_name": 200,
    "address": 300,
    "postal_code": 10,
    "city": 150,
    "contact_name": 150,
    "phone": 30,
    "website": 500,
    "classification": 100,
}
NAME_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 120
TAG_MAX_LENGTH = 60

_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_UNUSUAL_SPACE = re.compile(r"[\t\n\r\u00a0\u202f\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]|  ")
# Control characters no database column takes (PostgreSQL refuses NUL), and halves of
# UTF-16 pairs that no encoder can write (a JSON "\\ud800" escape gives one).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_SIX_PLACES = Decimal("0.000001")


def cell_text(value: Any, *, multiline: bool = False) -> str:
    """Text of a raw value: integral floats lose their ".0", dates become ISO dates."""
    if type(value) is str and not _UNUSUAL_SPACE.search(value):
        return value.strip()  # the common case, kept fast: most values are clean text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return "\n".join(lines).strip()
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


# -- Phones ---------------------------------------------------------------------------

# French overseas departments dial with their own country code, not +33.
_OVERSEAS_PREFIXES = {
    "590": "590",
    "690": "590",
    "594": "594",
    "694": "594",
    "596": "596",
    "696": "596",
    "262": "262",
    "692": "262",
    "693": "262",
    "269": "262",
    "639": "262",
}
_PHONE_SEPARATORS = re.compile(r"\s*(?:/|;|,|\n|\bou\b|\bet\b)\s*", re.IGNORECASE)


def _grouped(digits: str) -> str:
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _french_number(national: str) -> str:
    """Nine digits after the trunk 0 → "+33 4 66 12 34 56" (or the overseas code)."""
    overseas = _OVERSEAS_PREFIXES.get(national[:3])
    if overseas:
        return f"+{overseas} {national[:3]} {_grouped(national[3:])}"
    return f"+33 {national[0]} {_grouped(national[1:])}"


def clean_phone(value: Any) -> str:
    """One phone number in international form: "04.66-12 34 56" → "+33 4 66 12 34 56".

    French numbers are always written "+33 X XX XX XX XX" (the form DATAtourisme uses),
    so the same number typed two ways compares equal. A cell holding several numbers
    keeps the first. Foreign numbers ("+32 2 123 45 67") keep their digits and spacing.
    A 9-digit number is a French number whose leading 0 a spreadsheet dropped.
    """
    text = cell_text(value)
    if not text:
        return ""
    first = next((part for part in _PHONE_SEPARATORS.split(text) if part.strip()), "")
    first = first.strip()
    digits = re.sub(r"\D", "", first)
    international = first.startswith("+") or first.startswith("00")
    if first.startswith("00"):
        digits = digits[2:]
    if international:
        if digits.startswith("33"):
            national = digits[2:]
            if len(national) == 10 and national.startswith("0"):  # "+33 (0)4 66..."
                national = national[1:]
            if len(national) == 9 and national[0] != "0":
                return _french_number(national)
        elif digits[:3] in {"590", "594", "596", "262"} and len(digits) == 12:
            return f"+{digits[:3]} {digits[3:6]} {_grouped(digits[6:])}"
        elif 6 <= len(digits) <= 15 and not re.search(r"[a-zA-Z]", first):
            return "+" + re.sub(r"[^\d]+", " ", first).strip()
    elif len(digits) == 10 and digits.startswith("0") and digits[1] != "0":
        return _french_number(digits[1:])
    elif len(digits) == 9 and digits[0] != "0" and digits == re.sub(r"\s", "", first):
        return _french_number(digits)
    raise ValueError(_("numéro de téléphone invalide « %(value)s »") % {"value": text})


# -- E-mails and web addresses ---------------------------------------------------------

_EMAIL_SEPARATORS = re.compile(r"[;,\s/]+")


def clean_email(value: Any) -> str:
    """Lower-cased, validated e-mail address; the first one when a cell holds several."""
    text = cell_text(value)
    if not text:
        return ""
    text = re.sub(r"(?i)^mailto:", "", text).strip("<> ")
    candidates = [part for part in _EMAIL_SEPARATORS.split(text) if part]
    email = (candidates[0] if candidates else "").strip("<>.,;").lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(_("adresse e-mail invalide « %(value)s »") % {"value": text}) from None
    if len(email) > 254:
        raise ValueError(_("adresse e-mail trop longue « %(value)s »") % {"value": text})
    return email


def clean_url(value: Any) -> str:
    """A web address, with ``https://`` added when the scheme is missing."""
    text = cell_text(value)
    if not text:
        return ""
    text = text.split()[0].strip("<>\"'")
    if not re.match(r"(?i)^https?://", text):
        if "://" in text or "@" in text.split("/")[0]:
            raise ValueError(_("adresse web invalide « %(value)s »") % {"value": text})
        text = "https://" + text.lstrip("/")
    else:
        scheme, rest = text.split("://", 1)
        text = f"{scheme.lower()}://{rest}"
    try:
        _URL_VALIDATOR(text)
    except ValidationError:
        raise ValueError(
            _("adresse web invalide « %(value)s »") % {"value": cell_text(value)}
        ) from None
    if len(text) > MAX_LENGTHS["website"]:
        raise ValueError(_("adresse web trop longue « %(value)s »") % {"value": text[:80]})
    return text


_SOCIAL_HOSTS = {
    "facebook": ("facebook.com", "fb.com", "fb.me"),
    "instagram": ("instagram.com", "instagr.am"),
    "linkedin": ("linkedin.com",),
    "youtube": ("youtube.com", "youtu.be"),
    "tiktok": ("tiktok.com",),
    "x": ("twitter.com", "x.com"),
    "pinterest": ("pinterest.com", "pinterest.fr"),
    "tripadvisor": ("tripadvisor.fr", "tripadvisor.com", "tripadvisor.co.uk", "tripadvisor.be"),
}
# How to turn a bare account name ("@moulin_du_pont") into an address.
_SOCIAL_HANDLE_URLS = {
    "facebook": "https://www.facebook.com/{}",
    "instagram": "https://www.instagram.com/{}",
    "x": "https://x.com/{}",
    "tiktok": "https://www.tiktok.com/@{}",
    "youtube": "https://www.youtube.com/@{}",
    "pinterest": "https://www.pinterest.fr/{}",
}
assert set(_SOCIAL_HOSTS) == set(SOCIAL_NETWORKS)


def social_network_of(url: str) -> str:
    """The SOCIAL_NETWORKS key of a web address ("" when it is an ordinary website)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    for network, hosts in _SOCIAL_HOSTS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return network
    return ""


def clean_social(network: str, value: Any) -> str:
    """The address of a social account, from a full URL, a URL without scheme or "@name"."""
    text = cell_text(value)
    if not text:
        return ""
    handle = text.lstrip("@")
    if "/" not in text and "." not in handle and re.fullmatch(r"[\w.\-]+", handle):
        template = _SOCIAL_HANDLE_URLS.get(network)
        if template:
            return template.format(handle)
        raise ValueError(
            _("lien %(network)s invalide « %(value)s »")
            % {"network": SOCIAL_NETWORKS[network], "value": text}
        )
    return clean_url(text)


# -- Places ----------------------------------------------------------------------------


def clean_postal_code(value: Any) -> str:
    """Five digits; a 4-digit code gets back the leading 0 a spreadsheet dropped."""
    text = cell_text(value)
    if not text:
        return ""
    compact = re.sub(r"[\s.]", "", text)
    compact = re.sub(r"(?i)^f-?", "", compact)
    if re.fullmatch(r"\d{4}", compact):
        compact = "0" + compact
    if not re.fullmatch(r"\d{5}", compact):
        raise ValueError(_("code postal invalide « %(value)s »") % {"value": text})
    return compact


def clean_insee_code(value: Any) -> str:
    """A commune's INSEE code: five digits, or 2A/2B and three digits for Corsica."""
    text = cell_text(value).upper().replace(" ", "")
    if not text:
        return ""
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if not re.fullmatch(r"\d{5}|2[AB]\d{3}", text):
        raise ValueError(_("code INSEE invalide « %(value)s »") % {"value": cell_text(value)})
    return text


def clean_coordinate(value: Any, *, kind: str) -> Decimal | None:
    """A latitude or longitude in decimal degrees (decimal comma accepted), 6 places."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if abs(value) < 1000 else "NaN"  # no float holds some ints
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = cell_text(value).replace(",", ".").replace(" ", "")
    if not text:
        return None
    limit = 90 if kind == "latitude" else 180
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        message = (
            _("latitude invalide « %(value)s »")
            if kind == "latitude"
            else _("longitude invalide « %(value)s »")
        )
        raise ValueError(message % {"value": cell_text(value)[:60]})
    return number.quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


# -- Yes/no, years, membership --------------------------------------------------------

_YES = {
    "oui",
    "o",
    "x",
    "1",
    "yes",
    "y",
    "vrai",
    "true",
    "ok",
    "v",
    "d accord",
    "accord",
    "accepte",
}
_NO = {"non", "n", "0", "no", "faux", "false", "refus", "refuse", "-"}


def parse_yes_no(value: Any) -> bool | None:
    """True for "oui", "x", "1"...; False for "non", "0"...; None for an empty cell."""
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if not text:
        return None
    word = normalize_name(text)
    if word in _YES or text.strip() in {"✓", "✔", "☑"}:
        return True
    if word in _NO or (text.strip() == "-"):
        return False
    raise ValueError(_("valeur oui/non non reconnue « %(value)s »") % {"value": text})


def clean_year(value: Any) -> int | None:
    """A year between 1950 and next year, from 2024, "2024", "2023-2024" or a date."""
    if isinstance(value, dt.date | dt.datetime):
        year = value.year
    else:
        text = cell_text(value)
        if not text:
            return None
        match = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", text)
        if not match or re.sub(r"[\d\s/\-.]", "", text):
            raise ValueError(_("année invalide « %(value)s »") % {"value": text})
        year = int(match.group(1))
    if not 1950 <= year <= dt.date.today().year + 1:
        raise ValueError(_("année invalide « %(value)s »") % {"value": cell_text(value)})
    return year


_MEMBERSHIP_WORDS = [
    (re.compile(r"\b(non adherent|non membre|pas adherent)\b"), MembershipStatus.NON_MEMBER),
    (re.compile(r"\b(ancien|ex adherent|resilie|radie|plus adherent)\b"), MembershipStatus.FORMER),
    (re.compile(r"\b(prospect|a relancer|potentiel|en attente)\b"), MembershipStatus.PROSPECT),
    (re.compile(r"\b(adherent|adherente|membre|a jour|cotisant)\b"), MembershipStatus.MEMBER),
]


def parse_membership(value: Any) -> tuple[str, int | None]:
    """Membership status (and a year when the cell holds one) from "oui", "Adhérent 2024"..."""
    text = cell_text(value)
    if not text:
        return "", None
    words = normalize_name(text)
    year_match = re.search(r"\b(19\d\d|20\d\d)\b", words)
    year = int(year_match.group(1)) if year_match else None
    for pattern, status in _MEMBERSHIP_WORDS:
        if pattern.search(words):
            return status, year
    if year is not None and not re.sub(r"[\d\s]", "", words):
        return MembershipStatus.MEMBER, year
    try:
        answer = parse_yes_no(text)
    except ValueError:
        raise ValueError(
            _("statut d'adhésion non reconnu « %(value)s »") % {"value": text}
        ) from None
    return (MembershipStatus.MEMBER if answer else MembershipStatus.NON_MEMBER), None


# -- Lists and classification ----------------------------------------------------------

_LIST_SEPARATORS = re.compile(r"\s*[,;/|#\n]\s*")


def split_list(value: Any) -> list[str]:
    """ "Qualité Tourisme, Accueil Vélo ; Gîtes de France" → three names, duplicates removed."""
    if isinstance(value, list | tuple):
        items = [cell_text(item) for item in value]
    else:
        items = _LIST_SEPARATORS.split(cell_text(value, multiline=True))
    names: list[str] = []
    seen: set[str] = set()
    for item in items:
        item = item.strip(" .-")
        key = normalize_name(item)
        if key and key not in seen:
            seen.add(key)
            names.append(item)
    return names


def stars_from_text(text: str) -> str:
    """ "Hôtel**" or "camping 3*" → "2 étoiles" / "3 étoiles" ("" when there are none)."""
    match = re.search(r"(\d)\s*(?:\*|★|étoiles?|etoiles?)", text, re.IGNORECASE)
    count = int(match.group(1)) if match else text.count("*") + text.count("★")
    if not 1 <= count <= 5:
        return ""
    return (
        _("%(count)s étoile") % {"count": count}
        if count == 1
        else _("%(count)s étoiles") % {"count": count}
    )
