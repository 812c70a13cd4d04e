"""The questionnaire shipped with Balise: complete, bilingual, branching sensibly, and with
the stable codes the study, the audit comparison and the workshops rely on."""

import random
from functools import cache

import pytest
import yaml

from balise.diagnostics.conditions import DONT_KNOW
from balise.diagnostics.definition import (
    DEFAULT_PATH,
    YES_PARTLY_NO,
    load_default,
    load_definition,
)
from balise.diagnostics.scoring import applicable_questions, score, visible_sections
from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup

# Workshop theme codes (domain brief, "Workshop themes usually run by ANTs").
THEMES = {
    "google_business",
    "avis",
    "photo_smartphone",
    "video_smartphone",
    "reseaux_debuter",
    "reseaux_avance",
    "creer_site",
    "site_mobile_seo",
    "resa_paiement",
    "otas_channel",
    "newsletter",
    "rgpd_mentions",
    "cybersecurite",
    "canva",
    "ia_generative",
    "statistiques",
    "wifi_obligations",
    "fiche_ot_sit",
    "numerique_responsable",
}

SCORED_AXES = [
    "equipement",
    "site_web",
    "visibilite",
    "commercialisation",
    "reseaux_sociaux",
    "e_reputation",
    "relation_client",
    "donnees_securite",
    "usages_emergents",
]

# Codes read by other parts of Balise, with their type and, where fixed, their options.
REQUIRED = {
    "profil.taille": ("single", None),
    "profil.saison": ("single", None),
    "profil.clientele_etrangere": ("single", None),
    "profil.gestion_numerique": ("single", {"moi_meme", "salarie", "agence", "personne"}),
    "equip.wifi_client": ("yes_partly_no", None),
    "equip.wifi_distinct": (None, None),
    "equip.connexion": ("single", None),
    "equip.paiement_carte": (None, None),
    "web.site_dedie": ("single", {"oui", "en_cours", "non"}),
    "web.mobile": ("yes_partly_no", None),
    "web.https": (None, None),
    "web.mises_a_jour": ("scale5", None),
    "web.mentions_legales": (None, None),
    "web.langues": (None, None),
    "web.statistiques": (None, None),
    "visi.google_business": (None, None),
    "visi.fiche_ot": (None, None),
    "visi.coherence_nap": (None, None),
    "resa.module_en_ligne": (None, None),
    "resa.paiement_en_ligne": (None, None),
    "resa.otas": (
        "multiple",
        {"booking", "airbnb", "abritel", "thefork", "getyourguide", "autre", "aucune"},
    ),
    "resa.channel_manager": (None, None),
    "social.reseaux": (
        "multiple",
        {"facebook", "instagram", "tiktok", "linkedin", "youtube", "pinterest", "aucun"},
    ),
    "social.frequence": (None, None),
    "social.photos_videos": (None, None),
    "avis.suivi": (None, None),
    "avis.reponse": ("single", {"toutes", "negatives", "jamais", "pas_d_avis"}),
    "avis.sollicitation": (None, None),
    "client.email_quotidien": (None, None),
    "client.adresse_pro": (None, None),
    "client.newsletter": (None, None),
    "client.fichier_clients": (None, None),
    "secu.sauvegardes": (None, None),
    "secu.mots_de_passe_2fa": (None, None),
    "secu.rgpd": (None, None),
    "emergent.ia_generative": (None, None),
    "emergent.numerique_responsable": (None, None),
    "besoins.aisance": ("scale5", None),
    "besoins.temps_hebdo": (None, None),
    "besoins.freins": (
        "multiple",
        {"temps", "competences", "cout", "connexion", "utilite", "autre"},
    ),
    "besoins.themes": ("multiple", THEMES),
    "besoins.formats": ("multiple", {"atelier", "rdv_individuel", "webinaire", "tutoriel"}),
    "besoins.mois": ("multiple", {f"m{month:02d}" for month in range(1, 13)}),
    "besoins.moments": ("multiple", {"matin", "midi", "apres_midi", "soir"}),
}

BOOKING = {"resa.module_en_ligne", "resa.paiement_en_ligne", "resa.otas", "resa.channel_manager"}


@cache
def definition():
    return load_definition(load_default())


def group_of(category):
    return CATEGORY_GROUP[Category(category)]


def path(category, choose, seed=0):
    """Answers given along the respondent's path: ``choose(question, rnd)`` picks each."""
    rnd = random.Random(seed)
    answers = {}
    for question in definition().questions:
        applicable = applicable_questions(definition(), answers, category=category)
        if question.code not in {q.code for q in applicable}:
            continue
        value = choose(question, rnd)
        if value is not None:
            answers[question.code] = value
    return answers


def best(question, rnd):
    if not question.options:
        return None
    if question.type == "multiple":
        return [o.code for o in question.options if not o.exclusive]
    return max(question.options, key=lambda o: (not o.not_applicable, o.points)).code


def worst(question, rnd):
    if not question.options:
        return None
    counted = [o for o in question.options if not o.not_applicable]
    if question.type == "multiple":
        exclusive = [o.code for o in counted if o.exclusive]
        return exclusive[:1] or [min(counted, key=lambda o: o.points).code]
    return min(counted, key=lambda o: o.points).code


def anything(question, rnd):
    if not question.options:
        return rnd.choice([None, 3]) if question.type == "number" else None
    if question.dont_know and rnd.random() < 0.1:
        return DONT_KNOW
    if question.type == "multiple":
        exclusive = [o.code for o in question.options if o.exclusive]
        if exclusive and rnd.random() < 0.2:
            return exclusive
        plain = [o.code for o in question.options if not o.exclusive]
        return rnd.sample(plain, rnd.randint(1, len(plain)))
    return rnd.choice(question.options).code


# --- The document ------------------------------------------------------------------------


def test_the_file_is_where_the_code_expects_it_and_loads():
    assert DEFAULT_PATH.name == "default.yaml"
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert load_default() == raw
    assert definition().title.fr == "Diagnostic numérique des prestataires touristiques"


def test_between_50_and_75_questions_with_profile_first_and_needs_last():
    # 50 to 70 was the first target; accessibility and "why no website" took it to 71,
    # and branching keeps what one respondent sees well under that.
    sections = definition().sections
    assert 50 <= len(definition().questions) <= 75
    assert sections[0].code == "profil"
    assert sections[-1].code == "besoins"
    for section in (sections[0], sections[-1]):
        assert all(question.axis is None for question in section.questions)
    prefixes = {"profil": "profil.", "besoins": "besoins."}
    for section in sections:
        for question in section.questions:
            assert question.code.startswith(prefixes.get(section.code, "")), question.code


def test_every_text_has_french_and_english():
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            if "fr" in node:
                if set(node) != {"fr", "en"} or not all(
                    isinstance(node[key], str) and node[key].strip() for key in ("fr", "en")
                ):
                    missing.append(where)
                return
            for key, value in node.items():
                walk(value, f"{where}.{node.get('code', key)}" if key != "code" else where)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}[{index}]")

    walk(load_default(), "document")
    assert missing == []


def test_axes_levels_and_weights():
    axes = definition().axes
    assert [axis.code for axis in axes] == SCORED_AXES
    weights = {axis.code: axis.weight for axis in axes}
    assert all(
        weights["usages_emergents"] < w for c, w in weights.items() if c != "usages_emergents"
    )
    levels = definition().levels
    assert [(level.number, level.min_score, level.name.fr) for level in levels] == [
        (1, 0, "Débutant"),
        (2, 20, "Initié"),
        (3, 40, "Intermédiaire"),
        (4, 60, "Avancé"),
        (5, 80, "Expert"),
    ]
    assert all(level.description.fr and level.description.en for level in levels)


@pytest.mark.parametrize("axis", SCORED_AXES)
def test_every_axis_has_scored_questions(axis):
    questions = [q for q in definition().questions if q.axis == axis and q.max_score > 0]
    assert len(questions) >= 2


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_codes_used_elsewhere_exist(code):
    question = definition().question(code)
    assert question is not None, code
    kind, options = REQUIRED[code]
    if kind is not None:
        assert question.type == kind
    if options is not None:
        assert {option.code for option in question.options} == options


def test_answer_conventions():
    for question in definition().questions:
        if question.type == "yes_partly_no":
            points = {o.code: o.points for o in question.options}
            assert set(points) == set(YES_PARTLY_NO)
            if question.scored:
                assert points["oui"] > points["en_partie"] > points["non"], question.code
        if question.type == "scale5":
            assert all(o.description and o.description.en for o in question.options)
            points = [o.points for o in question.options]
            assert points == sorted(points) and len(set(points)) == 5, question.code
        if question.scored:
            # "planned" / "in progress" is worth part of "done"
            best_points = question.max_score
            for o in question.options:
                if o.code == "en_cours":
                    assert 0 < o.points < best_points, question.code
        exclusive = [o for o in question.options if o.exclusive]
        assert len(exclusive) <= 1
    for code in ("web.mobile", "web.https", "web.statistiques", "secu.mots_de_passe_2fa"):
        assert definition().question(code).dont_know, code
    assert definition().question("resa.otas").option("aucune").exclusive
    assert definition().question("social.reseaux").option("aucun").exclusive
    assert definition().question("avis.reponse").option("pas_d_avis").not_applicable
    assert definition().question("web.site_dedie").option("en_cours").points > 0


# --- Branching ---------------------------------------------------------------------------


@pytest.mark.parametrize("category", Category.values)
def test_each_category_sees_a_sensible_number_of_questions(category):
    most = applicable_questions(definition(), path(category, best), category=category)
    least = applicable_questions(definition(), path(category, worst), category=category)
    assert 40 <= len(least) <= len(most) <= 68
    assert len(most) - len(least) >= 10  # no website, no network... skip their follow-ups
    sections = visible_sections(definition(), path(category, worst), category=category)
    assert [s.code for s in sections] == [s.code for s in definition().sections]


@pytest.mark.parametrize("category", Category.values)
@pytest.mark.parametrize("choose", [best, worst, anything])
def test_booking_questions_only_for_accommodation_food_and_leisure(category, choose):
    answers = path(category, choose)
    # Even answers left over from elsewhere do not open them.
    answers.update({"web.site_dedie": "oui", "resa.otas": ["booking"]})
    codes = {q.code for q in applicable_questions(definition(), answers, category=category)}
    group = group_of(category)
    if group in (CategoryGroup.ACCOMMODATION, CategoryGroup.FOOD, CategoryGroup.LEISURE):
        assert {"resa.module_en_ligne", "resa.paiement_en_ligne", "resa.otas"} <= codes
    else:
        assert not codes & BOOKING
    assert ("resa.channel_manager" in codes) == (group == CategoryGroup.ACCOMMODATION)
    assert ("resa.vente_en_ligne" in codes) == (group == CategoryGroup.TRADE)
    assert ("resa.inscription_en_ligne" in codes) == (group == CategoryGroup.OTHER)


def test_an_association_never_sees_booking_questions():
    answers = path("association", best)
    answers.update({"resa.module_en_ligne": "oui", "resa.otas": ["booking"]})
    codes = {q.code for q in applicable_questions(definition(), answers, category="association")}
    assert not codes & BOOKING
    assert "resa.inscription_en_ligne" in codes


def test_a_hotel_sees_the_channel_manager_question_unless_it_sells_on_no_platform():
    def codes(**answers):
        return {
            q.code
            for q in applicable_questions(
                definition(), {"web.site_dedie": "oui", **answers}, category="hotel"
            )
        }

    assert "resa.channel_manager" in codes(**{"resa.otas": ["booking", "airbnb"]})
    assert "resa.channel_manager" not in codes(**{"resa.otas": ["aucune"]})
    assert "resa.part_otas" in codes(**{"resa.otas": ["booking"]})
    assert "resa.part_otas" not in codes(**{"resa.otas": ["aucune"]})
    restaurant = applicable_questions(
        definition(), {"resa.otas": ["thefork"]}, category="restaurant"
    )
    assert "resa.channel_manager" not in {q.code for q in restaurant}


def test_no_website_skips_the_website_questions():
    def web_codes(site):
        return {
            q.code
            for q in applicable_questions(definition(), {"web.site_dedie": site}, category="meuble")
            if q.code.startswith("web.")
        } | {
            q.code
            for q in applicable_questions(
                definition(), {"web.site_dedie": site}, category="chambre_hotes"
            )
            if q.code.startswith("resa.module")
        }

    assert web_codes("non") == {"web.site_dedie", "web.sans_site_raisons"}
    assert web_codes("en_cours") == {"web.site_dedie", "web.gestion"}
    assert len(web_codes("oui")) == 11  # ten web questions and the booking module
    assert web_codes(DONT_KNOW) == {"web.site_dedie"}


def test_no_social_network_skips_the_frequency():
    def codes(networks):
        answers = {"social.reseaux": networks}
        return {q.code for q in applicable_questions(definition(), answers, category="restaurant")}

    assert "social.frequence" not in codes(["aucun"])
    assert "social.frequence" in codes(["instagram"])
    assert "social.photos_videos" in codes(["aucun"])


def test_wifi_questions():
    def codes(category, **answers):
        found = applicable_questions(definition(), answers, category=category)
        return {q.code for q in found if q.code.startswith("equip.wifi")}

    assert codes("association") == set()
    assert codes("camping") == {"equip.wifi_client"}
    assert codes("camping", **{"equip.wifi_client": "non"}) == {"equip.wifi_client"}
    assert codes("camping", **{"equip.wifi_client": "oui"}) == {
        "equip.wifi_client",
        "equip.wifi_distinct",
    }


# --- Recommendations ---------------------------------------------------------------------


def test_recommendation_rules():
    rules = definition().recommendations
    assert 20 <= len(rules) <= 60  # every scored gap has advice
    for rule in rules:
        assert 1 <= rule.priority <= 5
        assert set(rule.themes) <= THEMES, rule.code
        for value in (rule.title, rule.advice):
            assert value.fr and value.en
    assert {theme for rule in rules for theme in rule.themes} <= THEMES
    used = {theme for rule in rules for theme in rule.themes}
    assert len(used) >= 15  # the advice leads to most of the workshop programme


@pytest.mark.parametrize(
    ("code", "category", "answers"),
    [
        (
            "vend_en_ligne_sans_lire_avis",
            "meuble",
            {"resa.otas": ["airbnb"], "avis.suivi": "jamais"},
        ),
        (
            "vend_en_ligne_sans_lire_avis",
            "hotel",
            {"web.site_dedie": "oui", "resa.module_en_ligne": "oui", "avis.suivi": "jamais"},
        ),
        ("pas_de_fiche_google", "restaurant", {"visi.google_business": "aucune"}),
        ("site_pas_mobile", "activite", {"web.site_dedie": "oui", "web.mobile": "non"}),
        (
            "wifi_client_non_separe",
            "hotel",
            {"equip.wifi_client": "oui", "equip.wifi_distinct": "non"},
        ),
        ("pas_de_sauvegarde", "commerce", {"secu.sauvegardes": "non"}),
        ("ne_repond_pas_aux_avis", "camping", {"avis.reponse": "jamais"}),
        ("pas_de_site", "association", {"web.site_dedie": "non"}),
        (
            "plateformes_sans_channel_manager",
            "hotel",
            {"resa.otas": ["booking"], "resa.channel_manager": "non"},
        ),
    ],
)
def test_gap_rules_fire(code, category, answers):
    fired = [rule.code for rule in score(definition(), answers, category=category).recommendations]
    assert code in fired


def test_gap_rules_do_not_fire_on_questions_that_do_not_apply():
    # A shop is not asked about platforms: a stale answer does not make it "sell online".
    answers = {"resa.otas": ["booking"], "avis.suivi": "jamais", "equip.wifi_client": "oui"}
    fired = {r.code for r in score(definition(), answers, category="association").recommendations}
    assert "vend_en_ligne_sans_lire_avis" not in fired
    answers["equip.wifi_distinct"] = "non"
    fired = {r.code for r in score(definition(), answers, category="association").recommendations}
    assert "wifi_client_non_separe" not in fired


def test_every_rule_can_fire():
    fired = set()
    for seed in range(400):
        category = Category.values[seed % len(Category.values)]
        answers = path(category, anything, seed=seed)
        fired |= {r.code for r in score(definition(), answers, category=category).recommendations}
    assert fired == {rule.code for rule in definition().recommendations}


@pytest.mark.parametrize("category", Category.values)
def test_best_and_worst_answers(category):
    top = score(definition(), path(category, best), category=category)
    assert set(top.axis_scores().values()) == {100.0}
    assert top.overall == 100.0
    assert top.level.name.fr == "Expert"
    assert all(rule.priority >= 4 for rule in top.recommendations)

    bottom = score(definition(), path(category, worst), category=category)
    assert set(bottom.axis_scores().values()) == {0.0}
    assert bottom.level.name.fr == "Débutant"
    fired = [rule.code for rule in bottom.recommendations]
    assert len(fired) >= 8
    assert {"pas_de_fiche_google", "ne_repond_pas_aux_avis", "pas_de_sauvegarde"} <= set(fired)
    priorities = [rule.priority for rule in bottom.recommendations]
    assert priorities == sorted(priorities)


def test_every_scored_question_answered_at_its_worst_gets_advice_with_a_workshop_theme():
    from balise.diagnostics.conditions import referenced_questions

    rules_by_question = {}
    for rule in definition().recommendations:
        for code in referenced_questions(rule.when):
            rules_by_question.setdefault(code, []).append(rule)
    for question in definition().questions:
        if not question.scored:
            continue
        rules = rules_by_question.get(question.code, [])
        worst = definition().worst_answers[question.code]
        firing = [rule for rule in rules if rule.fires({question.code: worst}, "hotel")]
        assert rules, f"{question.code} has no advice"
        assert all(rule.themes for rule in rules), question.code
        # Rules that combine several answers may need more than this one; at least one
        # rule about the question fires on its worst answer alone, or it is combined.
        assert firing or all("all" in rule.when for rule in rules), question.code
