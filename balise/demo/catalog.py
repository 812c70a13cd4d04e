"""What each kind of provider looks like in a rural Cévennes territory.

One :class:`CategoryProfile` per category: its share of the directory, name patterns,
how often it has a website, social accounts, labels and a classification, its usual legal
forms, and its DATAtourisme type code. The generator in :mod:`.directory` only reads these
tables, so tuning the demo means editing numbers here.

Name patterns are ``str.format`` templates; the fields are filled by
``directory._name_fields``: ``{Lieu}`` "La Clède", ``{du_lieu}`` "de la Clède",
``{Pluriel}`` "Micocouliers", ``{Commune}``, ``{de_commune}``, ``{Riviere}`` "Vallonne",
``{de_riviere}`` "de la Vallonne", ``{prenom}``, ``{de_prenom}`` "d'Émilie", ``{prenom2}``,
``{nom}``, ``{Activite}`` "Canoë", ``{Theme}`` "Vallée Verte". Descriptions may use
``{personnes}``, ``{chambres}``, ``{chambres_hotel}``, ``{emplacements}``, ``{lits}``,
``{de_riviere}`` and ``{riviere}`` "la Vallonne".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from balise.members.models import Category

QT = "Qualité Tourisme"
GDF = "Gîtes de France"
CLEVACANCES = "Clévacances"
VELO = "Accueil Vélo"
HANDICAP = "Tourisme & Handicap"
VIGNOBLES = "Vignobles & Découvertes"
FERME = "Bienvenue à la ferme"
LOGIS = "Logis"
CLEF_VERTE = "Clef Verte"
MAITRE_RESTAURATEUR = "Maître Restaurateur"
ESPRIT_PARC = "Esprit parc national"
SUD_DE_FRANCE = "Sud de France"

LABELS = (
    QT, GDF, CLEVACANCES, VELO, HANDICAP, VIGNOBLES, FERME, LOGIS, CLEF_VERTE,
    MAITRE_RESTAURATEUR, ESPRIT_PARC, SUD_DE_FRANCE,
)  # fmt: skip

STARS = tuple(
    (f"{n} étoile{'s' if n > 1 else ''}", weight) for n, weight in enumerate((1, 4, 6, 3, 1), 1)
)

ACTIVITY_KINDS = (
    "Canoë", "Canyoning", "Escalade", "Rando Âne", "Parapente", "Spéléo", "VTT", "Vélo",
    "Pêche", "Via ferrata", "Rando", "Équitation", "Eaux vives",
)  # fmt: skip
ACTIVITY_THEMES = (
    "Vallée Verte", "Cévennes", "Aventure", "Nature", "Évasion", "des Gorges", "Passion",
    "Découverte", "Sport Nature", "Altitude", "Sauvage", "Plein Air",
)  # fmt: skip


@dataclass(frozen=True)
class CategoryProfile:
    category: str
    share: float  # per cent of the directory
    names: tuple[str, ...]
    # Exponent applied to commune weights: above 1 gathers providers in the bourg-centre,
    # below 1 spreads them over the villages.
    town: float
    website: float  # probability of a website
    own_domain: float  # of those with a website, share with an e-mail on that domain
    landline: float  # share whose phone is a landline (else a mobile)
    social: Mapping[str, float] = field(default_factory=dict)
    labels: Mapping[str, float] = field(default_factory=dict)
    classifications: tuple[tuple[str, int], ...] = ()
    classified: float = 0.0
    legal_forms: tuple[tuple[str, int], ...] = ()
    legal_share: float = 0.0
    datatourisme_type: str = "COS"
    descriptions: tuple[str, ...] = ()


# fmt: off
PROFILES: tuple[CategoryProfile, ...] = (
    CategoryProfile(
        Category.RENTAL, 34,
        names=(
            "Gîte {Lieu}", "Gîte Les {Pluriel}", "Gîte {du_lieu}", "Le Mas {du_lieu}",
            "Mas des {Pluriel}", "La Maison {de_prenom}", "Le Mazet {de_prenom}",
            "Gîte rural {Lieu}", "Villa Les {Pluriel}", "Gîte Chez {prenom}",
            "La Petite Maison {du_lieu}", "Les Gîtes {du_lieu}", "Appartement {Lieu}",
            "Gîte {Lieu} {de_commune}", "Le Studio {du_lieu}", "La Clède {de_prenom}",
        ),
        town=0.7, website=0.5, own_domain=0.3, landline=0.3,
        social={"facebook": 0.25, "instagram": 0.1},
        labels={GDF: 0.33, CLEVACANCES: 0.13, VELO: 0.08, HANDICAP: 0.03, FERME: 0.02},
        classifications=STARS, classified=0.45,
        legal_forms=(("SCI", 3), ("EI", 2), ("SARL", 1)), legal_share=0.12,
        datatourisme_type="HLO",
        descriptions=(
            "Gîte de {personnes} personnes dans un mas cévenol restauré.",
            "Gîte de {personnes} personnes avec piscine et vue sur la vallée.",
            "Maison de {personnes} personnes au bord {de_riviere}, terrasse ombragée.",
            "Gîte en pierre de {personnes} personnes, au calme, jardin clos.",
            "Appartement de {personnes} personnes au cœur du village.",
        ),
    ),
    CategoryProfile(
        Category.BED_AND_BREAKFAST, 14,
        names=(
            "Chambres d'hôtes {Lieu}", "Chambres d'hôtes Les {Pluriel}", "Le Mas {du_lieu}",
            "La Maison {de_prenom}", "Chez {prenom} et {prenom2}", "Domaine {du_lieu}",
            "Les Chambres {du_lieu}", "Mas des {Pluriel}", "La Demeure {du_lieu}",
            "L'Oustal {de_prenom}",
        ),
        town=0.7, website=0.65, own_domain=0.35, landline=0.4,
        social={"facebook": 0.45, "instagram": 0.25, "tripadvisor": 0.2},
        labels={GDF: 0.33, CLEVACANCES: 0.1, VELO: 0.15, ESPRIT_PARC: 0.08, FERME: 0.05,
                QT: 0.04, CLEF_VERTE: 0.04},
        legal_forms=(("EI", 3), ("SARL", 1)), legal_share=0.1,
        datatourisme_type="HLO",
        descriptions=(
            "{chambres} chambres dans un mas du XVIIIe siècle, table d'hôtes sur réservation.",
            "{chambres} chambres avec vue sur les terrasses, petit-déjeuner maison.",
            "{chambres} chambres au calme, piscine, accueil randonneurs.",
        ),
    ),
    CategoryProfile(
        Category.CAMPSITE, 5,
        names=(
            "Camping {Lieu}", "Camping Les {Pluriel}", "Camping municipal {de_commune}",
            "Camping Les Rives {de_riviere}", "Camping Le Pré {du_lieu}",
            "Aire naturelle de camping {du_lieu}", "Camping à la ferme {du_lieu}",
            "Camping Le Val {de_riviere}", "Camping du Pont {de_commune}",
        ),
        town=0.8, website=0.9, own_domain=0.75, landline=0.7,
        social={"facebook": 0.85, "instagram": 0.5, "tripadvisor": 0.3},
        labels={QT: 0.25, VELO: 0.3, CLEF_VERTE: 0.25, HANDICAP: 0.1, ESPRIT_PARC: 0.1},
        classifications=STARS, classified=0.85,
        legal_forms=(("SARL", 4), ("SAS", 2), ("EURL", 1)), legal_share=0.8,
        datatourisme_type="HPA",
        descriptions=(
            "{emplacements} emplacements au bord {de_riviere}, locatifs et piscine.",
            "Camping familial de {emplacements} emplacements ombragés, baignade en rivière.",
            "Camping de {emplacements} emplacements, accueil randonneurs et cyclistes.",
        ),
    ),
    CategoryProfile(
        Category.HOTEL, 3.5,
        names=(
            "Hôtel de la Poste", "Hôtel du Commerce", "Hôtel des Voyageurs", "Hôtel Le Cévenol",
            "Hôtel {Lieu}", "Auberge {du_lieu}", "Hôtel Les {Pluriel}", "Le Relais {de_commune}",
            "Hôtel du Pont", "Hôtel-restaurant {Lieu}", "Hôtel de France",
        ),
        town=1.4, website=0.95, own_domain=0.8, landline=0.9,
        social={"facebook": 0.8, "instagram": 0.45, "tripadvisor": 0.6},
        labels={LOGIS: 0.35, QT: 0.3, VELO: 0.3, HANDICAP: 0.15, CLEF_VERTE: 0.15},
        classifications=STARS, classified=0.8,
        legal_forms=(("SARL", 4), ("SAS", 2), ("EURL", 1)), legal_share=0.9,
        datatourisme_type="HOT",
        descriptions=(
            "Hôtel de {chambres_hotel} chambres au cœur du village, cuisine du terroir.",
            "Hôtel familial de {chambres_hotel} chambres, terrasse sur {riviere}.",
        ),
    ),
    CategoryProfile(
        Category.GROUP_LODGING, 2,
        names=(
            "Gîte d'étape {Lieu}", "Gîte de groupe {Lieu}", "Centre de vacances Les {Pluriel}",
            "Village vacances Les {Pluriel}", "Gîte d'étape {de_commune}",
            "Centre d'accueil {du_lieu}", "Refuge {du_lieu}",
        ),
        town=0.9, website=0.8, own_domain=0.6, landline=0.7,
        social={"facebook": 0.5},
        labels={GDF: 0.2, HANDICAP: 0.2, CLEF_VERTE: 0.15, VELO: 0.15},
        legal_forms=(("Association", 2), ("SARL", 1)), legal_share=0.6,
        datatourisme_type="HCO",
        descriptions=("Gîte d'étape de {lits} lits sur le GR, demi-pension possible.",),
    ),
    CategoryProfile(
        Category.RESTAURANT, 9,
        names=(
            "Restaurant La Table {de_prenom}", "Le Bistrot {de_commune}", "Auberge {Lieu}",
            "Pizzeria Chez {prenom}", "Crêperie {Lieu}", "Le Comptoir {du_lieu}",
            "Ferme-auberge {du_lieu}", "Restaurant {Lieu}", "L'Atelier {de_prenom}",
            "Restaurant Les {Pluriel}", "La Terrasse {de_riviere}", "Le Jardin {de_prenom}",
            "La Guinguette {de_riviere}", "Restaurant du Pont", "Le Relais {du_lieu}",
            "La Petite Cuisine", "Snack {du_lieu}",
        ),
        town=1.3, website=0.6, own_domain=0.5, landline=0.8,
        social={"facebook": 0.8, "instagram": 0.55, "tripadvisor": 0.6},
        labels={QT: 0.15, MAITRE_RESTAURATEUR: 0.08, VELO: 0.1, VIGNOBLES: 0.05, HANDICAP: 0.05},
        legal_forms=(("SARL", 4), ("SAS", 2), ("EURL", 2), ("SASU", 1)), legal_share=0.7,
        datatourisme_type="RES",
        descriptions=(
            "Cuisine cévenole traditionnelle, produits locaux.",
            "Cuisine du marché, terrasse ombragée.",
            "Pizzas au feu de bois, sur place ou à emporter.",
            "Cuisine bistronomique, carte courte qui change chaque semaine.",
            "Cuisine végétarienne et de saison.",
        ),
    ),
    CategoryProfile(
        Category.CAFE_BAR, 3.5,
        names=(
            "Café de la Place", "Bar des Sports", "Café du Commerce", "Le Bar du Pont",
            "Café associatif {Lieu}", "Bar-tabac Le Cévenol", "Café {de_commune}",
            "Le Balcon {de_riviere}", "Café-librairie {Lieu}", "Bar de l'Avenir", "Café des Amis",
        ),
        town=1.3, website=0.3, own_domain=0.3, landline=0.8,
        social={"facebook": 0.6, "instagram": 0.25},
        legal_forms=(("SARL", 2), ("EURL", 2), ("Association", 1)), legal_share=0.6,
        datatourisme_type="RES",
        descriptions=("Café-bar, terrasse sur la place, concerts en été.",),
    ),
    CategoryProfile(
        Category.VISITOR_SITE, 4,
        names=(
            "Musée de la Soie", "Filature {du_lieu}", "Château {de_commune}", "Grotte {du_lieu}",
            "Jardin {du_lieu}", "Moulin {du_lieu}", "Écomusée de la Châtaigne",
            "Maison de l'Abeille", "Arboretum {du_lieu}", "Temple {de_commune}",
            "Tour {du_lieu}", "Maison du Parc {de_commune}", "Mine-témoin {de_commune}",
            "Musée des Arts et Traditions {de_commune}", "Abbaye {de_commune}",
        ),
        town=0.9, website=0.85, own_domain=0.7, landline=0.9,
        social={"facebook": 0.8, "instagram": 0.4, "tripadvisor": 0.4},
        labels={QT: 0.3, HANDICAP: 0.2, VELO: 0.1},
        legal_forms=(("Association", 3), ("SARL", 1)), legal_share=0.5,
        datatourisme_type="PCU",
        descriptions=(
            "Visites guidées d'avril à octobre, boutique, espace pique-nique.",
            "Site patrimonial, visite libre ou commentée, animations pour les familles.",
        ),
    ),
    CategoryProfile(
        Category.ACTIVITY, 8,
        names=(
            "{Activite} {Theme}", "{Activite} {Theme}", "{Activite} {Riviere}",
            "Centre équestre {du_lieu}", "Bureau des guides {de_commune}",
            "Ferme équestre {du_lieu}", "Accro-parc Les {Pluriel}",
            "Location de vélos {de_commune}", "Les Ânes {du_lieu}", "Base de loisirs {du_lieu}",
        ),
        town=0.9, website=0.85, own_domain=0.7, landline=0.3,
        social={"facebook": 0.9, "instagram": 0.65, "tripadvisor": 0.4},
        labels={QT: 0.25, VELO: 0.2, ESPRIT_PARC: 0.15, HANDICAP: 0.05},
        legal_forms=(("SARL", 2), ("EURL", 2), ("SASU", 1), ("Association", 1)),
        legal_share=0.7,
        datatourisme_type="ASC",
        descriptions=(
            "Descentes encadrées par des moniteurs diplômés d'État, d'avril à septembre.",
            "Sorties à la demi-journée ou à la journée, dès 8 ans.",
            "Location et sorties accompagnées, matériel fourni.",
        ),
    ),
    CategoryProfile(
        Category.PRODUCER, 6,
        names=(
            "Cave coopérative {de_commune}", "Domaine {du_lieu}", "Chèvrerie {du_lieu}",
            "Ferme {du_lieu}", "Miellerie {du_lieu}", "Les Ruchers {de_prenom}",
            "La Châtaigneraie {de_prenom}", "Brasserie artisanale {du_lieu}",
            "Oignons doux {du_lieu}", "Domaine viticole {du_lieu}", "Clos {du_lieu}",
            "Fromagerie {du_lieu}", "Distillerie {du_lieu}", "Les Vergers {de_prenom}",
        ),
        town=0.6, website=0.65, own_domain=0.6, landline=0.5,
        social={"facebook": 0.7, "instagram": 0.4},
        labels={FERME: 0.3, VIGNOBLES: 0.2, SUD_DE_FRANCE: 0.25, ESPRIT_PARC: 0.1},
        legal_forms=(("EARL", 4), ("GAEC", 2), ("SCEA", 1), ("SCA", 1)), legal_share=0.75,
        datatourisme_type="DEG",
        descriptions=(
            "Vente à la ferme, visite de l'exploitation sur rendez-vous.",
            "Dégustation et vente au caveau, du mardi au samedi.",
            "Pélardon AOP et fromages fermiers, vente directe.",
            "Miel, châtaignes et confitures, présents sur les marchés du territoire.",
        ),
    ),
    CategoryProfile(
        Category.SHOP, 6,
        names=(
            "Boulangerie {nom}", "Épicerie {Lieu}", "Librairie {du_lieu}", "Boutique {du_lieu}",
            "Atelier de poterie {du_lieu}", "Presse-tabac du Centre", "Boucherie {nom}",
            "Épicerie fine Les {Pluriel}", "Produits du terroir {Lieu}",
            "Atelier du cuir {de_prenom}", "Galerie d'art {Lieu}", "Épicerie {de_commune}",
            "Garage {nom}", "Pharmacie {du_lieu}",
        ),
        town=1.5, website=0.4, own_domain=0.5, landline=0.85,
        social={"facebook": 0.6, "instagram": 0.3},
        labels={SUD_DE_FRANCE: 0.05},
        legal_forms=(("SARL", 3), ("EURL", 2), ("SAS", 1), ("EI", 2)), legal_share=0.6,
        datatourisme_type="COS",
        descriptions=(
            "Commerce de proximité, ouvert toute l'année.",
            "Artisanat d'art et créations locales.",
        ),
    ),
    CategoryProfile(
        Category.ASSOCIATION, 4,
        names=(
            "Foyer rural {de_commune}", "Comité des fêtes {de_commune}", "Les Amis {du_lieu}",
            "Club de randonnée {de_commune}", "Festival {du_lieu}", "Association La Filature",
            "Amicale laïque {de_commune}", "Association {Lieu}", "Les Sentiers {de_commune}",
            "Patrimoine et Traditions {de_commune}", "Les Amis du Vieux Temple",
        ),
        town=1.0, website=0.5, own_domain=0.4, landline=0.2,
        social={"facebook": 0.8, "instagram": 0.2},
        legal_forms=(("Association", 1),), legal_share=0.9,
        datatourisme_type="ORG",
        descriptions=(
            "Animations et fêtes de village tout au long de l'année.",
            "Sauvegarde et mise en valeur du patrimoine local.",
        ),
    ),
    CategoryProfile(
        Category.OTHER, 1,
        names=(
            "Taxi {nom}", "Conciergerie {Lieu}", "Guide conférencier {prenom} {nom}",
            "Agence immobilière {du_lieu}", "Transports {nom}", "Photographe {prenom} {nom}",
        ),
        town=1.2, website=0.5, own_domain=0.5, landline=0.3,
        social={"facebook": 0.5},
        legal_forms=(("EI", 2), ("SARL", 1)), legal_share=0.5,
        datatourisme_type="COS",
    ),
)
# fmt: on

PROFILE_BY_CATEGORY = {profile.category: profile for profile in PROFILES}

assert abs(sum(profile.share for profile in PROFILES) - 100) < 1e-6, "shares must add up to 100"
