"""Diagnostic factories and a small questionnaire for the campaign, link and answer tests.

The small definition has what the flow needs and nothing more: an unscored profile page
(number, text), a scored page with "je ne sais pas" and an exclusive option, a website page
whose follow-up questions apply only when the provider has a website, and a booking page
shown to accommodation only.
"""

import copy
import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from balise.diagnostics.answering import complete
from balise.diagnostics.models import (
    Answer,
    AxisScore,
    Campaign,
    CampaignStatus,
    FiredRecommendation,
    Invitation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    VersionStatus,
)

from ..factories import OfficeFactory, ProviderFactory


def fr(text: str) -> dict:
    return {"fr": text}


def options(*pairs) -> list[dict]:
    return [
        {"code": code, "label": fr(code.capitalize()), "points": points} for code, points in pairs
    ]


SMALL_DEFINITION = {
    "code": "diagnostic_test",
    "title": fr("Diagnostic de test"),
    "axes": [
        {"code": "equipement", "title": fr("Équipement")},
        {"code": "web", "title": fr("Site web"), "weight": 2},
        {"code": "reservation", "title": fr("Réservation")},
    ],
    "levels": [
        {"number": 1, "min_score": 0, "name": fr("Débutant"), "description": fr("Tout à faire.")},
        {"number": 2, "min_score": 40, "name": fr("Initié"), "description": fr("Des bases.")},
        {"number": 3, "min_score": 75, "name": fr("Avancé"), "description": fr("Très bien.")},
    ],
    "sections": [
        {
            "code": "profil",
            "title": fr("Votre activité"),
            "intro": fr("Quelques mots sur votre structure."),
            "questions": [
                {
                    "code": "profil.salaries",
                    "type": "number",
                    "label": fr("Combien de salariés travaillent avec vous ?"),
                    "min": 0,
                    "max": 500,
                    "dont_know": True,
                    "unit": fr("personnes"),
                },
                {
                    "code": "profil.remarque",
                    "type": "text",
                    "label": fr("Une remarque sur votre activité ?"),
                    "help": fr("Facultatif."),
                },
            ],
        },
        {
            "code": "equipement",
            "title": fr("Équipement"),
            "questions": [
                {
                    "code": "equipement.wifi",
                    "type": "yes_partly_no",
                    "axis": "equipement",
                    "label": fr("Proposez-vous un accès wifi gratuit à vos clients ?"),
                    "options": options(("oui", 2), ("en_partie", 1), ("non", 0)),
                    "dont_know": True,
                },
                {
                    "code": "equipement.outils",
                    "type": "multiple",
                    "axis": "equipement",
                    "label": fr("Quels outils utilisez-vous ?"),
                    "options": [
                        *options(("ordinateur", 1), ("smartphone", 1), ("tablette", 1)),
                        {"code": "aucun", "label": fr("Aucun"), "points": 0, "exclusive": True},
                    ],
                    "max_points": 2,
                },
            ],
        },
        {
            "code": "web",
            "title": fr("Site web"),
            "questions": [
                {
                    "code": "web.site",
                    "type": "single",
                    "axis": "web",
                    "label": fr("Avez-vous un site internet dédié à votre activité ?"),
                    "options": options(("oui", 3), ("non", 0)),
                    "required": True,
                },
                {
                    "code": "web.mobile",
                    "type": "scale5",
                    "axis": "web",
                    "label": fr("Votre site s'affiche-t-il bien sur un téléphone ?"),
                    "options": [
                        {
                            "code": f"palier_{n}",
                            "label": fr(f"Palier {n}"),
                            "points": n - 1,
                            "description": fr(f"Description du palier {n}"),
                        }
                        for n in range(1, 6)
                    ],
                    "dont_know": True,
                    "when": {"answer": "web.site", "in": ["oui"]},
                },
                {
                    "code": "web.mentions",
                    "type": "yes_partly_no",
                    "axis": "web",
                    "label": fr("Votre site affiche-t-il des mentions légales ?"),
                    "options": options(("oui", 2), ("en_partie", 1), ("non", 0)),
                    "when": {"answer": "web.site", "in": ["oui"]},
                },
            ],
        },
        {
            "code": "reservation",
            "title": fr("Réservation"),
            "when": {"category_group": ["hebergement"]},
            "questions": [
                {
                    "code": "reservation.en_ligne",
                    "type": "yes_partly_no",
                    "axis": "reservation",
                    "label": fr("Proposez-vous la réservation en ligne ?"),
                    "options": options(("oui", 2), ("en_partie", 1), ("non", 0)),
                }
            ],
        },
    ],
    "recommendations": [
        {
            "code": "creer_site",
            "priority": 1,
            "when": {"answer": "web.site", "in": ["non"]},
            "title": fr("Créer votre site"),
            "advice": fr("Un site simple suffit pour commencer."),
            "themes": ["creer_son_site"],
        },
        {
            "code": "wifi",
            "priority": 2,
            "when": {"axis": "equipement", "below": 60},
            "title": fr("Équiper votre accueil"),
            "advice": fr("Un wifi client distinct."),
            "themes": ["wifi_client"],
        },
    ],
}


def small_definition(**changes) -> dict:
    data = copy.deepcopy(SMALL_DEFINITION)
    data.update(changes)
    return data


class QuestionnaireFactory(DjangoModelFactory):
    class Meta:
        model = Questionnaire
        django_get_or_create = ("office", "code")

    office = None
    code = "diagnostic-test"
    title = "Diagnostic de test"


class VersionFactory(DjangoModelFactory):
    class Meta:
        model = QuestionnaireVersion

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyFunction(small_definition)
    status = VersionStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Diagnostic {2026 + n}")
    slug = factory.Sequence(lambda n: f"diagnostic-{n}")
    version = factory.SubFactory(VersionFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    status = CampaignStatus.OPEN


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    campaign = factory.SubFactory(CampaignFactory)
    office = factory.SelfAttribute("campaign.office")
    provider = factory.SubFactory(ProviderFactory, office=factory.SelfAttribute("..office"))


class ResponseFactory(DjangoModelFactory):
    class Meta:
        model = Response

    campaign = factory.SubFactory(CampaignFactory)
    office = factory.SelfAttribute("campaign.office")
    version = factory.SelfAttribute("campaign.version")
    provider = factory.SubFactory(ProviderFactory, office=factory.SelfAttribute("..office"))


def completed_response(
    campaign, provider, answers=None, *, scores=None, overall=50.0, fired=(), **fields
) -> Response:
    """A completed diagnostic of ``provider`` in ``campaign``: the one way tests make one.

    Without ``scores``, the diagnostic scores ``answers`` itself (``answering.complete``
    writes the overall score, the level and the Answer, AxisScore and FiredRecommendation
    rows), as when a provider finishes. With ``scores`` (axis → score, None for "non
    évalué"), the rows are written as given, for tests of what reads them (the study, the
    workshops) that must not hang on a questionnaire's points: ``overall`` and its level
    in the campaign's questionnaire (None: neither), one AxisScore per axis, ``fired``
    recommendations as (code, themes), one Answer row per chosen option of ``answers``.
    ``fields`` go to the Response (``completed_at``…).
    """
    response = ResponseFactory(
        campaign=campaign, provider=provider, answers=dict(answers or {}), **fields
    )
    if scores is None:
        return complete(response=response)
    response.overall_score = overall
    if overall is not None:
        response.level = campaign.version.parsed.level_for(overall).number
    response.completed_at = response.completed_at or timezone.now()
    response.save(update_fields=["overall_score", "level", "completed_at"])
    AxisScore.objects.bulk_create(
        AxisScore(response=response, axis=axis, score=score, counted=3)
        for axis, score in scores.items()
    )
    FiredRecommendation.objects.bulk_create(
        FiredRecommendation(response=response, code=code, priority=rank, themes=themes)
        for rank, (code, themes) in enumerate(fired, start=1)
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=question, option=option)
        for question, value in (answers or {}).items()
        for option in (value if isinstance(value, list) else [value])
    )
    return response
