"""Build the territory study of a campaign: the tables, the key findings and the method.

:func:`build_study` gathers the figures (:func:`balise.insights.data.gather`: a constant
number of GROUP BY queries, whatever the number of providers), writes each section from
them (:mod:`.participation`, :mod:`.maturity`, :mod:`.answers`, :mod:`.evolution`: every
group under :data:`MIN_GROUP` completed responses masked), then the findings and the
method, and caches the result. The cache key holds a cheap "data version" (responses,
invitations, latest audit), so a new or changed answer gives a new key: the study is
rebuilt, never stale.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from balise.diagnostics.models import Campaign

from . import aggregates
from .answers import findings, indicators_table, needs_tables
from .comparison import comparable
from .data import StudyData, gather
from .evolution import evolution_tables, workshops_table
from .figures import language, percent_text, share
from .filters import StudyFilters
from .maturity import axes_table, heatmaps, levels_table
from .participation import participation_tables
from .tables import MIN_GROUP, Study

CACHE_SECONDS = 24 * 3600
CACHE_PREFIX = "balise:study:v2"


# --- Writing ----------------------------------------------------------------------------


def method(data: StudyData) -> list[str]:
    """The paragraphs saying how the figures were made: sample, scores, masking, filters
    and comparison."""
    campaign = data.campaign
    paragraphs = [
        _(
            "Campagne « %(name)s », du %(start)s au %(end)s : %(invited)s prestataires "
            "sollicités, %(completed)s diagnostics complets (taux de réponse : %(rate)s)."
        )
        % {
            "name": campaign.name,
            "start": date_format(campaign.starts_on, "DATE_FORMAT"),
            "end": date_format(campaign.ends_on, "DATE_FORMAT"),
            "invited": data.invited,
            "completed": data.completed,
            "rate": percent_text(share(data.completed, data.invited))
            if data.invited and not data.filters.size
            else "—",
        },
        _(
            "Chaque prestataire a répondu au questionnaire « %(title)s ». Chaque réponse "
            "rapporte des points ; le score d'un axe (0 à 100) est la part des points "
            "possibles obtenus, sans compter les « je ne sais pas » ni les questions sans "
            "objet. Le score global est la moyenne pondérée des axes, et donne un niveau "
            "de 1 à 5."
        )
        % {"title": data.definition.title.get(data.lang)},
        _(
            "Secret statistique : tout groupe (famille, catégorie, commune…) de moins de "
            "%(min)s réponses complètes est masqué (« — ») dans chaque tableau, "
            "graphique et export, effectifs compris."
        )
        % {"min": MIN_GROUP},
        _(
            "Déclaré et observé : les indicateurs « déclarés » viennent des réponses ; "
            "les indicateurs « observés » viennent du dernier audit automatique du site "
            "web de chaque répondant (ce qu'un visiteur voit de l'extérieur)."
        ),
    ]
    if data.filters.describe():
        paragraphs.append(_("Filtres appliqués : %s.") % data.filters.describe())
    if data.compare is not None:
        paragraphs.append(
            _(
                "Comparaison avec la campagne « %(name)s » : d'une part sur les "
                "prestataires ayant répondu aux deux campagnes, d'autre part sur tous les "
                "répondants ; écarts en points de score."
            )
            % {"name": data.compare.name}
        )
    return paragraphs


def write(data: StudyData) -> Study:
    """The study written from its figures: every section's tables, the findings and the
    method (only the method below MIN_GROUP completed responses)."""
    study = Study(
        title=_("Étude du numérique sur le territoire"),
        office_name=data.campaign.office.name,
        campaign_name=data.campaign.name,
        generated_at=timezone.now(),
        invited=data.invited,
        completed=data.completed,
        filters_text=data.filters.describe(),
        compare_name=data.compare.name if data.compare else "",
    )
    study.method = method(data)
    if not data.enough:
        study.method.insert(
            0,
            _(
                "Moins de %(min)s diagnostics complets pour cette sélection : les "
                "résultats ne sont pas affichés, pour protéger les répondants."
            )
            % {"min": MIN_GROUP},
        )
        return study
    study.score = data.overall_score
    tables = participation_tables(data)
    tables += [levels_table(data), axes_table(data)]
    tables += heatmaps(data)
    tables.append(indicators_table(data))
    tables += needs_tables(data)
    tables += evolution_tables(data)
    workshops = workshops_table(data)
    if workshops is not None:
        tables.append(workshops)
    study.tables = tables
    study.findings = findings(data)
    return study


def cache_key(campaign: Campaign, filters: StudyFilters, compare: Campaign | None) -> str:
    """The cache key of a study: what is asked (campaign, comparison, filters, language)
    and the version of the data (see :func:`aggregates.data_version`)."""
    ids = [campaign.pk] + ([compare.pk] if compare else [])
    version = aggregates.data_version(campaign.office_id, ids).key()
    parts = "§".join(
        [
            str(campaign.pk),
            str(compare.pk if compare else ""),
            filters.cache_key(),
            language(),
            version,
        ]
    )
    return f"{CACHE_PREFIX}:{hashlib.sha256(parts.encode()).hexdigest()}"


def build_study(
    campaign: Campaign, *, filters: StudyFilters | None = None, compare: Campaign | None = None
) -> Study:
    """The territory study of ``campaign``, for the providers matching ``filters``, compared
    with the earlier campaign ``compare`` (same office only; otherwise ignored).

    Side effects: reads the cache and stores the built study in it (Django cache, one day,
    under a key that changes as soon as responses, invitations or audits change).
    """
    filters = filters or StudyFilters()
    if compare is not None and not comparable(campaign, compare):
        compare = None
    key = cache_key(campaign, filters, compare)
    study = cache.get(key)
    if study is None:
        with aggregates.analytic_reads():
            study = write(gather(campaign, filters, compare))
        cache.set(key, study, CACHE_SECONDS)
    return study
