"""Presence checks: phone, email and social accounts (vs the directory), booking engine."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from .. import booking_engines
from ..page import Page, host_of
from .base import ProviderFacts, Verdict, check, not_html, result

_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-\u00a0]?\d{2}){4}(?!\d)"
)


def phone_key(value: str) -> str:
    """Comparable digits: "+33 4 66 12 34 56", "0466123456", "0033 (0)4..." → "466123456"."""
    raw = (value or "").strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") or raw.startswith("00"):
        digits = digits.removeprefix("00")
        if digits.startswith("33"):
            digits = digits[2:]
            if len(digits) == 10 and digits.startswith("0"):
                digits = digits[1:]
            return digits
        return "+" + digits
    if len(digits) == 10 and digits.startswith("0"):
        return digits[1:]
    return digits


def _phones(page: Page) -> list[str]:
    found: list[str] = []
    for link in page.links:
        if link.href.lower().startswith("tel:"):
            found.append(unquote(link.href[4:]).strip())
    found.extend(match.group(0) for match in _PHONE.finditer(page.text))
    unique: dict[str, str] = {}
    for phone in found:
        key = phone_key(phone)
        if len(key.lstrip("+")) >= 8 and key not in unique:
            unique[key] = phone
    return list(unique.values())


@check("contact.phone", _("Téléphone affiché"))
def check_phone(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_phone, page):
        return unknown
    phones = _phones(page)
    directory = provider.phone
    data = {"found": phones[:10], "directory": directory}
    if not phones:
        return result(
            check_phone,
            Verdict.MISSING,
            "Aucun numéro de téléphone sur la page d'accueil.",
            _(
                "Affichez votre numéro sur la page d'accueil, cliquable (lien « tel: ») : beaucoup "
                "de clients appellent depuis leur téléphone."
            ),
            consistent=None,
            **data,
        )
    if not directory:
        return result(
            check_phone,
            Verdict.OK,
            f"Numéro affiché : {phones[0]} (aucun numéro dans l'annuaire).",
            consistent=None,
            **data,
        )
    wanted = phone_key(directory)
    if any(phone_key(phone) == wanted for phone in phones):
        return result(
            check_phone,
            Verdict.OK,
            f"Numéro affiché : {directory}, identique à l'annuaire.",
            consistent=True,
            **data,
        )
    return result(
        check_phone,
        Verdict.TO_IMPROVE,
        f"Numéro affiché : {phones[0]} ; dans l'annuaire : {directory}.",
        _(
            "Le numéro du site diffère de celui de l'annuaire de l'office : indiquez le même "
            "numéro partout (site, Google, office de tourisme)."
        ),
        consistent=False,
        **data,
    )


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.)+[A-Za-z]{2,24}")


def _emails(page: Page) -> list[str]:
    found: list[str] = []
    for link in page.links:
        if link.href.lower().startswith("mailto:"):
            address = unquote(link.href[7:]).split("?")[0].strip()
            found.extend(part.strip() for part in address.split(","))
    found.extend(match.group(0) for match in _EMAIL.finditer(page.text))
    unique: dict[str, str] = {}
    for email in found:
        key = email.lower()
        if _EMAIL.fullmatch(email) and not key.endswith((".png", ".jpg", ".webp")):
            unique.setdefault(key, email)
    return list(unique)


@check("contact.email", _("Adresse e-mail affichée"))
def check_email(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_email, page):
        return unknown
    emails = _emails(page)
    directory = (provider.email or "").strip().lower()
    data = {"found": emails[:10], "directory": directory}
    if not emails:
        return result(
            check_email,
            Verdict.MISSING,
            "Aucune adresse e-mail sur la page d'accueil.",
            _(
                "Affichez une adresse e-mail (ou un formulaire de contact bien visible) : "
                "certains clients préfèrent écrire, notamment les étrangers."
            ),
            consistent=None,
            **data,
        )
    if not directory:
        return result(
            check_email,
            Verdict.OK,
            f"Adresse affichée : {emails[0]} (aucune adresse dans l'annuaire).",
            consistent=None,
            **data,
        )
    if directory in emails:
        return result(
            check_email,
            Verdict.OK,
            f"Adresse affichée : {directory}, identique à l'annuaire.",
            consistent=True,
            **data,
        )
    return result(
        check_email,
        Verdict.TO_IMPROVE,
        f"Adresse affichée : {emails[0]} ; dans l'annuaire : {directory}.",
        _(
            "L'adresse du site diffère de celle de l'annuaire de l'office : vérifiez laquelle "
            "est relevée chaque jour et indiquez la même partout."
        ),
        consistent=False,
        **data,
    )


SOCIAL_HOSTS = {
    "facebook": ("facebook.com", "fb.com", "fb.me"),
    "instagram": ("instagram.com",),
    "linkedin": ("linkedin.com",),
    "youtube": ("youtube.com", "youtu.be"),
    "tiktok": ("tiktok.com",),
    "x": ("twitter.com", "x.com"),
    "pinterest": ("pinterest.com", "pinterest.fr"),
    "tripadvisor": ("tripadvisor.fr", "tripadvisor.com", "tripadvisor.co.uk"),
}
_SHARE = re.compile(r"sharer|/share|/intent/|/dialog/|/plugins/|shareArticle|/pin/create", re.I)


def network_of(url: str) -> str | None:
    host = host_of(url)
    for network, hosts in SOCIAL_HOSTS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return network
    return None


def account_key(url: str) -> str:
    """Comparable account: host without www/m, path without trailing slash, lower-case."""
    value = url.strip()
    if "//" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return value.lower()
    host = host_of(value).removeprefix("m.").removeprefix("fr.")
    return f"{host}{parts.path.rstrip('/')}".lower()


@check("social.links", _("Liens vers les réseaux sociaux"))
def check_social(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_social, page):
        return unknown
    found: dict[str, list[str]] = {}
    for link in page.links:
        network = network_of(link.href)
        if network and not _SHARE.search(link.href):
            urls = found.setdefault(network, [])
            if link.href not in urls:
                urls.append(link.href[:300])
    directory = {
        network: url for network, url in (provider.social_links or {}).items()
        if isinstance(url, str) and url.strip()
    }  # fmt: skip
    mismatched = []
    for network, url in directory.items():
        keys = {account_key(found_url) for found_url in found.get(network, [])}
        if account_key(url) not in keys:
            mismatched.append(network)
    data = {"found": found, "directory": directory, "mismatched": mismatched}
    names = ", ".join(sorted(found))
    if not found:
        return result(
            check_social,
            Verdict.MISSING,
            "Aucun lien vers un réseau social.",
            _(
                "Ajoutez en bas de page des liens vers vos comptes (Facebook, Instagram...) : "
                "les visiteurs y voient vos photos et vos actualités récentes."
            ),
            **data,
        )
    if mismatched:
        return result(
            check_social,
            Verdict.TO_IMPROVE,
            f"Réseaux liés : {names} ; différents de l'annuaire ou absents pour : "
            f"{', '.join(sorted(mismatched))}.",
            _(
                "Les comptes liés depuis le site ne sont pas ceux connus de l'office : vérifiez "
                "vos liens et mettez à jour votre fiche."
            ),
            **data,
        )
    return result(check_social, Verdict.OK, f"Réseaux liés : {names}.", **data)


BOOKING_CATEGORIES = {
    "hotel", "camping", "meuble", "chambre_hotes", "hebergement_collectif", "restaurant",
    "cafe_bar", "site_visite", "activite",
}  # fmt: skip


@check("booking.engine", _("Réservation en ligne"))
def check_booking(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_booking, page):
        return unknown
    detections = booking_engines.detect(page.resource_urls, page.inline_scripts)
    own = [d for d in detections if not d.engine.platform]
    platforms = [d for d in detections if d.engine.platform]
    data = {
        "engines": [
            {"name": d.engine.name, "kind": d.engine.kind, "platform": d.engine.platform,
             "where": d.where}
            for d in detections
        ],
        "applicable": provider.category in BOOKING_CATEGORIES or not provider.category,
    }  # fmt: skip
    if own:
        names = ", ".join(d.engine.name for d in own)
        return result(
            check_booking, Verdict.OK, f"Module de réservation détecté : {names}.", **data
        )
    if platforms:
        names = ", ".join(d.engine.name for d in platforms)
        return result(
            check_booking,
            Verdict.TO_IMPROVE,
            f"Liens vers des plateformes ({names}), pas de module sur le site.",
            _(
                "Vos clients réservent via des plateformes qui prennent une commission : un "
                "module de réservation sur votre propre site (souvent relié à un gestionnaire "
                "de canaux) permet de vendre en direct."
            ),
            **data,
        )
    if not data["applicable"]:
        return result(
            check_booking,
            Verdict.UNKNOWN,
            "Aucun module de réservation détecté (peu courant pour cette activité).",
            **data,
        )
    return result(
        check_booking,
        Verdict.MISSING,
        "Aucun module de réservation ou de billetterie détecté.",
        _(
            "Un module de réservation en ligne permet de réserver à toute heure : l'office "
            "peut vous présenter les solutions adaptées à votre activité."
        ),
        **data,
    )
