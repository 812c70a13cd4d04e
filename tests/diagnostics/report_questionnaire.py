"""A hand-made questionnaire, its campaigns and the answers giving chosen axis scores,
for the report tests, the study exports and the report bench.

Six scored axes of two yes / partly / no questions each (0, 1 or 2 points), so an axis
scores 0, 25, 50, 75 or 100 and every figure of a report can be worked out by hand.
"""

import datetime as dt

from django.utils import timezone

from balise.diagnostics.models import (
    Campaign,
    CampaignStatus,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)

AXES = {
    "equipement": "Équipement & connexion",
    "web": "Site web",
    "visibilite": "Visibilité & référencement",
    "reservation": "Commercialisation & réservation",
    "reseaux": "Réseaux sociaux & contenus",
    "avis": "E-réputation",
}
POINTS = {"oui": 2, "en_partie": 1, "non": 0}
# Two answers per axis give its score: ("oui", "oui") → 100, ("oui", "en_partie") → 75...
LEVEL_ANSWERS = {
    100: ("oui", "oui"),
    75: ("oui", "en_partie"),
    50: ("en_partie", "en_partie"),
    25: ("en_partie", "non"),
    0: ("non", "non"),
}


def _text(fr: str) -> dict:
    return {"fr": fr, "en": ""}


DEFINITION = {
    "code": "rapport_test",
    "title": _text("Diagnostic numérique de test"),
    "axes": [
        {"code": code, "title": _text(title), "description": _text(f"Tout sur « {title} ».")}
        for code, title in AXES.items()
    ],
    "levels": [
        {
            "number": 1,
            "min_score": 0,
            "name": _text("Débutant"),
            "description": _text("On pose les bases."),
        },
        {
            "number": 2,
            "min_score": 20,
            "name": _text("Initié"),
            "description": _text("Les premiers outils sont là."),
        },
        {
            "number": 3,
            "min_score": 40,
            "name": _text("Intermédiaire"),
            "description": _text("Des pratiques régulières."),
        },
        {
            "number": 4,
            "min_score": 60,
            "name": _text("Avancé"),
            "description": _text("Un numérique maîtrisé."),
        },
        {
            "number": 5,
            "min_score": 80,
            "name": _text("Expert"),
            "description": _text("Une référence du territoire."),
        },
    ],
    "sections": [
        {
            "code": code,
            "title": _text(title),
            "questions": [
                {
                    "code": f"{code}.q{number}",
                    "type": "yes_partly_no",
                    "label": _text(f"{title}, question {number}"),
                    "axis": code,
                    "dont_know": True,
                    "options": [
                        {"code": option, "label": _text(option), "points": points}
                        for option, points in POINTS.items()
                    ],
                }
                for number in (1, 2)
            ],
        }
        for code, title in AXES.items()
    ],
    "recommendations": [
        {
            "code": f"reco.{code}",
            "priority": min(priority, 5),
            "when": {"axis": code, "below": 50},
            "title": _text(f"Renforcer « {title} »"),
            "advice": _text(f"Un conseil concret pour « {title} »."),
            "themes": [f"atelier_{code}"],
        }
        for priority, (code, title) in enumerate(AXES.items(), start=1)
    ],
}


def make_version(definition: dict | None = None) -> QuestionnaireVersion:
    questionnaire, _created = Questionnaire.objects.get_or_create(
        office=None, code="rapport-test", defaults={"title": "Diagnostic de test"}
    )
    number = questionnaire.versions.count() + 1
    return QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=number,
        definition=definition or DEFINITION,
        status=VersionStatus.PUBLISHED,
        published_at=timezone.now(),
    )


def make_campaign(office, version, *, slug="diagnostic-2026", year=2026) -> Campaign:
    return Campaign.objects.create(
        office=office,
        name=f"Diagnostic numérique {year}",
        slug=slug,
        version=version,
        starts_on=dt.date(year, 1, 15),
        ends_on=dt.date(year, 3, 31),
        status=CampaignStatus.OPEN,
    )


def answers_for(scores: dict[str, int | None]) -> dict[str, str]:
    """Answers giving each axis the wanted score (0, 25, 50, 75, 100; None: "nsp")."""
    answers = {}
    for code in AXES:
        wanted = scores.get(code, 50)
        pair = ("nsp", "nsp") if wanted is None else LEVEL_ANSWERS[wanted]
        answers[f"{code}.q1"], answers[f"{code}.q2"] = pair
    return answers
