"""Content checks: title, description, OpenGraph, schema.org, languages, legal pages, freshness."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from ..page import Page, folded, host_of
from .base import CheckResult, ProviderFacts, Verdict, check, not_html, result


@check("seo.title", _("Titre de la page"))
def check_title(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_title, page):
        return unknown
    title = page.title
    if not title:
        return result(
            check_title,
            Verdict.MISSING,
            "La page n'a pas de titre.",
            _(
                "Le titre apparaît dans Google et dans l'onglet du navigateur : donnez-lui le nom "
                "de votre établissement, son activité et la commune."
            ),
            length=0,
        )
    length = len(title)
    data = {"title": title, "length": length, "titles": len(page.titles)}
    if not 10 <= length <= 70:
        return result(
            check_title,
            Verdict.TO_IMPROVE,
            f"Titre de {length} caractères : « {title} ».",
            _(
                "Un bon titre fait entre 10 et 70 caractères : nom, activité et commune, par "
                "exemple « Hôtel du Pont – Hôtel 3 étoiles à Anduze »."
            ),
            **data,
        )
    if len(page.titles) > 1:
        return result(
            check_title,
            Verdict.TO_IMPROVE,
            f"{len(page.titles)} titres dans la page ; le premier : « {title} ».",
            _(
                "La page contient plusieurs titres : demandez à votre prestataire de n'en garder "
                "qu'un."
            ),
            **data,
        )
    return result(check_title, Verdict.OK, f"« {title} »", **data)


@check("seo.description", _("Description pour les moteurs de recherche"))
def check_description(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_description, page):
        return unknown
    description = page.description
    if not description:
        return result(
            check_description,
            Verdict.MISSING,
            "Aucune méta-description.",
            _(
                "Rédigez en 2 phrases ce qui rend votre offre unique : Google l'affiche souvent "
                "sous votre titre dans les résultats."
            ),
            length=0,
        )
    length = len(description)
    if not 50 <= length <= 170:
        return result(
            check_description,
            Verdict.TO_IMPROVE,
            f"Description de {length} caractères : « {description} ».",
            _(
                "Une bonne description fait entre 50 et 170 caractères, avec la commune et ce "
                "que vous proposez."
            ),
            description=description,
            length=length,
        )
    return result(
        check_description,
        Verdict.OK,
        f"« {description} »",
        description=description,
        length=length,
    )


@check("social.opengraph", _("Aperçu lors d'un partage (OpenGraph)"))
def check_opengraph(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_opengraph, page):
        return unknown
    og_title = page.opengraph.get("og:title", "")
    og_image = page.opengraph.get("og:image", "")
    data = {"og_title": og_title, "og_image": og_image}
    if og_title and og_image:
        return result(
            check_opengraph, Verdict.OK, f"Titre et image de partage : « {og_title} ».", **data
        )
    advice = _(
        "Quand votre page est partagée sur Facebook ou WhatsApp, les balises OpenGraph "
        "(og:title, og:image) choisissent le titre et la photo affichés : la plupart des "
        "outils de site (WordPress avec Yoast, Wix...) les remplissent en un clic."
    )
    if og_title or og_image:
        missing = "og:image" if og_title else "og:title"
        return result(
            check_opengraph,
            Verdict.TO_IMPROVE,
            f"OpenGraph incomplet : {missing} manque.",
            advice,
            **data,
        )
    return result(check_opengraph, Verdict.MISSING, "Aucune balise OpenGraph.", advice, **data)


@check("schema.data", _("Données structurées (schema.org)"))
def check_schema_data(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_schema_data, page):
        return unknown
    types = page.schema_types
    if types:
        return result(
            check_schema_data,
            Verdict.OK,
            f"Données schema.org trouvées : {', '.join(types[:8])}.",
            types=types[:20],
            items=len(page.schema_items),
        )
    if page.schema_error:
        return result(
            check_schema_data,
            Verdict.UNKNOWN,
            f"Données structurées présentes mais illisibles ({page.schema_error}).",
            _(
                "Faites valider vos données structurées avec l'outil de test des résultats "
                "enrichis de Google."
            ),
            error=page.schema_error,
        )
    return result(
        check_schema_data,
        Verdict.MISSING,
        "Aucune donnée schema.org.",
        _(
            "Les données structurées schema.org décrivent votre établissement (adresse, horaires, "
            "prix) pour Google et les assistants vocaux : une extension SEO ou votre "
            "prestataire peut les ajouter."
        ),
        types=[],
    )


ACCOMMODATION_TYPES = {
    "LodgingBusiness", "Hotel", "Motel", "Hostel", "Resort", "BedAndBreakfast", "Campground",
    "VacationRental", "Accommodation", "Apartment", "House", "SingleFamilyResidence", "Suite",
    "CampingPitch", "HotelRoom", "GuestHouse",
}  # fmt: skip
FOOD_TYPES = {
    "FoodEstablishment", "Restaurant", "CafeOrCoffeeShop", "BarOrPub", "Bakery", "Brewery",
    "Winery", "Distillery", "FastFoodRestaurant", "IceCreamShop",
}  # fmt: skip
VISIT_TYPES = {
    "TouristAttraction", "Museum", "LandmarksOrHistoricalBuildings", "Park", "Zoo", "Aquarium",
    "AmusementPark", "Castle", "Church", "PlaceOfWorship", "ArtGallery", "TouristDestination",
    "CivicStructure", "NaturalFeature",
}  # fmt: skip
ACTIVITY_TYPES = VISIT_TYPES | {
    "SportsActivityLocation", "EntertainmentBusiness", "TouristTrip", "SportsClub",
    "ExerciseGym", "GolfCourse", "SkiResort", "StadiumOrArena", "PublicSwimmingPool",
    "BowlingAlley", "SportsOrganization", "Trip",
}  # fmt: skip
TRADE_TYPES = {"LocalBusiness", "Store", "Winery", "Brewery", "Distillery", "Farm", "Bakery"}
ASSOCIATION_TYPES = {"Organization", "NGO", "SportsOrganization", "SportsClub", "LocalBusiness"}
GENERIC_TYPES = {"LocalBusiness", "Organization", "Place", "Corporation", "ProfessionalService"}
PAGE_TYPES = {
    "WebSite",
    "WebPage",
    "BreadcrumbList",
    "SiteNavigationElement",
    "ImageObject",
    "SearchAction",
    "Person",
    "ItemList",
    "ListItem",
    "CollectionPage",
    "ReadAction",
}

CATEGORY_TYPES = {
    "hotel": ACCOMMODATION_TYPES, "camping": ACCOMMODATION_TYPES, "meuble": ACCOMMODATION_TYPES,
    "chambre_hotes": ACCOMMODATION_TYPES, "hebergement_collectif": ACCOMMODATION_TYPES,
    "restaurant": FOOD_TYPES, "cafe_bar": FOOD_TYPES,
    "site_visite": VISIT_TYPES, "activite": ACTIVITY_TYPES,
    "producteur": TRADE_TYPES | FOOD_TYPES, "commerce": TRADE_TYPES,
    "association": ASSOCIATION_TYPES,
}  # fmt: skip
EXAMPLES = {
    "hotel": "Hotel", "camping": "Campground", "meuble": "VacationRental",
    "chambre_hotes": "BedAndBreakfast", "hebergement_collectif": "Hostel",
    "restaurant": "Restaurant", "cafe_bar": "CafeOrCoffeeShop", "site_visite": "TouristAttraction",
    "activite": "TouristAttraction", "producteur": "LocalBusiness", "commerce": "Store",
    "association": "Organization",
}  # fmt: skip


def _fits(schema_type: str, expected: set[str]) -> bool:
    return schema_type in expected or ("Store" in expected and schema_type.endswith("Store"))


@check("schema.type_fits", _("Type schema.org adapté à l'activité"))
def check_schema_type(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_schema_type, page):
        return unknown
    types = page.schema_types
    example = EXAMPLES.get(provider.category, "LocalBusiness")
    data = {"types": types[:20], "category": provider.category, "expected": example}
    advice = _(
        "Déclarez dans vos données schema.org le type qui décrit votre activité "
        "(par exemple Hotel, Campground, Restaurant, TouristAttraction) : Google comprend "
        "mieux ce que vous proposez."
    )
    business = [t for t in types if t not in PAGE_TYPES]
    if not business:
        evidence = (
            "Aucune donnée schema.org." if not types
            else f"Seulement des types de page ({', '.join(types[:5])}), pas d'établissement."
        )  # fmt: skip
        return result(check_schema_type, Verdict.MISSING, evidence, advice, **data)
    expected = CATEGORY_TYPES.get(provider.category)
    if expected is None:  # "autre" or unknown category: any business type will do
        return result(
            check_schema_type, Verdict.OK, f"Type déclaré : {', '.join(business[:5])}.", **data
        )
    fitting = [t for t in business if _fits(t, expected)]
    if fitting and not (set(fitting) <= GENERIC_TYPES and example not in GENERIC_TYPES):
        return result(
            check_schema_type,
            Verdict.OK,
            f"Type déclaré : {', '.join(fitting[:5])}, adapté à l'activité.",
            **data,
        )
    return result(
        check_schema_type,
        Verdict.TO_IMPROVE,
        f"Type déclaré : {', '.join(business[:5])} ; attendu plutôt : {example}.",
        advice,
        **data,
    )


_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*$")


@check("lang.declared", _("Langue de la page déclarée"))
def check_lang(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_lang, page):
        return unknown
    lang = page.lang
    if not lang:
        return result(
            check_lang,
            Verdict.MISSING,
            "La langue de la page n'est pas déclarée (attribut lang).",
            _(
                'Déclarez la langue de la page (<html lang="fr">) : les lecteurs d\'écran et les '
                "traducteurs automatiques en ont besoin."
            ),
            lang="",
        )
    if not _LANG.match(lang):
        return result(
            check_lang,
            Verdict.TO_IMPROVE,
            f"Langue déclarée invalide : « {lang} ».",
            _("Utilisez un code de langue standard, par exemple « fr » ou « fr-FR »."),
            lang=lang,
        )
    return result(check_lang, Verdict.OK, f"Langue déclarée : {lang}.", lang=lang)


_LANG_PATH = re.compile(r"^/(en|de|es|it|nl|pt|zh|ja|ca|oc)(?:[-_][a-z]{2})?(?:/|$)", re.I)


@check("lang.count", _("Langues proposées"))
def check_lang_count(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_lang_count, page):
        return unknown
    languages = sorted(
        {
            lang.lower().split("-")[0]
            for lang, _href in page.hreflangs
            if lang.lower() != "x-default"
        }
    )
    if len(languages) >= 2:
        return result(
            check_lang_count,
            Verdict.OK,
            f"{len(languages)} langues proposées : {', '.join(languages[:12])}.",
            languages=languages,
            count=len(languages),
        )
    home = host_of(page.base_url)
    hinted = set()
    for link in page.links:
        if host_of(link.href) != home:
            continue
        match = _LANG_PATH.match(urlsplit(link.href).path)
        if match:
            hinted.add(match.group(1).lower())
    advice = _(
        "Une part de vos visiteurs est étrangère : une version anglaise, même courte, des "
        "pages essentielles (présentation, tarifs, accès, contact) les aide à réserver."
    )
    if hinted:
        return result(
            check_lang_count,
            Verdict.TO_IMPROVE,
            f"Versions en {', '.join(sorted(hinted))} trouvées, mais non déclarées (hreflang).",
            _(
                "Vos pages traduites existent : déclarez-les avec des balises hreflang pour que "
                "Google montre la bonne langue à chaque visiteur."
            ),
            languages=sorted(hinted),
            count=len(hinted) + 1,
        )
    return result(
        check_lang_count,
        Verdict.MISSING,
        "Une seule langue trouvée.",
        advice,
        languages=languages,
        count=max(1, len(languages)),
    )


_LEGAL = re.compile(
    r"mentions?[\s_-]*legales?|legal[\s_-]*notices?|impressum|/legal\b|credits?[\s_-]*et[\s_-]*mentions"
)
_PRIVACY = re.compile(
    r"confidentialite|donnees[\s_-]*personnelles|protection[\s_-]*des[\s_-]*donnees|rgpd|gdpr"
    r"|privacy|vie[\s_-]*privee|datenschutz"
)


def _find_link(page: Page, pattern: re.Pattern) -> tuple[str, str] | None:
    for link in page.links:
        if pattern.search(folded(f"{link.text} {link.title}")) or pattern.search(folded(link.href)):
            return link.text, link.href
    return None


def _link_check(function, page: Page, pattern: re.Pattern, missing: str, advice) -> CheckResult:
    """OK when the page links to a page matching ``pattern`` (text, title or address)."""
    if unknown := not_html(function, page):
        return unknown
    found = _find_link(page, pattern)
    if found:
        text, href = found
        return result(function, Verdict.OK, f"Lien « {text or href} ».", text=text, href=href[:500])
    return result(function, Verdict.MISSING, missing, advice)


@check("legal.notices", _("Mentions légales"))
def check_legal_notices(page: Page, *, provider: ProviderFacts):
    return _link_check(
        check_legal_notices,
        page,
        _LEGAL,
        "Aucun lien vers des mentions légales sur la page d'accueil.",
        _(
            "Les mentions légales (éditeur, hébergeur, contact) sont obligatoires pour tout "
            "site professionnel : ajoutez une page et un lien en bas de chaque page."
        ),
    )


@check("legal.privacy", _("Politique de confidentialité"))
def check_legal_privacy(page: Page, *, provider: ProviderFacts):
    return _link_check(
        check_legal_privacy,
        page,
        _PRIVACY,
        "Aucun lien vers une politique de confidentialité (données personnelles, RGPD).",
        _(
            "Dès que vous recueillez des données (formulaire, réservation, statistiques), le "
            "RGPD demande d'expliquer leur usage dans une politique de confidentialité."
        ),
    )


_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright|tous droits reserves)\D{0,40}?((?:19|20)\d{2})"
    r"(?:\s*[-–à/]\s*((?:19|20)\d{2}))?",
    re.I,
)


@check("freshness", _("Site tenu à jour"))
def check_freshness(page: Page, *, provider: ProviderFacts):
    year_now = page.today.year
    copyright_year = None
    for text in (page.footer_text, page.text[-5000:]):
        years = [
            int(year)
            for match in _COPYRIGHT.finditer(folded(text))
            for year in match.groups()
            if year and int(year) <= year_now + 1
        ]
        if years:
            copyright_year = max(years)
            break
    modified = None
    header = page.fetch.headers.get("last-modified", "")
    if header:
        try:
            modified = parsedate_to_datetime(header).date()
        except (TypeError, ValueError, IndexError, OverflowError):
            modified = None
    data = {
        "copyright_year": copyright_year,
        "last_modified": modified.isoformat() if modified else None,
        "year": year_now,
    }
    parts = []
    if copyright_year:
        parts.append(f"année du copyright : {copyright_year}")
    if modified:
        parts.append(f"dernière modification annoncée : {modified.strftime('%d/%m/%Y')}")
    evidence = ("Indices : " + " ; ".join(parts) + ".") if parts else ""
    recent = (copyright_year is not None and copyright_year >= year_now - 1) or (
        modified is not None and (page.today - modified).days <= 365
    )
    if recent:
        return result(check_freshness, Verdict.OK, evidence, **data)
    if not parts:
        return result(
            check_freshness,
            Verdict.UNKNOWN,
            "Aucune année de copyright ni date de modification trouvée.",
            **data,
        )
    return result(
        check_freshness,
        Verdict.TO_IMPROVE,
        evidence,
        _(
            "Le site semble ne pas avoir été mis à jour depuis plus d'un an : actualisez les "
            "tarifs, les dates d'ouverture et l'année en bas de page."
        ),
        **data,
    )
