"""The fictional territory: a network, two offices, their communes and their staff.

Everything here is invented. Commune INSEE codes use the unused 306xx range of the Gard
(real Gard communes stop near 30356) so demo communes can never be mistaken for, or merge
with, real ones imported from a SIT. Postal codes and phone prefixes are plausible for the
south-west of the Gard.
"""

from dataclasses import dataclass

from balise.members.models import Source
from balise.offices.models import Role

DEMO_PASSWORD = "balise-demo"


@dataclass(frozen=True)
class CommuneSpec:
    name: str
    insee_code: str
    postal_code: str
    # Relative size: how many providers it attracts (the bourg-centre weighs most).
    weight: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: str
    title: str  # shown in the printed logins, e.g. "élu référent tourisme"


@dataclass(frozen=True)
class OfficeSpec:
    slug: str
    name: str
    territory: str
    email: str
    phone: str
    website: str
    address: str
    # The river of the valley, as (article, name): ("la", "Vallonne").
    river: tuple[str, str]
    # Main regional database (SIT) the office's providers come from.
    sit_source: str
    provider_count: int
    communes: tuple[CommuneSpec, ...]
    staff: tuple[StaffSpec, ...]
    tags: tuple[str, ...] = (
        "centre-bourg",
        "bord de rivière",
        "nouvel adhérent",
        "ouvert toute l'année",
        "groupe de travail numérique",
    )


@dataclass(frozen=True)
class NetworkSpec:
    slug: str
    name: str
    # The network's coordinator compares the offices (NetworkCoordinator, no office role).
    coordinator: StaffSpec


NETWORK = NetworkSpec(
    slug="demo-cevennes-gard",
    name="Réseau des offices de tourisme des Cévennes et du Gard",
    coordinator=StaffSpec(
        "reseau@cevennes-gard.demo", "Nadia Roux", "", "coordinatrice ANT du réseau"
    ),
)

# fmt: off
HAUT_VALLON = OfficeSpec(
    slug="haut-vallon",
    name="Office de tourisme du Haut-Vallon",
    territory="Communauté de communes du Haut-Vallon",
    email="accueil@ot-haut-vallon.example",
    phone="04 66 85 20 14",
    website="https://ot-haut-vallon.example/",
    address="2 place du Temple, 30570 Saint-Martin-de-Vallon",
    river=("la", "Vallonne"),
    sit_source=Source.APIDAE,
    provider_count=400,
    communes=(
        CommuneSpec("Saint-Martin-de-Vallon", "30601", "30570", 40, 44.0720, 3.6130),
        CommuneSpec("Valcrose", "30602", "30570", 16, 44.0915, 3.6480),
        CommuneSpec("Saint-Jean-des-Faïsses", "30603", "30570", 12, 44.0530, 3.5810),
        CommuneSpec("La Bastide-du-Vallon", "30604", "30440", 9, 44.0310, 3.6620),
        CommuneSpec("Saint-Roman-des-Cades", "30605", "30440", 8, 44.0180, 3.6290),
        CommuneSpec("Saint-Laurent-des-Mûriers", "30606", "30570", 7, 44.1030, 3.5920),
        CommuneSpec("Pradelles-sur-Vallon", "30607", "30570", 7, 44.0640, 3.6870),
        CommuneSpec("Mandaroux", "30608", "30570", 6, 44.1180, 3.6260),
        CommuneSpec("Malbosc-des-Cévennes", "30609", "30570", 6, 44.1250, 3.5650),
        CommuneSpec("Notre-Dame-de-la-Clède", "30610", "30440", 5, 44.0090, 3.5960),
        CommuneSpec("Les Mazets", "30611", "30570", 5, 44.0830, 3.5480),
        CommuneSpec("Saint-Privat-des-Cades", "30612", "30440", 5, 43.9980, 3.6510),
        CommuneSpec("Sorbières-de-Vallon", "30613", "30570", 5, 44.0450, 3.7120),
        CommuneSpec("Auzillargues", "30614", "30440", 4, 44.0240, 3.5570),
        CommuneSpec("Colbrières", "30615", "30570", 4, 44.1360, 3.6010),
        CommuneSpec("Esparon-sur-Vallon", "30616", "30570", 4, 44.0960, 3.7030),
        CommuneSpec("La Vernède", "30617", "30440", 4, 43.9920, 3.6090),
        CommuneSpec("Le Cros-Haut", "30618", "30570", 3, 44.1420, 3.6530),
        CommuneSpec("Mas-de-Roquedur", "30619", "30440", 3, 44.0060, 3.6880),
        CommuneSpec("Molières-Haut", "30620", "30570", 3, 44.1130, 3.6790),
        CommuneSpec("Camparel", "30621", "30570", 3, 44.1500, 3.5870),
    ),
    staff=(
        StaffSpec("admin@haut-vallon.demo", "Claire Fabre", Role.ADMIN,
                  "directrice de l'office"),
        StaffSpec("animatrice@haut-vallon.demo", "Léa Boissier", Role.ANIMATOR,
                  "animatrice numérique"),
        StaffSpec("elu@haut-vallon.demo", "Jean-Pierre Teissier", Role.READER,
                  "élu référent tourisme"),
    ),
)

VAL_D_ARRE = OfficeSpec(
    slug="val-d-arre",
    name="Office de tourisme du Val d'Arre",
    territory="Communauté de communes du Val d'Arre",
    email="contact@ot-val-d-arre.example",
    phone="04 67 81 30 62",
    website="https://ot-val-d-arre.example/",
    address="5 quai de l'Arre, 30750 Pont-d'Arre",
    river=("l'", "Arre"),
    sit_source=Source.DATATOURISME,
    provider_count=120,
    communes=(
        CommuneSpec("Pont-d'Arre", "30641", "30750", 30, 43.9710, 3.5020),
        CommuneSpec("Avelines", "30642", "30750", 10, 43.9830, 3.4730),
        CommuneSpec("Molière-sur-Arre", "30643", "30750", 8, 43.9600, 3.5330),
        CommuneSpec("Saint-Sauveur-d'Arre", "30644", "30770", 6, 43.9450, 3.4610),
        CommuneSpec("Montredon-d'Arre", "30645", "30750", 6, 43.9880, 3.5410),
        CommuneSpec("Arrigues", "30646", "30770", 5, 43.9320, 3.4920),
        CommuneSpec("Bréaulès", "30647", "30750", 5, 44.0010, 3.4880),
        CommuneSpec("Le Vernet-d'Arre", "30648", "30750", 5, 43.9560, 3.4390),
        CommuneSpec("Aulagnet", "30649", "30770", 4, 43.9210, 3.5180),
        CommuneSpec("Roquefeuil-d'Arre", "30650", "30770", 4, 43.9390, 3.5470),
        CommuneSpec("Blancas", "30651", "30770", 4, 43.9120, 3.4650),
        CommuneSpec("Campagnac-le-Haut", "30652", "30750", 4, 44.0080, 3.5190),
        CommuneSpec("Saint-Félix-des-Cades", "30653", "30770", 3, 43.9240, 3.4380),
        CommuneSpec("Visclans", "30654", "30770", 3, 43.9040, 3.4990),
        CommuneSpec("Les Esperelles", "30655", "30750", 3, 43.9950, 3.4540),
        CommuneSpec("Causse-d'Arre", "30656", "30770", 3, 43.9170, 3.5560),
    ),
    staff=(
        StaffSpec("admin@val-d-arre.demo", "Marc Vidal", Role.ADMIN, "directeur de l'office"),
    ),
)
# fmt: on

OFFICES = (HAUT_VALLON, VAL_D_ARRE)
