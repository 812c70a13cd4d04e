"""Which campaign a study compares with: another campaign of the same office, never the
campaign itself nor another office's (whose figures the office must not see).

The dashboard, the exports, the API and the ``study`` command name it (by id, or by slug
on the command line) through :func:`compared_campaign`; the background refresh warms the
comparison a director opens first, with :func:`previous_campaign`.
"""

from __future__ import annotations

from collections.abc import Iterable

from balise.diagnostics.models import Campaign


def comparable(campaign: Campaign, other: Campaign) -> bool:
    return other.pk != campaign.pk and other.office_id == campaign.office_id


def compared_campaign(
    campaign: Campaign,
    *,
    pk: int | None = None,
    slug: str = "",
    campaigns: Iterable[Campaign] | None = None,
) -> Campaign | None:
    """The campaign named by ``pk`` (or ``slug``) that ``campaign`` can be compared with,
    or None when there is none (nothing named, unknown, itself, another office's).

    ``campaigns``: the office's campaigns when already read (no query then); otherwise
    one query, with the campaign's version (the evolution reads its axes)."""
    if pk is None and not slug:
        return None
    if campaigns is None:
        named = {"pk": pk} if pk is not None else {"slug": slug}
        campaigns = Campaign.objects.filter(office_id=campaign.office_id, **named).select_related(
            "office", "version"
        )
    return next(
        (
            other
            for other in campaigns
            if (other.pk == pk if pk is not None else other.slug == slug)
            and comparable(campaign, other)
        ),
        None,
    )


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The office's campaign that started last before ``campaign``: the comparison the
    director opens to see the progress made."""
    return (
        Campaign.objects.filter(office_id=campaign.office_id, starts_on__lt=campaign.starts_on)
        .select_related("version")
        .order_by("-starts_on", "-pk")
        .first()
    )
