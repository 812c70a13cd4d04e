"""The questionnaire schema: good documents load, bad ones say in French what is wrong."""

import copy
import json
import pickle

import pytest
import yaml
from django.utils import translation

from balise.diagnostics.definition import (
    DefinitionError,
    Text,
    load_definition,
)
from balise.diagnostics.scoring import score


def text(fr, en=None):
    return {"fr": fr, "en": en or fr}


def option(code, points=0, **extra):
    return {"code": code, "label": text(code), "points": points, **extra}


def document():
    """A small valid questionnaire, to break in many ways."""
    return {
        "code": "essai",
        "title": text("Essai", "Trial"),
        "axes": [
            {"code": "web", "title": text("Site")},
            {"code": "avis", "title": text("Avis"), "weight": 0.5},
        ],
        "levels": [
            {"number": 1, "min_score": 0, "name": text("Débutant"), "description": text("…")},
            {"number": 2, "min_score": 50, "name": text("Avancé"), "description": text("…")},
        ],
        "sections": [
            {
                "code": "profil",
                "title": text("Profil"),
                "questions": [
                    {"code": "profil.salaries", "type": "number", "label": text("Salariés ?")},
                ],
            },
            {
                "code": "site",
                "title": text("Site"),
                "questions": [
                    {
                        "code": "web.site",
                        "type": "single",
                        "axis": "web",
                        "label": text("Site ?"),
                        "options": [option("oui", 2), option("en_cours", 1), option("non")],
                    },
                    {
                        "code": "web.mobile",
                        "type": "yes_partly_no",
                        "axis": "web",
                        "dont_know": True,
                        "when": {"answer": "web.site", "in": ["oui"]},
                        "label": text("Mobile ?"),
                        "options": [option("oui", 2), option("en_partie", 1), option("non")],
                    },
                    {
                        "code": "web.maj",
                        "type": "scale5",
                        "axis": "web",
                        "when": {"answer": "web.site", "in": ["oui"]},
                        "label": text("Mises à jour ?"),
                        "options": [
                            option(f"p{n}", n, description=text(f"palier {n}")) for n in range(5)
                        ],
                    },
                ],
            },
            {
                "code": "avis",
                "title": text("Avis"),
                "when": {"category_group": ["hebergement", "restauration"]},
                "questions": [
                    {
                        "code": "avis.reseaux",
                        "type": "multiple",
                        "axis": "avis",
                        "max_points": 2,
                        "label": text("Plateformes ?"),
                        "options": [
                            option("google", 1),
                            option("tripadvisor", 1),
                            option("booking", 1),
                            option("aucune", exclusive=True),
                        ],
                    },
                    {
                        "code": "avis.reponse",
                        "type": "single",
                        "axis": "avis",
                        "label": text("Réponse ?"),
                        "options": [
                            option("toutes", 3),
                            option("jamais"),
                            option("pas_d_avis", not_applicable=True),
                        ],
                    },
                ],
            },
        ],
        "recommendations": [
            {
                "code": "repondre",
                "priority": 1,
                "when": {
                    "all": [
                        {"answer": "avis.reponse", "in": ["jamais"]},
                        {"axis": "avis", "below": 50},
                    ]
                },
                "title": text("Répondez"),
                "advice": text("Répondez aux avis."),
                "themes": ["avis"],
            }
        ],
    }


def errors_of(data) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(data)
    assert str(caught.value) == "; ".join(caught.value.errors)
    return caught.value.errors


def test_a_good_document_loads_from_a_dict_yaml_or_json():
    data = document()
    definition = load_definition(data)
    assert [section.code for section in definition.sections] == ["profil", "site", "avis"]
    assert [question.code for question in definition.questions] == [
        "profil.salaries",
        "web.site",
        "web.mobile",
        "web.maj",
        "avis.reseaux",
        "avis.reponse",
    ]
    assert definition.question("web.mobile").dont_know
    assert definition.question("nope") is None
    assert definition.axis("avis").weight == 0.5
    assert definition.axis("nope") is None
    assert load_definition(yaml.safe_dump(data, allow_unicode=True)) == definition
    assert load_definition(json.dumps(data)) == definition
    assert data == document()  # the input is not modified


def test_lookups_and_derived_values():
    definition = load_definition(document())
    reseaux = definition.question("avis.reseaux")
    assert reseaux.max_score == 2  # 3 points of options, capped at 2
    assert definition.question("avis.reponse").max_score == 3
    assert definition.question("avis.reponse").option_points["pas_d_avis"] is None
    assert definition.question("web.maj").max_score == 4
    assert reseaux.option("google").points == 1
    assert reseaux.option("nope") is None
    assert reseaux.option(["unhashable"]) is None
    assert definition.question("web.site").scored
    assert not definition.question("profil.salaries").scored
    assert definition.condition_questions == {"web.site"}
    assert definition.level_for(0).number == 1
    assert definition.level_for(49.9).number == 1
    assert definition.level_for(50).number == 2
    assert definition.level_for(100).number == 2


def test_text_falls_back_to_french():
    assert Text(fr="Bonjour", en="Hello").get("en") == "Hello"
    assert Text(fr="Bonjour", en="Hello").get("en-gb") == "Hello"
    assert Text(fr="Bonjour").get("en") == "Bonjour"
    assert Text(fr="Bonjour", en="Hello").get("de") == "Bonjour"
    assert Text(fr="Bonjour", en="Hello").get("fr") == "Bonjour"
    with translation.override("en"):
        assert str(Text(fr="Bonjour", en="Hello")) == "Hello"
    with translation.override("fr"):
        assert str(Text(fr="Bonjour", en="Hello")) == "Bonjour"


def test_a_definition_pickles_after_use():
    definition = load_definition(document())
    score(definition, {"web.site": "oui"}, category="hotel")  # fills the caches
    copy_ = pickle.loads(pickle.dumps(definition))
    assert copy_ == definition
    assert score(copy_, {"web.site": "oui"}, category="hotel") == score(
        definition, {"web.site": "oui"}, category="hotel"
    )


def test_a_modified_copy_does_not_keep_the_original_lookups():
    definition = load_definition(document())
    assert len(definition.questions) == 6
    score(definition, {"web.site": "oui"}, category="hotel")  # fills the caches
    shorter = definition.model_copy(update={"sections": definition.sections[:2]})
    assert len(shorter.questions) == 4
    assert shorter.question("avis.reponse") is None
    assert score(shorter, {"web.site": "oui"}, category="hotel").axes["avis"].applicable == 0


def mutate(change):
    data = document()
    change(data)
    return data


def question(data, section, index):
    return data["sections"][section]["questions"][index]


BAD_DOCUMENTS = [
    pytest.param(
        lambda d: question(d, 1, 0).update(axis="reseaux"),
        "question web.site : axe inconnu « reseaux »",
        id="unknown-axis",
    ),
    pytest.param(
        lambda d: question(d, 2, 1).update(code="web.site"),
        "code de question en double : web.site",
        id="duplicate-question",
    ),
    pytest.param(
        lambda d: d["sections"][2].update(code="site"),
        "code de rubrique en double : site",
        id="duplicate-section",
    ),
    pytest.param(
        lambda d: d["axes"][1].update(code="web"),
        "code d'axe en double : web",
        id="duplicate-axis",
    ),
    pytest.param(
        lambda d: d["recommendations"].append(copy.deepcopy(d["recommendations"][0])),
        "code de recommandation en double : repondre",
        id="duplicate-rule",
    ),
    pytest.param(
        lambda d: question(d, 1, 2)["options"].pop(),
        "rubrique « site » › question « web.maj » : une échelle compte 5 paliers (ici 4)",
        id="scale-without-5-steps",
    ),
    pytest.param(
        lambda d: question(d, 1, 0)["options"].append(option("oui")),
        "rubrique « site » › question « web.site » : codes d'options en double",
        id="duplicate-option",
    ),
    pytest.param(
        lambda d: question(d, 1, 0)["options"].append(option("nsp")),
        "le code d'option « nsp » est réservé",
        id="reserved-nsp",
    ),
    pytest.param(
        lambda d: question(d, 1, 1)["options"][1].update(code="un_peu"),
        "les options d'une question oui / en partie / non sont oui, en_partie, non",
        id="yes-partly-no-codes",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(options=[]),
        "des options sont nécessaires pour le type single",
        id="choice-without-options",
    ),
    pytest.param(
        lambda d: question(d, 0, 0).update(options=[option("a")]),
        "pas d'options pour le type number",
        id="number-with-options",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(max_points=2),
        "max_points ne s'emploie que pour un choix multiple",
        id="max-points-on-single",
    ),
    pytest.param(
        lambda d: question(d, 1, 0)["options"][2].update(exclusive=True),
        "une option exclusive ne s'emploie que dans un choix multiple",
        id="exclusive-on-single",
    ),
    pytest.param(
        lambda d: question(d, 2, 0)["options"][3].update(not_applicable=True),
        "une option « sans objet » ne s'emploie pas dans un choix multiple",
        id="not-applicable-in-multiple",
    ),
    pytest.param(
        lambda d: question(d, 0, 0).update(min=10, max=1),
        "min doit être inférieur à max",
        id="min-over-max",
    ),
    pytest.param(
        lambda d: question(d, 1, 1).update(when={"answer": "web.nope", "in": ["oui"]}),
        "question web.mobile : question inconnue : web.nope",
        id="condition-on-unknown-question",
    ),
    pytest.param(
        lambda d: question(d, 1, 1).update(when={"answer": "web.site", "in": ["peut_etre"]}),
        "question web.mobile : condition sur web.site : options inconnues ['peut_etre']",
        id="condition-on-unknown-option",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(when={"answer": "web.mobile", "in": ["oui"]}),
        "question web.site : la condition porte sur web.mobile, qui vient après",
        id="condition-looks-forward",
    ),
    pytest.param(
        lambda d: question(d, 1, 1).update(when={"answered": "web.mobile"}),
        "question web.mobile : la condition porte sur web.mobile, qui vient après",
        id="condition-on-itself",
    ),
    pytest.param(
        lambda d: d["sections"][1].update(when={"answer": "web.site", "in": ["oui"]}),
        "rubrique site : la condition porte sur web.site, qui n'est pas dans une rubrique "
        "précédente",
        id="section-condition-on-its-own-question",
    ),
    pytest.param(
        lambda d: question(d, 1, 1).update(when={"axis": "web", "below": 50}),
        "question web.mobile : une condition sur un axe ne s'emploie que dans une recommandation",
        id="axis-condition-outside-a-rule",
    ),
    pytest.param(
        lambda d: d["recommendations"][0].update(when={"axis": "social", "below": 50}),
        "recommandation repondre : axe inconnu : social",
        id="rule-on-unknown-axis",
    ),
    pytest.param(
        lambda d: d["recommendations"][0].update(when={"category": ["chateau"]}),
        "recommandation repondre : « category » attend une liste parmi",
        id="unknown-category",
    ),
    pytest.param(
        lambda d: d["recommendations"][0].update(when={"ou": []}),
        "recommandation repondre : opérateur inconnu : ['ou']",
        id="unknown-operator",
    ),
    pytest.param(
        lambda d: d["levels"][0].update(min_score=10),
        "niveaux : le premier niveau doit commencer à 0",
        id="levels-not-starting-at-0",
    ),
    pytest.param(
        lambda d: d["levels"][1].update(min_score=0),
        "niveaux : les seuils des niveaux doivent être croissants et distincts",
        id="levels-not-increasing",
    ),
    pytest.param(
        lambda d: d["levels"][1].update(number=3),
        "niveaux : les niveaux sont numérotés 1, 2, 3… dans l'ordre",
        id="levels-not-numbered",
    ),
    pytest.param(
        lambda d: d.pop("axes"),
        "axes : champ obligatoire manquant",
        id="missing-axes",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(colour="bleu"),
        "rubrique « site » › question « web.site » › colour : champ inconnu",
        id="unknown-field",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(type="choix"),
        "rubrique « site » › question « web.site » › type : valeur inconnue, attendue parmi",
        id="unknown-type",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(code="Web Site"),
        "rubrique « site » › question « Web Site » › code : code invalide",
        id="bad-code",
    ),
    pytest.param(
        lambda d: question(d, 1, 0)["label"].update(fr=""),
        "rubrique « site » › question « web.site » › label › fr : ne doit pas être vide",
        id="empty-french-text",
    ),
    pytest.param(
        lambda d: question(d, 1, 0).update(weight=0),
        "rubrique « site » › question « web.site » › weight : doit être supérieur à 0",
        id="zero-weight",
    ),
    pytest.param(
        lambda d: question(d, 1, 0)["options"][0].update(points="beaucoup"),
        "rubrique « site » › question « web.site » › option « oui » › points : nombre attendu",
        id="points-not-a-number",
    ),
    pytest.param(
        lambda d: d["sections"][2].update(questions=[]),
        "rubrique « avis » › questions : au moins 1 élément(s) attendu(s)",
        id="empty-section",
    ),
    pytest.param(
        lambda d: d["recommendations"][0].update(priority=9),
        "recommandation « repondre » › priority : doit être inférieur ou égal à 5",
        id="priority-out-of-range",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BAD_DOCUMENTS)
def test_bad_documents_are_refused_with_a_french_message(change, expected):
    errors = errors_of(mutate(change))
    assert any(expected in error for error in errors), errors


def test_all_reference_errors_are_reported_at_once():
    def change(d):
        question(d, 1, 0).update(axis="reseaux")
        question(d, 1, 1).update(when={"answer": "web.nope", "in": ["oui"]})
        d["recommendations"][0].update(when={"axis": "social", "below": 50})

    errors = errors_of(mutate(change))
    assert len(errors) == 3


def test_unreadable_or_non_object_documents():
    assert errors_of("code: [essai")[0].startswith("fichier illisible")
    assert errors_of("- une liste")[0].startswith("le document doit être un objet")
    assert errors_of(["pas", "un", "objet"])[0].startswith("le document doit être un objet")
