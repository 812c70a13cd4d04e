"""Campaigns: creating, editing, opening and closing them, and the office's list.

Every function takes keyword-only arguments (except the read-only queries, which take the
office), validates what it is given and raises ``ValidationError`` with French messages
before writing anything. Docstrings list the side effects.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from balise.offices.models import Office, User

from .invitations import invite
from .models import Campaign, CampaignStatus, Invitation, QuestionnaireVersion, Response
from .targeting import clean_target_filters
from .versions import campaign_versions


def _unique_slug(office: Office, name: str) -> str:
    base = slugify(name)[:70] or "campagne"
    taken = set(
        Campaign.objects.filter(office=office, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_campaign_fields(name: str, starts_on: date, ends_on: date, message: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom à la campagne.")})
    if len(name) > 200:
        raise ValidationError({"name": _("200 caractères au plus.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("La fin doit suivre le début.")})
    if len(message or "") > 5000:
        raise ValidationError({"message": _("5 000 caractères au plus.")})
    return name


def create_campaign(
    *,
    office: Office,
    name: str,
    version: QuestionnaireVersion,
    starts_on: date,
    ends_on: date,
    target_filters: dict | None,
    message: str,
    user: User | None,
) -> Campaign:
    """A campaign "en préparation" and its panel of targeted providers.

    Side effects: one Campaign row (slug from the name, unique in the office) and one
    Invitation row per targeted provider (see :func:`.invitations.invite`); no e-mail is
    sent until the animator opens the campaign and sends the invitations.
    """
    name = _check_campaign_fields(name, starts_on, ends_on, message)
    if not campaign_versions(office).filter(pk=version.pk).exists():
        raise ValidationError({"version": _("Choisissez une version publiée du questionnaire.")})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            office=office,
            name=name,
            slug=_unique_slug(office, name),
            version=version,
            starts_on=starts_on,
            ends_on=ends_on,
            target_filters=clean_target_filters(office=office, data=target_filters),
            message=(message or "").strip(),
            created_by=user,
        )
        invite(campaign=campaign)
    return campaign


def update_campaign(
    *, campaign: Campaign, name: str, starts_on: date, ends_on: date, message: str
) -> Campaign:
    """Rename a campaign, move its dates or change its message (the version and the
    targets stay: responses and invitations depend on them). Side effects: saves it."""
    campaign.name = _check_campaign_fields(name, starts_on, ends_on, message)
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.message = (message or "").strip()
    campaign.save(update_fields=["name", "starts_on", "ends_on", "message"])
    return campaign


def open_campaign(*, campaign: Campaign) -> Campaign:
    """Open (or reopen) a campaign: personal links work between its dates.

    Side effects: sets the status. Raises ValidationError when the end date is past.
    """
    if campaign.ends_on < timezone.localdate():
        raise ValidationError(
            _("La date de fin est passée : changez-la avant d'ouvrir la campagne.")
        )
    campaign.status = CampaignStatus.OPEN
    campaign.save(update_fields=["status"])
    return campaign


def close_campaign(*, campaign: Campaign) -> Campaign:
    """Close a campaign: links show "Cette campagne est close"; answers and results stay.

    Side effects: sets the status.
    """
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    return campaign


def campaigns_for_list(office: Office) -> QuerySet[Campaign]:
    """The office's campaigns with their panel size and completed count (one query).

    The panel is counted as :func:`.followup.participation` counts it: live links, plus providers
    who answered although their link was revoked (or who were helped without one).
    """
    live = Invitation.objects.filter(campaign=OuterRef("pk"), revoked_at__isnull=True)
    live_link_of_response = Invitation.objects.filter(
        campaign=OuterRef("campaign"), provider=OuterRef("provider"), revoked_at__isnull=True
    )
    answered_without_live_link = Response.objects.filter(campaign=OuterRef("pk")).exclude(
        Exists(live_link_of_response)
    )
    done = Response.objects.filter(campaign=OuterRef("pk"), completed_at__isnull=False)
    return (
        Campaign.objects.filter(office=office)
        .select_related("version__questionnaire")
        .annotate(
            panel_count=_count_subquery(live) + _count_subquery(answered_without_live_link),
            completed_count=_count_subquery(done),
        )
    )


def _count_subquery(qs: QuerySet):
    """COUNT(*) of ``qs`` (filtered on OuterRef("pk") campaign) as a correlated subquery."""
    return Coalesce(
        Subquery(
            qs.order_by().values("campaign").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
