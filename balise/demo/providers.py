"""Drawing the demo providers: names, places, contacts, labels, membership.

:func:`generate_directory` is pure (a seeded ``random.Random`` in, drafts out, no
database), so the same seed gives the same providers. :mod:`.directory` saves them.
"""

import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random
from zoneinfo import ZoneInfo

from balise.members.importers.cleaning import clean_phone
from balise.members.models import Category, MembershipStatus, Source, normalize_name

from .catalog import (
    ACTIVITY_KINDS,
    ACTIVITY_THEMES,
    CLEVACANCES,
    GDF,
    PROFILE_BY_CATEGORY,
    PROFILES,
    CategoryProfile,
)
from .names import (
    COMMON_SURNAMES,
    FEMALE_FIRST_NAMES,
    FOREIGN_SURNAMES,
    LOCAL_SURNAMES,
    MALE_FIRST_NAMES,
    PLACES,
    PLURALS,
    RURAL_WAYS,
    TOWN_STREETS,
    WEBMAIL_DOMAINS,
    of,
    of_name,
    river_in_text,
    with_article,
)
from .territory import CommuneSpec, OfficeSpec

PARIS = ZoneInfo("Europe/Paris")
CONSENT_START = datetime(2023, 1, 2, tzinfo=PARIS)
ARCHIVE_START = datetime(2024, 3, 1, tzinfo=PARIS)
MEMBERSHIP_YEARS = ((2026, 50), (2025, 32), (2024, 18))

# Words dropped from a name to make a domain: "Gîte Les Micocouliers" -> lesmicocouliers.
GENERIC_WORDS = {"gite", "gites", "camping", "hotel", "restaurant", "chambres", "d", "hotes"}

CONSENT_SOURCES = (
    ("Bulletin d'adhésion {year}", 45),
    ("Formulaire en ligne de l'office", 20),
    ("Accueil de l'office", 15),
    ("Atelier numérique", 10),
    ("Salon des prestataires {year}", 10),
)

NOTES = (
    "Rencontré(e) au salon des prestataires : intéressé(e) par un atelier Google.",
    "Changement de propriétaire prévu fin 2025.",
    "Préfère être appelé(e) le matin, lit rarement ses e-mails.",
    "Fiche Apidae à mettre à jour : photos de 2017.",
    "Projet de site internet en cours avec une agence de Nîmes.",
    "Fermé de novembre à mars.",
    "A demandé un rendez-vous individuel sur les avis en ligne.",
    "Connexion internet très lente (ADSL), pas de 4G sur place.",
    "Nouvelle gérance depuis le printemps.",
    "Souhaite vendre en ligne des bons cadeaux.",
)

# Where river tags are obvious from the name.
RIVER_WORDS = ("Canoë", "Eaux vives", "Canyoning", "Pêche", "Rives", "Guinguette")


@dataclass
class Person:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class ProviderDraft:
    """A provider before it has an office or a database id."""

    name: str
    category: str
    commune: CommuneSpec
    legal_name: str = ""
    description: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    social_links: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    classification: str = ""
    membership_status: str = MembershipStatus.MEMBER
    membership_year: int | None = None
    marketing_consent: bool = False
    marketing_consent_at: datetime | None = None
    marketing_consent_source: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    archived_at: datetime | None = None
    source_ids: list[tuple[str, str]] = field(default_factory=list)


def plan_categories(count: int, rng: Random) -> list[str]:
    """Categories for ``count`` providers in the catalogue's proportions, shuffled.

    Quotas by largest remainder, so proportions hold exactly whatever the seed.
    """
    exact = [(profile.category, count * profile.share / 100) for profile in PROFILES]
    quotas = {category: int(value) for category, value in exact}
    missing = count - sum(quotas.values())
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for category, _value in by_remainder[:missing]:
        quotas[category] += 1
    plan = [category for category, _value in exact for _ in range(quotas[category])]
    rng.shuffle(plan)
    return plan


class _Generator:
    """Draws one office's providers; holds what must stay unique (names, domains, ids)."""

    def __init__(self, spec: OfficeSpec, rng: Random):
        self.spec = spec
        self.rng = rng
        self.bourg = max(spec.communes, key=lambda commune: commune.weight)
        self.names: set[str] = set()
        self.repeats: dict[str, int] = {}
        self.domains: set[str] = set()
        self.external_ids: set[tuple[str, str]] = set()
        self.last_owner: Person | None = None
        self.landline_prefix = spec.phone[:5]  # "04 66"

    def weighted(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    # People and contacts

    def person(self) -> Person:
        rng = self.rng
        first = rng.choice(FEMALE_FIRST_NAMES if rng.random() < 0.55 else MALE_FIRST_NAMES)
        roll = rng.random()
        pool = (
            LOCAL_SURNAMES if roll < 0.55 else COMMON_SURNAMES if roll < 0.92 else FOREIGN_SURNAMES
        )
        return Person(first, rng.choice(pool))

    def phone(self, profile: CategoryProfile) -> str:
        rng = self.rng
        pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3))
        if self.chance(profile.landline):
            return clean_phone(f"{self.landline_prefix} {pairs}")
        # 06 9x numbers are overseas mobiles (Guadeloupe, Réunion…): stay in mainland ranges.
        return clean_phone(f"0{6 if self.chance(0.75) else 7} {rng.randint(10, 89)} {pairs}")

    def webmail(self, person: Person, business: str) -> str:
        rng = self.rng
        first = normalize_name(person.first_name).replace(" ", "")
        last = normalize_name(person.last_name).replace(" ", "")
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{first}.{last}",
                f"{first}{last}{rng.randint(1, 99)}",
                f"{last}.{first}",
                f"{first[0]}.{last}",
                f"{business}{rng.choice(('', '30', '.contact', '.gard'))}",
            )
        )
        return f"{local}@{self.weighted(WEBMAIL_DOMAINS)}"

    # Names

    def name_fields(self, commune: CommuneSpec, person: Person) -> dict[str, str]:
        rng = self.rng
        place = rng.choice(PLACES)
        partner = rng.choice(
            MALE_FIRST_NAMES if person.first_name in FEMALE_FIRST_NAMES else FEMALE_FIRST_NAMES
        )
        return {
            "Lieu": with_article(*place),
            "du_lieu": of(*place),
            "Pluriel": rng.choice(PLURALS),
            "Commune": commune.name,
            "de_commune": of_name(commune.name),
            "Riviere": self.spec.river[1],
            "de_riviere": of(*self.spec.river),
            "prenom": person.first_name,
            "de_prenom": of_name(person.first_name),
            "prenom2": partner,
            "nom": person.last_name,
            "Activite": rng.choice(ACTIVITY_KINDS),
            "Theme": rng.choice(ACTIVITY_THEMES),
        }

    def business_name(self, profile: CategoryProfile, commune: CommuneSpec, person: Person) -> str:
        name = ""
        for _attempt in range(10):
            pattern = self.rng.choice(profile.names)
            name = pattern.format(**self.name_fields(commune, person))
            if normalize_name(name) not in self.names:
                break
        else:
            # Real directories have several "Gîte Le Moulin": the commune tells them apart,
            # then a number (only with the benchmark's thousands of providers).
            base = name = f"{name} ({commune.name})"
            while normalize_name(name) in self.names:
                self.repeats[base] = self.repeats.get(base, 1) + 1
                name = f"{base} {self.repeats[base]}"
        self.names.add(normalize_name(name))
        return name

    def domain(self, name: str, category: str) -> str:
        words = normalize_name(name).split()
        keep_generic = self.chance(0.3)
        core = words
        while core and core[0] in GENERIC_WORDS:
            core = core[1:]
        core = core or words
        base = "".join(core) if len("".join(core)) <= 22 else "-".join(core)
        if keep_generic and core is not words and words[0] in GENERIC_WORDS:
            base = f"{words[0]}-{base}"
        domain, number = f"{base}.example", 2
        while domain in self.domains:
            domain, number = f"{base}{number}.example", number + 1
        self.domains.add(domain)
        return domain

    def legal_name(self, profile: CategoryProfile, name: str, person: Person) -> str:
        if not profile.legal_forms or not self.chance(profile.legal_share):
            return ""
        form = self.weighted(profile.legal_forms)
        if form == "Association":
            body = name if name.startswith("Association") else f"Association {name}"
            return f"{body} (loi 1901)"
        if form == "EI":
            return f"EI {person.last_name.upper()} {person.first_name}"
        if form in {"EARL", "GAEC", "SCEA"} or (form == "SCA" and "coopérative" not in name):
            holder = of(*self.rng.choice(PLACES)) if self.chance(0.5) else person.last_name
            return f"{form} {holder.upper()}"
        if form in {"SCA", "SCI"} or self.chance(0.65):
            return f"{form} {name.upper()}"
        return f"{form} {person.last_name.upper()}"

    # Places

    def address(self, commune: CommuneSpec) -> str:
        rng = self.rng
        if commune is self.bourg and self.chance(0.8):
            return f"{rng.randint(1, 48)} {rng.choice(TOWN_STREETS)}"
        roll = rng.random()
        place = rng.choice(PLACES)
        if roll < 0.25:
            return f"Lieu-dit {with_article(*place)}"
        if roll < 0.4:
            return f"Hameau {of(*place)}"
        if roll < 0.7:
            return f"{rng.randint(1, 40)} {rng.choice(RURAL_WAYS)} {of(*place)}"
        if roll < 0.85:
            # Rural numbering counts metres from the start of the road.
            other = rng.choice([c for c in self.spec.communes if c is not commune])
            return f"{rng.randrange(100, 3000, 10)} route {of_name(other.name)}"
        return f"{rng.randint(1, 30)} {rng.choice(TOWN_STREETS[:12])}"

    def coordinates(self, commune: CommuneSpec) -> tuple[Decimal, Decimal]:
        spread = 0.004 if commune is self.bourg else 0.012

        def jitter() -> float:
            return max(-3 * spread, min(3 * spread, self.rng.gauss(0, spread)))

        return (
            Decimal(f"{commune.latitude + jitter():.6f}"),
            Decimal(f"{commune.longitude + jitter() * 1.4:.6f}"),
        )

    # Directory data

    def social_links(self, profile: CategoryProfile, name: str, commune: CommuneSpec) -> dict:
        words = normalize_name(name).split()
        links = {}
        for network, probability in profile.social.items():
            if not self.chance(probability):
                continue
            if network == "facebook":
                links[network] = "https://www.facebook.com/" + "".join(
                    w.capitalize() for w in words
                )
            elif network == "instagram":
                links[network] = "https://www.instagram.com/" + "_".join(words)[:30] + "/"
            elif network == "tripadvisor":
                kind = {
                    Category.RESTAURANT: "Restaurant",
                    Category.CAFE_BAR: "Restaurant",
                    Category.HOTEL: "Hotel",
                    Category.CAMPSITE: "Hotel",
                    Category.BED_AND_BREAKFAST: "Hotel",
                }.get(profile.category, "Attraction")
                slug = "_".join(w.capitalize() for w in words)
                town = "_".join(w.capitalize() for w in normalize_name(commune.name).split())
                geo = 1_000_000 + int(commune.insee_code)
                links[network] = (
                    f"https://www.tripadvisor.fr/{kind}_Review-g{geo}"
                    f"-d{self.rng.randint(1_000_000, 26_000_000)}-Reviews-{slug}-{town}"
                    "_Gard_Occitanie.html"
                )
        return links

    def classification(self, profile: CategoryProfile, labels: list[str]) -> str:
        stars = ""
        if profile.classifications and self.chance(profile.classified):
            stars = self.weighted(profile.classifications)
        if GDF in labels:
            epis = f"{self.weighted(((2, 2), (3, 5), (4, 2), (5, 1)))} épis"
            return f"{stars}, {epis}" if stars and self.chance(0.3) else epis
        if CLEVACANCES in labels:
            return f"{self.weighted(((2, 2), (3, 5), (4, 2)))} clés"
        return stars

    def membership(self, draft: ProviderDraft) -> None:
        roll = self.rng.random()
        if roll < 0.8:
            draft.membership_status = MembershipStatus.MEMBER
            draft.membership_year = self.weighted(MEMBERSHIP_YEARS)
        elif roll < 0.87:
            draft.membership_status = MembershipStatus.FORMER
            draft.membership_year = self.rng.randint(2021, 2024)
        elif roll < 0.96:
            draft.membership_status = MembershipStatus.PROSPECT
        else:
            draft.membership_status = MembershipStatus.NON_MEMBER
        member = draft.membership_status == MembershipStatus.MEMBER
        if self.chance(0.78 if member else 0.4):
            at = CONSENT_START + timedelta(
                days=self.rng.randint(0, 1050),
                hours=self.rng.randint(9, 18),
                minutes=self.rng.randint(0, 59),
            )
            draft.marketing_consent = True
            draft.marketing_consent_at = at
            sources = CONSENT_SOURCES if member else CONSENT_SOURCES[1:]
            draft.marketing_consent_source = self.weighted(sources).format(year=at.year)

    def source_ids(self, profile: CategoryProfile) -> list[tuple[str, str]]:
        sources = []
        if self.chance(0.88):
            sources.append(self.spec.sit_source)
            if self.chance(0.1):
                other = (
                    Source.DATATOURISME if self.spec.sit_source == Source.APIDAE else Source.APIDAE
                )
                sources.append(other)
        ids = []
        for source in sources:
            while True:
                if source == Source.APIDAE:
                    external_id = str(self.rng.randint(100_000, 7_999_999))
                else:
                    suffix = "".join(self.rng.choices(string.digits + string.ascii_uppercase, k=5))
                    external_id = f"{profile.datatourisme_type}OCC030V5{suffix}"
                if (source, external_id) not in self.external_ids:
                    break
            self.external_ids.add((source, external_id))
            ids.append((source, external_id))
        return ids

    def tags(self, draft: ProviderDraft, commune: CommuneSpec) -> list[str]:
        tags = []
        if commune is self.bourg and self.chance(0.6):
            tags.append("centre-bourg")
        river = {Category.CAMPSITE: 0.6, Category.ACTIVITY: 0.35}.get(draft.category, 0.05)
        if any(word in draft.name for word in RIVER_WORDS) or self.chance(river):
            tags.append("bord de rivière")
        if draft.membership_year == 2026 and self.chance(0.15):
            tags.append("nouvel adhérent")
        year_round = {
            Category.HOTEL: 0.4,
            Category.RESTAURANT: 0.35,
            Category.CAFE_BAR: 0.6,
            Category.SHOP: 0.7,
            Category.PRODUCER: 0.3,
        }.get(draft.category, 0.08)
        if self.chance(year_round):
            tags.append("ouvert toute l'année")
        if draft.membership_status == MembershipStatus.MEMBER and self.chance(0.03):
            tags.append("groupe de travail numérique")
        return tags

    def provider(self, category: str) -> ProviderDraft:
        rng = self.rng
        profile = PROFILE_BY_CATEGORY[category]
        commune = rng.choices(
            self.spec.communes, weights=[c.weight**profile.town for c in self.spec.communes]
        )[0]
        # Some owners rent several gîtes under the same e-mail and phone.
        reuse = category == Category.RENTAL and self.last_owner is not None and self.chance(0.05)
        person = self.last_owner if reuse else self.person()
        name = self.business_name(profile, commune, person)
        draft = ProviderDraft(name=name, category=category, commune=commune)
        draft.legal_name = self.legal_name(profile, name, person)
        draft.address = self.address(commune)
        draft.latitude, draft.longitude = self.coordinates(commune)
        if self.chance(0.93):
            draft.contact_name = person.full_name
        if profile.descriptions and self.chance(0.85):
            draft.description = rng.choice(profile.descriptions).format(
                personnes=rng.choice((2, 4, 4, 5, 6, 6, 8, 10, 12)),
                chambres=rng.randint(3, 5),
                chambres_hotel=rng.randint(7, 32),
                emplacements=rng.randrange(25, 160, 5),
                lits=rng.randrange(14, 48, 2),
                de_riviere=of(*self.spec.river),
                riviere=river_in_text(*self.spec.river),
            )
        if self.chance(profile.website):
            domain = self.domain(name, category)
            draft.website = f"https://{'www.' if self.chance(0.3) else ''}{domain}/"
            business = domain.removesuffix(".example").replace("-", "")
            if self.chance(profile.own_domain):
                local = rng.choice(("contact", "contact", "info", "bonjour", "reservation"))
                draft.email = f"{local}@{domain}"
        else:
            business = "".join(normalize_name(name).split())[:20]
        if reuse:
            draft.email, draft.phone = person.email, person.phone
        else:
            if not draft.email and self.chance(0.95):
                draft.email = self.webmail(person, business)
            if self.chance(0.96):
                draft.phone = self.phone(profile)
            person.email, person.phone = draft.email, draft.phone
        if category == Category.RENTAL:
            self.last_owner = person
        draft.social_links = self.social_links(profile, name, commune)
        draft.labels = [label for label, p in profile.labels.items() if self.chance(p)]
        draft.classification = self.classification(profile, draft.labels)
        self.membership(draft)
        draft.source_ids = self.source_ids(profile)
        draft.tags = self.tags(draft, commune)
        if self.chance(0.09):
            draft.notes = rng.choice(NOTES)
        if self.chance(0.03):
            draft.archived_at = ARCHIVE_START + timedelta(days=rng.randint(0, 600), hours=10)
            if draft.membership_status == MembershipStatus.MEMBER:
                draft.membership_status = MembershipStatus.FORMER
        return draft


def generate_directory(
    spec: OfficeSpec, *, rng: Random, count: int | None = None
) -> list[ProviderDraft]:
    """Draw ``count`` providers (default: the office's usual size) for the office ``spec``.

    Pure: no database access, the same ``rng`` state gives the same drafts.
    """
    count = spec.provider_count if count is None else count
    generator = _Generator(spec, rng)
    drafts = [generator.provider(category) for category in plan_categories(count, rng)]
    # Every commune of the territory has at least one provider (a gîte, most often).
    present = {draft.commune.insee_code for draft in drafts}
    movable = [d for d in drafts if d.category in (Category.RENTAL, Category.BED_AND_BREAKFAST)]
    for commune in spec.communes:
        if commune.insee_code not in present and movable:
            draft = movable.pop()
            draft.commune = commune
            draft.latitude, draft.longitude = generator.coordinates(commune)
            present.add(commune.insee_code)
    return drafts
