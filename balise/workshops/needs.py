"""Workshop needs read from a diagnostic campaign.

A provider needs a theme when they asked for it (their ``besoins.themes`` answer) or when
their answers show the gap (a fired recommendation whose ``themes`` list the code), or
both. Only completed responses and providers still in the directory (not archived) count.

The facts are read in three queries whatever the number of themes: the needs answers
(wished themes, months, times of day, formats) as (provider, question, option) rows, the
fired recommendations' theme lists, and the providers' category and commune. JSON
``contains`` is not available on SQLite, so theme lists are read as small tuples and
matched here; a campaign of a few thousand providers gives a few thousand tuples.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from balise.diagnostics.models import Answer, Campaign, FiredRecommendation, Response
from balise.members.models import CATEGORY_GROUP, CategoryGroup, Provider
from balise.offices.models import Office

from .models import Theme

THEMES_QUESTION = "besoins.themes"
MONTHS_QUESTION = "besoins.mois"
MOMENTS_QUESTION = "besoins.moments"
FORMATS_QUESTION = "besoins.formats"
# The weight of a need for the programme builder: asking for a theme and having the gap
# is the strongest signal; a gap the provider did not mention counts a little less.
WEIGHT_BOTH = 1.5
WEIGHT_ASKED = 1.0
WEIGHT_GAP = 0.8


@dataclass
class CampaignNeeds:
    """What a campaign says about each provider (all keyed by provider id)."""

    asked: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    gap: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    months: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    moments: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    formats: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # provider id → (category group, commune name)
    providers: dict[int, tuple[str, str]] = field(default_factory=dict)
    respondents: int = 0


@dataclass
class ThemeNeed:
    theme: Theme
    asked: int
    gap: int
    total: int
    by_group: list[tuple[str, int]]  # (category group code, providers), most first
    by_commune: list[tuple[str, int]]  # (commune, providers), most first
    months: list[tuple[int, int]]  # (month 1–12, providers who prefer it), most first
    moments: list[tuple[str, int]]
    formats: list[tuple[str, int]]


@dataclass(frozen=True)
class ProviderNeed:
    provider_id: int
    category_group: str
    needs: dict[str, float]  # theme code → weight
    asked: frozenset[str]  # the codes of ``needs`` the provider asked for (others: gaps)
    months: frozenset[int]
    moments: frozenset[str]


def latest_campaign(office: Office) -> Campaign | None:
    """The office's most recent campaign with at least one completed response."""
    completed = Response.objects.filter(campaign=OuterRef("pk"), completed_at__isnull=False)
    return (
        Campaign.objects.filter(office=office)
        .filter(Exists(completed))
        .order_by("-starts_on", "-pk")
        .first()
    )


def _completed(campaign: Campaign):
    return Response.objects.filter(
        campaign=campaign, completed_at__isnull=False, provider__archived_at__isnull=True
    )


def campaign_needs(*, office: Office, campaign: Campaign) -> CampaignNeeds:
    """Every provider's wished themes, gaps and preferences in ``campaign`` (3 queries)."""
    if campaign.office_id != office.pk:
        raise ValueError("campaign of another office")
    facts = CampaignNeeds()
    responses = _completed(campaign)
    rows = Answer.objects.filter(
        response__in=responses,
        question__in=(THEMES_QUESTION, MONTHS_QUESTION, MOMENTS_QUESTION, FORMATS_QUESTION),
    ).values_list("response__provider_id", "question", "option")
    for provider_id, question, option in rows:
        if question == THEMES_QUESTION:
            facts.asked[provider_id].add(option)
        elif question == MONTHS_QUESTION:
            if len(option) == 3 and option[0] == "m" and option[1:].isdigit():
                facts.months[provider_id].add(int(option[1:]))
        elif question == MOMENTS_QUESTION:
            facts.moments[provider_id].add(option)
        else:
            facts.formats[provider_id].add(option)
    fired = FiredRecommendation.objects.filter(response__in=responses).values_list(
        "response__provider_id", "themes"
    )
    for provider_id, themes in fired:
        facts.gap[provider_id].update(code for code in themes or () if isinstance(code, str))
    for pk, category, commune, city in Provider.objects.filter(
        pk__in=responses.values("provider_id")
    ).values_list("pk", "category", "commune__name", "city"):
        group = CATEGORY_GROUP.get(category, CategoryGroup.OTHER)
        facts.providers[pk] = (str(group.value), commune or city or "")
    facts.respondents = len(facts.providers)
    return facts


def theme_needs(
    *,
    office: Office,
    campaign: Campaign,
    themes: list[Theme] | None = None,
    facts: CampaignNeeds | None = None,
) -> list[ThemeNeed]:
    """Per theme: providers who asked for it, who have the gap, the union, broken down by
    category group and commune, with the preferred months, times and formats of those
    providers. Sorted by total, largest first. ``themes`` defaults to the office's;
    ``facts`` to :func:`campaign_needs` (pass it when already read)."""
    if facts is None:
        facts = campaign_needs(office=office, campaign=campaign)
    if themes is None:
        themes = list(Theme.objects.filter(office=office))
    result = []
    for theme in themes:
        asked = {pid for pid, codes in facts.asked.items() if theme.code in codes}
        gap = {pid for pid, codes in facts.gap.items() if theme.code in codes}
        union = (asked | gap) & facts.providers.keys()
        asked &= union
        gap &= union
        groups = Counter(facts.providers[pid][0] for pid in union)
        communes = Counter(facts.providers[pid][1] for pid in union if facts.providers[pid][1])
        months = Counter(m for pid in union for m in facts.months.get(pid, ()))
        moments = Counter(m for pid in union for m in facts.moments.get(pid, ()))
        formats = Counter(f for pid in union for f in facts.formats.get(pid, ()))
        result.append(
            ThemeNeed(
                theme=theme,
                asked=len(asked),
                gap=len(gap),
                total=len(union),
                by_group=_ranked(groups),
                by_commune=_ranked(communes),
                months=_ranked(months),
                moments=_ranked(moments),
                formats=_ranked(formats),
            )
        )
    result.sort(key=lambda need: (-need.total, -need.asked, need.theme.title))
    return result


def _ranked(counter: Counter) -> list[tuple]:
    # Most first, then by key so equal counts read in a stable order.
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def provider_needs(
    *, office: Office, campaign: Campaign, themes: list[Theme] | None = None
) -> list[ProviderNeed]:
    """Each provider's needs as {theme code: weight} for the programme builder: asked and
    gap 1.5, asked only 1.0, gap only 0.8. Only ``themes`` count (default: the office's
    active themes); providers with no need are left out. Months and times of day are the
    provider's stated preferences (empty: no preference)."""
    facts = campaign_needs(office=office, campaign=campaign)
    if themes is None:
        themes = list(Theme.objects.filter(office=office, active=True))
    codes = {theme.code for theme in themes}
    result = []
    for pid, (group, _commune) in sorted(facts.providers.items()):
        asked = facts.asked.get(pid, set()) & codes
        gap = facts.gap.get(pid, set()) & codes
        needs = {}
        for code in sorted(asked | gap):
            if code in asked and code in gap:
                needs[code] = WEIGHT_BOTH
            elif code in asked:
                needs[code] = WEIGHT_ASKED
            else:
                needs[code] = WEIGHT_GAP
        if needs:
            result.append(
                ProviderNeed(
                    provider_id=pid,
                    category_group=group,
                    needs=needs,
                    asked=frozenset(asked),
                    months=frozenset(facts.months.get(pid, ())),
                    moments=frozenset(facts.moments.get(pid, ())),
                )
            )
    return result
