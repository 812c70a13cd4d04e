"""How the demo's respondents answer: the questionnaire walked page by page.

Only the sections and questions that apply given the answers so far and the provider's
category are asked; each option is drawn with weights that come from the respondent's
level on the question's axis (:mod:`balise.demo.respondents`), from its category and from
what the directory knows (a provider with a website mostly says so, its social accounts
are the ones it declares). :func:`draw_answers` is pure: a seeded ``random.Random`` in,
answers out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from random import Random
from typing import Any

from balise.diagnostics import answering
from balise.diagnostics.conditions import DONT_KNOW
from balise.diagnostics.definition import Definition, Question
from balise.diagnostics.scoring import score
from balise.members.models import Category

from .catalog import CLEF_VERTE, CLEVACANCES, GDF, HANDICAP, QT, VELO
from .respondents import ANY, SMALL_RENTALS, Respondent, clamp

# --- How they answer ------------------------------------------------------------------

SKIP_RATE = 0.015  # an optional question left blank
SPREAD = 0.28  # how far from their level respondents' answers wander
DEFAULT_DONT_KNOW = 0.03

# fmt: off
# How often "je ne sais pas" is chosen where it is offered, at middling maturity:
# technical questions most.
DONT_KNOW_RATES = {
    "web.https": 0.18, "web.statistiques": 0.12, "web.mentions_legales": 0.12,
    "web.mobile": 0.06, "secu.mots_de_passe_2fa": 0.12, "secu.mises_a_jour": 0.06,
    "secu.sauvegardes": 0.05, "equip.wifi_distinct": 0.2, "visi.google_business": 0.08,
    "visi.coherence_nap": 0.08, "visi.fiche_ot": 0.06, "resa.channel_manager": 0.08,
    "resa.part_otas": 0.1, "profil.clientele_etrangere": 0.12, "besoins.budget": 0.12,
}

# Factual questions: the weights of their options, by category.
CHOICES: dict[str, dict[str, dict[str, float]]] = {
    "profil.taille": {
        Category.RENTAL: {"seul": 70, "p2_5": 30},
        Category.BED_AND_BREAKFAST: {"seul": 45, "p2_5": 55},
        Category.HOTEL: {"p2_5": 35, "p6_19": 55, "p20_plus": 10},
        Category.CAMPSITE: {"p2_5": 45, "p6_19": 45, "p20_plus": 10},
        Category.GROUP_LODGING: {"p2_5": 60, "p6_19": 40},
        Category.RESTAURANT: {"seul": 5, "p2_5": 55, "p6_19": 40},
        Category.ACTIVITY: {"seul": 30, "p2_5": 55, "p6_19": 15},
        ANY: {"seul": 45, "p2_5": 50, "p6_19": 5},
    },
    "profil.saison": {
        Category.CAMPSITE: {"saison_courte": 60, "saison_longue": 40},
        Category.ACTIVITY: {"saison_courte": 55, "saison_longue": 40, "annee": 5},
        Category.ASSOCIATION: {"ponctuel": 60, "annee": 30, "saison_courte": 10},
        Category.HOTEL: {"saison_longue": 75, "annee": 25},
        Category.RESTAURANT: {"saison_longue": 70, "annee": 20, "saison_courte": 10},
        ANY: {"saison_longue": 55, "saison_courte": 30, "annee": 15},
    },
    "profil.clientele_etrangere": {
        **{category: {"tres_peu": 20, "p10_30": 45, "p30_50": 25, "plus_50": 10}
           for category in (Category.CAMPSITE, Category.HOTEL, Category.RENTAL)},
        ANY: {"tres_peu": 50, "p10_30": 35, "p30_50": 12, "plus_50": 3},
    },
    "equip.connexion": {ANY: {"fibre": 45, "adsl": 28, "mobile": 17, "satellite": 7, "aucune": 1}},
    "resa.part_otas": {
        **{category: {"moins_25": 15, "p25_50": 30, "p50_75": 35, "plus_75": 20}
           for category in SMALL_RENTALS},
        Category.RESTAURANT: {"moins_25": 75, "p25_50": 20, "p50_75": 5},
        ANY: {"moins_25": 30, "p25_50": 45, "p50_75": 20, "plus_75": 5},
    },
    "besoins.budget": {
        **{category: {"moins_500": 25, "de_500_a_2000": 50, "plus_2000": 25}
           for category in (Category.HOTEL, Category.CAMPSITE)},
        Category.ASSOCIATION: {"aucun": 70, "moins_500": 30},
        ANY: {"aucun": 30, "moins_500": 45, "de_500_a_2000": 20, "plus_2000": 5},
    },
}

# Booking platforms by category: the chance of being on each, at middling level.
PLATFORMS = {
    Category.RENTAL: {"airbnb": 0.8, "abritel": 0.6, "booking": 0.45, "autre": 0.15},
    Category.BED_AND_BREAKFAST: {"booking": 0.7, "airbnb": 0.55, "abritel": 0.1, "autre": 0.2},
    Category.HOTEL: {"booking": 1.2, "autre": 0.6, "airbnb": 0.1},
    Category.CAMPSITE: {"booking": 0.9, "autre": 0.9, "airbnb": 0.2},
    Category.GROUP_LODGING: {"booking": 0.5, "autre": 0.4},
    Category.RESTAURANT: {"thefork": 0.9, "autre": 0.1},
    Category.CAFE_BAR: {"thefork": 0.2},
    Category.ACTIVITY: {"getyourguide": 0.7, "autre": 0.5},
    Category.VISITOR_SITE: {"getyourguide": 0.4, "autre": 0.3},
}
# Share of providers with no review at all to reply to.
NO_REVIEWS = {
    Category.ASSOCIATION: 0.55, Category.OTHER: 0.4, Category.SHOP: 0.35,
    Category.PRODUCER: 0.3, Category.RENTAL: 0.15,
}
# Off-season first: November to March, hardly ever in high season.
MONTHS = {
    "m01": 0.55, "m02": 0.6, "m03": 0.5, "m04": 0.15, "m05": 0.05, "m06": 0.03,
    "m07": 0.01, "m08": 0.01, "m09": 0.04, "m10": 0.25, "m11": 0.6, "m12": 0.3,
}
# fmt: on

POPULAR_THEMES = {"ia_generative": 1.2, "photo_smartphone": 1.0, "canva": 0.8}
LABEL_OPTIONS = {
    GDF: "gites_de_france",
    CLEVACANCES: "clevacances",
    QT: "qualite_tourisme",
    HANDICAP: "tourisme_handicap",
    VELO: "accueil_velo",
    CLEF_VERTE: "ecolabel",
}
WEBMAIL = re.compile(r"@(gmail|orange|wanadoo|free|laposte|sfr|hotmail)\.")
CAPACITY = re.compile(r"(\d+) (personnes|chambres|emplacements|lits)")
COMMENTS = (
    "Je voudrais surtout apprendre à répondre aux avis sans y passer des heures.",
    "Pas de réseau mobile chez nous : les ateliers à distance, c'est compliqué.",
    "Disponible après la saison, jamais en juillet-août.",
    "Mon site a été fait par mon neveu, je ne sais pas le modifier.",
    "Intéressé(e) par un rendez-vous individuel pour la réservation en ligne.",
    "Merci pour ce questionnaire, il m'a donné des idées.",
    "Je débute, j'ai besoin qu'on m'explique les bases.",
    "Nous aimerions être mieux mis en avant sur le site de l'office.",
)


def pick(rng: Random, pool: list, count: int, weight: Callable[[Any], float]) -> list:
    """``count`` items of ``pool`` drawn without replacement, likelier with more weight
    (Efraimidis–Spirakis keys), in the order of ``pool``."""
    keys = [rng.random() ** (1 / max(weight(item), 1e-6)) for item in pool]
    ranked = sorted(range(len(pool)), key=keys.__getitem__, reverse=True)
    return [pool[index] for index in sorted(ranked[: max(count, 0)])]


@dataclass
class Draw:
    """What an answer handler sees: the question, the provider, the answers so far."""

    question: Question
    respondent: Respondent
    answers: dict[str, Any]
    rng: Random
    definition: Definition

    @property
    def level(self) -> float:
        return self.respondent.level(self.question.axis)

    @property
    def category(self) -> str:
        return self.respondent.category

    @property
    def codes(self) -> list[str]:
        return [option.code for option in self.question.options]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def weighted(self, weights: Mapping[str, float]) -> str | None:
        """One option drawn by weight, among those the question really offers."""
        pairs = [(code, w) for code, w in weights.items() if w > 0 and code in self.codes]
        if not pairs:
            return by_points(self)
        codes, values = zip(*pairs, strict=True)
        return self.rng.choices(codes, weights=values)[0]

    def several(self, chances: Mapping[str, float], *, at_least: int = 0) -> list[str] | None:
        """Options each chosen with its own probability, in the question's order; the
        exclusive option ("aucun") when none was chosen and the question has one."""
        offered = {code: p for code, p in chances.items() if code in self.codes and p > 0}
        chosen = {code for code, p in offered.items() if self.chance(p)}
        if len(chosen) < at_least and offered:
            codes = list(offered)
            chosen.add(self.rng.choices(codes, weights=[offered[c] for c in codes])[0])
        if not chosen:
            exclusive = [option.code for option in self.question.options if option.exclusive]
            return exclusive[:1] or None
        return [code for code in self.codes if code in chosen]


def by_points(draw: Draw) -> Any:
    """The default answer: options close to the provider's level on the question's axis
    are the likeliest (a Gaussian kernel over each option's share of the best points).
    Options "sans objet" are left to the handlers that know when they apply."""
    question = draw.question
    options = [option for option in question.options if not option.not_applicable]
    if question.type == "multiple":
        chance = clamp(0.1 + 0.65 * draw.level)
        return draw.several({o.code: chance for o in options if not o.exclusive})
    if not options:
        return None
    best = question.max_score
    if best <= 0:  # unscored: no better or worse answer
        return draw.rng.choice(options).code
    weights = [
        math.exp(-((option.points / best - draw.level) ** 2) / (2 * SPREAD**2))
        for option in options
    ]
    return draw.rng.choices(options, weights=weights)[0].code


def _by_category(draw: Draw) -> str | None:
    table = CHOICES[draw.question.code]
    return draw.weighted(table.get(draw.category, table[ANY]))


def _season(draw: Draw) -> str | None:
    if draw.respondent.year_round:
        return draw.weighted({"annee": 90, "saison_longue": 10})
    return _by_category(draw)


def _capacity(draw: Draw) -> int:
    """Read from the directory's description when it says ("Gîte de 6 personnes")."""
    found = CAPACITY.search(draw.respondent.description)
    if found:
        return int(found[1]) * {"chambres": 2, "emplacements": 3}.get(found[2], 1)
    low, high = {
        Category.RENTAL: (2, 12), Category.BED_AND_BREAKFAST: (4, 15),
        Category.HOTEL: (14, 60), Category.CAMPSITE: (90, 450),
        Category.GROUP_LODGING: (14, 48), Category.RESTAURANT: (20, 120),
        Category.CAFE_BAR: (20, 60), Category.VISITOR_SITE: (40, 400),
        Category.ACTIVITY: (8, 60),
    }.get(draw.category, (10, 50))  # fmt: skip
    return draw.rng.randint(low, high)


def _labels(draw: Draw) -> list[str] | None:
    codes = {LABEL_OPTIONS.get(label, "autre") for label in draw.respondent.labels}
    if draw.respondent.classified:
        codes.add("classement")
    return [code for code in draw.codes if code in codes] or draw.several({})


def _who(draw: Draw) -> str | None:
    team = draw.answers.get("profil.taille") in ("p6_19", "p20_plus")
    agency = 0.25 if draw.category in (Category.HOTEL, Category.CAMPSITE) else 0.08
    personne = 0.5 - draw.respondent.maturity
    return draw.weighted(
        {"moi_meme": 0.6, "salarie": 0.4 if team else 0.03, "agence": agency, "personne": personne}
    )


def _devices(draw: Draw) -> list[str] | None:
    m = draw.respondent.maturity
    return draw.several(
        {"smartphone": 0.97, "ordinateur": 0.6 + 0.35 * m, "tablette": 0.1 + 0.35 * m}
    )


def _connection_quality(draw: Draw) -> str | None:
    return draw.weighted(
        {
            "fibre": {"bonne": 85, "correcte": 13, "insuffisante": 2},
            "adsl": {"bonne": 25, "correcte": 50, "insuffisante": 25},
            "mobile": {"bonne": 30, "correcte": 45, "insuffisante": 25},
        }.get(
            draw.answers.get("equip.connexion"), {"bonne": 15, "correcte": 45, "insuffisante": 40}
        )
    )


def _website(draw: Draw) -> str | None:
    # Declared against observed: most say what the directory shows, not all of them.
    if draw.respondent.website:
        return draw.weighted({"oui": 88, "en_cours": 4, "non": 8})
    return draw.weighted({"non": 82, "en_cours": 10, "oui": 8})


def _https(draw: Draw) -> str | None:
    if draw.respondent.website:  # every demo website is served over https
        return draw.weighted({"oui": 92, "non": 8})
    return by_points(draw)


def _guides(draw: Draw) -> list[str] | None:
    m, social = draw.level, draw.respondent.social
    return draw.several(
        {
            "google_maps": 0.45 + 0.5 * m,
            "tripadvisor": 0.9 if "tripadvisor" in social else 0.1 + 0.2 * m,
            "apple_plans": 0.05 + 0.25 * m,
            "openstreetmap": 0.03 + 0.15 * m,
            "guides": 0.35 if draw.category in (Category.HOTEL, Category.RESTAURANT) else 0.1,
        }
    )


def _platforms(draw: Draw) -> list[str] | None:
    level = 0.35 + 0.75 * draw.level
    return draw.several(
        {code: clamp(p * level, 0, 0.97) for code, p in PLATFORMS.get(draw.category, {}).items()}
    )


def _networks(draw: Draw) -> list[str] | None:
    m, present = draw.level, draw.respondent.social
    lively = draw.category in (Category.RESTAURANT, Category.ACTIVITY, Category.CAFE_BAR)
    return draw.several(
        {
            "facebook": 0.93 if "facebook" in present else 0.1 + 0.4 * m,
            "instagram": 0.93 if "instagram" in present else 0.05 + 0.45 * m,
            "tiktok": (0.3 if lively else 0.06) * m,
            "youtube": 0.08 * m,
            "linkedin": 0.06 * m,
            "pinterest": 0.05 * m,
        }
    )


def _review_replies(draw: Draw) -> str | None:
    no_reviews = NO_REVIEWS.get(draw.category, 0.05) * (1.3 - draw.level)
    if "pas_d_avis" in draw.codes and draw.chance(no_reviews):
        return "pas_d_avis"
    return by_points(draw)


def _email_address(draw: Draw) -> str | None:
    email = draw.respondent.email
    if email and not WEBMAIL.search(email):
        return draw.weighted({"domaine": 90, "dediee": 7, "perso": 3})
    return draw.weighted({"dediee": 40, "perso": 60})


def _messaging(draw: Draw) -> list[str] | None:
    m, respondent = draw.level, draw.respondent
    return draw.several(
        {
            "whatsapp": 0.25 + 0.35 * m,
            "messenger": 0.55 if respondent.social & {"facebook", "instagram"} else 0.05,
            "sms": 0.5,
            "chat_site": 0.2 * m if respondent.website else 0.0,
        }
    )


def _time(draw: Draw) -> str | None:
    m = draw.respondent.maturity
    return draw.weighted({"moins_1h": 1.1 - m, "h1_3": 0.6, "plus_3h": 0.1 + 0.4 * m})


def _obstacles(draw: Draw) -> list[str] | None:
    m, answers = draw.respondent.maturity, draw.answers
    slow = answers.get("equip.connexion") in ("satellite", "aucune") or (
        answers.get("equip.qualite_connexion") == "insuffisante"
    )
    return draw.several(
        {
            "temps": 0.65,
            "competences": 0.15 + 0.55 * (1 - m),
            "cout": 0.3,
            "connexion": 0.7 if slow else 0.04,
            "utilite": 0.25 * (1 - m),
            "autre": 0.04,
        },
        at_least=1,
    )


def _themes(draw: Draw) -> list[str] | None:
    """Topics in line with the weak points: the workshop themes of the advice that the
    answers so far trigger (the most urgent weigh most), and what everyone asks for."""
    result = score(draw.definition, draw.answers, category=draw.category)
    weights = dict(POPULAR_THEMES)
    for rule in result.recommendations:
        for theme in rule.themes:
            weights[theme] = weights.get(theme, 0) + 4 / rule.priority
    candidates = [code for code in draw.codes if code in weights]
    if not candidates:
        return by_points(draw)
    wanted = draw.rng.choice((2, 3, 3, 4, 5))
    chosen = pick(draw.rng, candidates, wanted, weights.__getitem__)
    return [code for code in draw.codes if code in chosen]


def _formats(draw: Draw) -> list[str] | None:
    m = draw.respondent.maturity
    return draw.several(
        {
            "atelier": 0.55,
            "rdv_individuel": 0.3 + 0.3 * (1 - m),
            "webinaire": 0.1 + 0.25 * m,
            "tutoriel": 0.2 + 0.3 * m,
        },
        at_least=1,
    )


def _months(draw: Draw) -> list[str] | None:
    flat = draw.answers.get("profil.saison") == "annee"  # open all year: less seasonal
    return draw.several(
        {code: (p + 0.15) / 1.5 if flat else p for code, p in MONTHS.items()}, at_least=1
    )


def _moments(draw: Draw) -> list[str] | None:
    if draw.category in (Category.RESTAURANT, Category.CAFE_BAR):  # between two services
        return draw.several({"apres_midi": 0.75, "matin": 0.4, "soir": 0.03}, at_least=1)
    return draw.several({"matin": 0.5, "midi": 0.12, "apres_midi": 0.55, "soir": 0.2}, at_least=1)


def _comment(draw: Draw) -> str | None:
    return draw.rng.choice(COMMENTS) if draw.chance(0.12) else None


# Question code → how it is answered. Other questions: by_points, and blank for a number
# or a text nobody here knows how to fill.
HANDLERS: dict[str, Callable[[Draw], Any]] = {
    **dict.fromkeys(CHOICES, _by_category),
    "profil.saison": _season,
    "profil.capacite": _capacity,
    "profil.labels": _labels,
    "profil.gestion_numerique": _who,
    "equip.outils": _devices,
    "equip.qualite_connexion": _connection_quality,
    "web.site_dedie": _website,
    "web.https": _https,
    "visi.guides": _guides,
    "resa.otas": _platforms,
    "social.reseaux": _networks,
    "avis.reponse": _review_replies,
    "client.adresse_pro": _email_address,
    "client.messageries": _messaging,
    "besoins.temps_hebdo": _time,
    "besoins.freins": _obstacles,
    "besoins.themes": _themes,
    "besoins.formats": _formats,
    "besoins.mois": _months,
    "besoins.moments": _moments,
    "besoins.commentaire": _comment,
}


def _valid(question: Question, value: Any) -> bool:
    """What the respondent's pages accept (the questionnaire may change under the demo)."""
    if value == DONT_KNOW:
        return question.dont_know
    if question.type == "multiple":
        if not isinstance(value, list) or not value:
            return False
        options = [question.option(code) for code in value]
        return None not in options and (len(value) == 1 or not any(o.exclusive for o in options))
    if question.type == "number":
        low = question.min if question.min is not None else -math.inf
        high = question.max if question.max is not None else math.inf
        return isinstance(value, int | float) and low <= value <= high
    if question.type == "text":
        return isinstance(value, str)
    return isinstance(value, str) and question.option(value) is not None


def answer(draw: Draw) -> Any:
    """One answer, or None to leave the question blank."""
    question = draw.question
    if not question.required and draw.chance(SKIP_RATE):
        return None
    if question.dont_know:
        rate = DONT_KNOW_RATES.get(question.code, DEFAULT_DONT_KNOW)
        if draw.chance(rate * (1.5 - draw.respondent.maturity)):
            return DONT_KNOW
    default = by_points if question.options else (lambda draw: None)
    value = HANDLERS.get(question.code, default)(draw)
    if value is not None and not _valid(question, value):
        value = default(draw)
    return value


def draw_answers(
    definition: Definition, respondent: Respondent, rng: Random, *, pages: int | None = None
) -> tuple[dict[str, Any], str]:
    """The answers of one provider, page by page as the respondent's link shows them, and
    the code of the last page answered. ``pages`` stops after that many pages (a
    diagnostic left in progress). Pure: the same ``rng`` state gives the same answers.

    Conditions only look back, at questions already answered or passed, so checking each
    section and question as the respondent reaches it follows the path of
    :func:`~balise.diagnostics.scoring.visible_sections` and
    :func:`~balise.diagnostics.scoring.applicable_questions` in one walk.
    """
    category = respondent.category
    answers: dict[str, Any] = {}
    last, done = "", 0
    for section in definition.sections:
        if pages is not None and done >= pages:
            break
        if not section.applies(answers, category):
            continue
        shown = False
        for question in section.questions:
            if not question.applies(answers, category):
                continue
            shown = True
            value = answer(Draw(question, respondent, answers, rng, definition))
            if value is not None:
                answers[question.code] = value
        if shown:  # a section none of whose questions apply is no page
            last, done = section.code, done + 1
    # What the respondent's pages keep (the walk above already does: a safety net).
    return answering.prune_answers(definition, answers, category=category), last
