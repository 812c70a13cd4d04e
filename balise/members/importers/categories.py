"""From what a file says ("Hôtel**", "gîte", "HOTELLERIE_PLEIN_AIR", ["schema:Restaurant"...])
to our :class:`~balise.members.models.Category`.

Three inputs, three functions:

- free French text (spreadsheets, Tourinsoft ``ObjectTypeName``): :func:`category_from_text`,
  an ordered list of word patterns; the first that matches wins, so the more specific
  come first ("hôtellerie de plein air" is a camping before "hôtellerie" is a hotel,
  "gîte d'étape" is group lodging before "gîte" is a rental);
- DATAtourisme ``@type`` lists: :func:`category_from_datatourisme_types`;
- Apidae ``type`` codes: :data:`APIDAE_TYPES`.
"""

from __future__ import annotations

import re

from balise.members.models import Category, normalize_name

# Checked on normalize_name(text): lower case, no accents, punctuation turned to spaces.
_TEXT_RULES: list[tuple[str, Category]] = [
    (
        r"camping|hotellerie de plein air|\bplein air\b|\bhpa\b|aire naturelle|glamping|"
        r"mobil ?home|campground",
        Category.CAMPSITE,
    ),
    (
        r"chambres? d ?hotes?|maisons? d ?hotes?|\bb ?(and|&)? ?b\b|\bbnb\b|bed and breakfast|"
        r"\bcdh\b|chez l habitant|guest ?house",
        Category.BED_AND_BREAKFAST,
    ),
    (
        r"gites? d etape|gites? de groupe|gites? de sejour|auberges? de jeunesse|"
        r"centres? de vacances|villages? de vacances|hebergements? collectifs?|refuges?\b|"
        r"colonie|centres? d hebergement|centres? d accueil|\bvvf\b|hostel",
        Category.GROUP_LODGING,
    ),
    (
        r"\bgites?\b|meubles?\b|meuble de tourisme|locations? saisonnieres?|"
        r"hebergements? locatifs?|locatifs?\b|appartements?|maisons? de vacances|chalets?\b|"
        r"cottages?|villas?\b|studios?\b|residences? de tourisme|location de vacances|"
        r"holiday rental|gite rural",
        Category.RENTAL,
    ),
    (r"\bhotel|hotellerie|\bmotel|hostellerie|\bhotels?\b", Category.HOTEL),
    (
        r"restaurant|\bresto\b|restauration|brasserie|creperie|pizzeria|bistro|auberge|"
        r"traiteur|\bsnack|table d hotes|rotisserie|friterie|food ?truck|guinguette|"
        r"ferme auberge|burger|sandwicherie|\bkebab",
        Category.RESTAURANT,
    ),
    (
        r"\bbars?\b|\bcafe|\bpub\b|tabac|salon de the|bar a vins?|glacier|estaminet|"
        r"coffee|cafeteria",
        Category.CAFE_BAR,
    ),
    (
        r"\bcaves?\b|caviste|vigneron|viticult|domaine viticole|vignoble|\bvins?\b|"
        r"producteur|production|degustation|distillerie|cidrerie|brasserie artisanale|"
        r"fromager|miellerie|apicult|\bmiel\b|ostreicult|conchylicult|huitres?|escargot|"
        r"chocolat|confiserie|biscuiterie|ferme\b(?! equestre| pedagogique)|\bchai\b|winery|"
        r"brewery|spiritueux",
        Category.PRODUCER,
    ),
    (
        r"activite|loisir|\bsports?\b|sportif|aventure|accrobranche|canoe|kayak|rafting|"
        r"equestre|equitation|poney|golf|piscine|centre aquatique|parc aquatique|randonnee|"
        r"\bvelos?\b|\bvtt\b|escalade|parapente|plongee|\bvoile\b|\bsurf|\bpeche\b|bowling|"
        r"karting|escape|laser|paintball|\bspa\b|bien etre|thalasso|balades?|\bguides?\b|"
        r"excursion|croisiere|bateau|\bski\b|via ferrata|tir a l arc|base de loisirs|"
        r"prestataire d activites|animation|location de|ferme equestre|ferme pedagogique",
        Category.ACTIVITY,
    ),
    (
        r"musee|chateau|abbaye|eglise|cathedrale|chapelle|patrimoine|monument|\bsites?\b|"
        r"visite|jardin|\bparcs?\b|grotte|gouffre|ecomusee|moulin|citadelle|\bfort\b|\bzoo\b|"
        r"aquarium|exposition|centre d interpretation|remarquable|panorama|point de vue|"
        r"cascade|prieure|manoir|\bmuseum\b|heritage|memorial",
        Category.VISITOR_SITE,
    ),
    (
        r"commerce|boutique|magasin|epicerie|boulangerie|patisserie|boucherie|charcuterie|"
        r"librairie|artisan|souvenirs?|supermarche|superette|\bmarche\b|pharmacie|garage|"
        r"station service|\btaxi|coiffure|services?\b|agence|presse|fleuriste|antiquit|"
        r"brocante|galerie d art|\bshop\b|\bstore\b|location de materiel",
        Category.SHOP,
    ),
    (
        r"association|\basso\b|\bclub\b|comite des fetes|federation|amicale|"
        r"syndicat d initiative|foyer rural|\bmjc\b",
        Category.ASSOCIATION,
    ),
]
_COMPILED_TEXT_RULES = [(re.compile(pattern), category) for pattern, category in _TEXT_RULES]

_EVENT_TEXT = re.compile(
    r"manifestation|evenement|\bagenda\b|\bfetes? et\b|\bfestival|\bevent\b|spectacle"
)


def category_from_text(text: str) -> Category | None:
    """The category named by free French text, or None when no rule matches."""
    words = normalize_name(text)
    if not words:
        return None
    for pattern, category in _COMPILED_TEXT_RULES:
        if pattern.search(words):
            return category
    if words in {"hebergement", "hebergements", "accommodation"}:
        return Category.RENTAL
    return None


def is_association_text(text: str) -> bool:
    """True when a name says it is an association ("Association des Amis du Moulin")."""
    words = normalize_name(text)
    return any(p.search(words) for p, c in _COMPILED_TEXT_RULES if c == Category.ASSOCIATION)


def is_event_text(text: str) -> bool:
    """True for a type label naming an event ("Fêtes et manifestations", "Agenda")."""
    return bool(_EVENT_TEXT.search(normalize_name(text)))


# -- DATAtourisme ----------------------------------------------------------------------
# @type values after removing the "schema:" / ":" prefixes, in priority order: the first
# type of this list found in the object's types gives the category. Checked on the
# samples: a gîte is [... "RentalAccommodation", "SelfCateringAccommodation"], a crêperie
# [..., "FoodEstablishment", "Restaurant"], an abbey [..., "CulturalSite", "ReligiousSite",
# "RemarkableBuilding" ...], a spa ["ActivityProvider", ...].
DATATOURISME_EVENT_TYPES = {"Event", "EntertainmentAndEvent"}

_DATATOURISME_TYPES: list[tuple[tuple[str, ...], Category]] = [
    (
        ("Camping", "CampingSite", "Campground", "CampingAndCaravanning", "Glamping"),
        Category.CAMPSITE,
    ),
    (("Guesthouse", "BedAndBreakfast", "ChambreHote", "GuestHouse"), Category.BED_AND_BREAKFAST),
    (
        (
            "CollectiveAccommodation",
            "GroupLodging",
            "GroupAccommodation",
            "YouthHostel",
            "Hostel",
            "HolidayCentre",
            "HolidayCenter",
            "HolidayVillage",
            "ChildrensHolidayCenter",
            "StageLodging",
            "MountainHut",
        ),
        Category.GROUP_LODGING,
    ),
    (("HotelTrade", "Hotel", "Motel", "HotelRestaurant"), Category.HOTEL),
    (
        (
            "RentalAccommodation",
            "SelfCateringAccommodation",
            "Gite",
            "Gîte",
            "HolidayRental",
            "VacationRental",
            "Apartment",
            "House",
            "Chalet",
            "TourismResidence",
        ),
        Category.RENTAL,
    ),
    (
        ("Winery", "Producer", "TastingProvider", "Distillery", "Brewery", "Vineyard"),
        Category.PRODUCER,
    ),
    (("BarOrPub", "CafeOrCoffeeShop", "Bar", "Cafe", "IceCreamShop", "TeaRoom"), Category.CAFE_BAR),
    (("Restaurant", "FoodEstablishment", "FastFoodRestaurant", "Brasserie"), Category.RESTAURANT),
    (
        (
            "CulturalSite",
            "NaturalHeritage",
            "Museum",
            "ReligiousSite",
            "RemarkableBuilding",
            "ParkAndGarden",
            "Castle",
            "InterpretationCentre",
            "Zoo",
            "Aquarium",
            "ArchaeologicalSite",
            "MilitaryHeritage",
            "TechnicalHeritage",
        ),
        Category.VISITOR_SITE,
    ),
    (
        (
            "ActivityProvider",
            "SportsAndLeisurePlace",
            "Tour",
            "LeisureComplex",
            "SportsActivityLocation",
            "SportsCenter",
            "GolfCourse",
            "EquestrianCenter",
            "SwimmingPool",
            "AmusementPark",
        ),
        Category.ACTIVITY,
    ),
    (("Store", "Shop", "LocalShop", "ServiceProvider", "BusinessPlace", "Market"), Category.SHOP),
    (("Association",), Category.ASSOCIATION),
    (("Accommodation", "LodgingBusiness"), Category.RENTAL),
    (("LocalBusiness",), Category.SHOP),
]


def bare_type(value: str) -> str:
    """ "schema:Restaurant", ":Restaurant", "https://schema.org/Restaurant" → "Restaurant"."""
    value = value.strip()
    for sep in ("#", "/"):
        if "://" in value and sep in value:
            value = value.rsplit(sep, 1)[1]
    return value.rsplit(":", 1)[-1]


def is_datatourisme_event(types: set[str]) -> bool:
    return bool(types & DATATOURISME_EVENT_TYPES) or any(t.endswith("Event") for t in types)


def category_from_datatourisme_types(types: set[str]) -> Category:
    """Our category for a set of bare DATAtourisme/schema.org type names."""
    for names, category in _DATATOURISME_TYPES:
        if types.intersection(names):
            return category
    return Category.OTHER


# -- Apidae ----------------------------------------------------------------------------
APIDAE_EVENT_TYPE = "FETE_ET_MANIFESTATION"
APIDAE_TYPES: dict[str, Category] = {
    "HOTELLERIE": Category.HOTEL,
    "HOTELLERIE_PLEIN_AIR": Category.CAMPSITE,
    "HEBERGEMENT_LOCATIF": Category.RENTAL,
    "HEBERGEMENT_COLLECTIF": Category.GROUP_LODGING,
    "RESTAURATION": Category.RESTAURANT,
    "ACTIVITE": Category.ACTIVITY,
    "EQUIPEMENT": Category.ACTIVITY,
    "SEJOUR_PACKAGE": Category.ACTIVITY,
    "DOMAINE_SKIABLE": Category.ACTIVITY,
    "PATRIMOINE_CULTUREL": Category.VISITOR_SITE,
    "PATRIMOINE_NATUREL": Category.VISITOR_SITE,
    "COMMERCE_ET_SERVICE": Category.SHOP,
    "DEGUSTATION": Category.PRODUCER,
    "STRUCTURE": Category.OTHER,
    "TERRITOIRE": Category.OTHER,
}
# HebergementLocatifType 2619 is "Chambre d'hôtes" in Apidae's reference list.
APIDAE_BED_AND_BREAKFAST_TYPE_IDS = {2619}
