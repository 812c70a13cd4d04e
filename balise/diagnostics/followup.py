"""Following a campaign: where each provider stands, and the participation figures.

One query gives every provider of the campaign with its invitation and response; the
figures are SQL aggregates over the same rows, so the counts shown always match the table.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from balise.members.models import Category, Provider, choice_labels

from .models import Campaign, ResponseStatus

# Shown in the providers table besides the four statuses of a response.
NOT_SENT = "not_sent"
REVOKED = "revoked"


def status_labels() -> dict[str, str]:
    """{status: label} in the current language, for the providers table."""
    return {
        NOT_SENT: _("Invitation à envoyer"),
        **choice_labels(ResponseStatus),
        REVOKED: _("Lien révoqué"),
    }


def _campaign_providers(campaign: Campaign) -> QuerySet[Provider]:
    """Providers of the campaign (invited, or with a response) joined to their invitation
    and response in this campaign: both are unique per provider, so no row is doubled."""
    return (
        Provider.objects.filter(office_id=campaign.office_id)
        .annotate(
            inv=FilteredRelation("invitations", condition=Q(invitations__campaign=campaign)),
            resp=FilteredRelation("responses", condition=Q(responses__campaign=campaign)),
        )
        .filter(Q(inv__id__isnull=False) | Q(resp__id__isnull=False))
    )


def provider_statuses(campaign: Campaign) -> QuerySet[Provider]:
    """Each provider of the campaign with its invitation and response, in one query.

    Annotations: ``invitation_id``, ``invitation_key``, ``sent_at``, ``opened_at``, ``revoked_at``,
    ``reminder_count``, ``last_reminded_at``, ``response_id``, ``response_source``,
    ``response_updated_at``, ``completed_at``, ``response_level``, ``response_score`` and
    ``status``: completed, in_progress, revoked, opened, invited or not_sent (the first
    that holds). Filter with ``.filter(status=...)``.
    """
    return (
        _campaign_providers(campaign)
        .for_list()
        .annotate(
            invitation_id=F("inv__id"),
            invitation_key=F("inv__key"),
            sent_at=F("inv__sent_at"),
            opened_at=F("inv__opened_at"),
            revoked_at=F("inv__revoked_at"),
            reminder_count=F("inv__reminder_count"),
            last_reminded_at=F("inv__last_reminded_at"),
            response_id=F("resp__id"),
            response_source=F("resp__source"),
            response_updated_at=F("resp__updated_at"),
            completed_at=F("resp__completed_at"),
            response_level=F("resp__level"),
            response_score=F("resp__overall_score"),
            status=Case(
                When(resp__completed_at__isnull=False, then=Value(ResponseStatus.COMPLETED)),
                When(resp__id__isnull=False, then=Value(ResponseStatus.IN_PROGRESS)),
                When(inv__revoked_at__isnull=False, then=Value(REVOKED)),
                When(inv__opened_at__isnull=False, then=Value(ResponseStatus.OPENED)),
                When(inv__sent_at__isnull=False, then=Value(ResponseStatus.INVITED)),
                default=Value(NOT_SENT),
            ),
        )
        .order_by("normalized_name", "id")
    )


def providers_to_phone(campaign: Campaign) -> QuerySet[Provider]:
    """Panel providers without an e-mail address who have not completed: to call."""
    return (
        provider_statuses(campaign)
        .filter(email="", invitation_id__isnull=False, revoked_at__isnull=True)
        .exclude(status=ResponseStatus.COMPLETED)
    )


@dataclass(frozen=True)
class ParticipationRow:
    label: str
    total: int
    invited: int
    opened: int
    started: int
    completed: int

    @property
    def rate(self) -> float | None:
        """Completion rate in percent, None for an empty group."""
        return round(100 * self.completed / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Participation:
    overall: ParticipationRow
    by_category: list[ParticipationRow]
    by_commune: list[ParticipationRow]


def participation(campaign: Campaign) -> Participation:
    """Panel size, invited, opened, started and completed, overall and by category and
    commune, as SQL aggregates (three queries). Nothing is masked: this is the animator's
    own follow-up of named providers, not a published figure. Revoked links without a
    response are left out of the panel."""
    base = _campaign_providers(campaign).filter(
        Q(resp__id__isnull=False) | Q(inv__revoked_at__isnull=True)
    )
    counts = {
        "total": Count("id"),
        "invited": Count("id", filter=Q(inv__sent_at__isnull=False)),
        "opened": Count("id", filter=Q(inv__opened_at__isnull=False) | Q(resp__id__isnull=False)),
        "started": Count("resp__id"),
        "completed": Count("resp__completed_at"),
    }
    names = list(counts)
    overall = base.aggregate(**counts)
    categories = choice_labels(Category)
    by_category = [
        ParticipationRow(
            label=categories.get(row["category"], row["category"]), **{k: row[k] for k in names}
        )
        for row in base.values("category").annotate(**counts).order_by("category")
    ]
    by_commune = [
        ParticipationRow(
            label=row["commune__name"] or _("Commune inconnue"), **{k: row[k] for k in names}
        )
        for row in base.values("commune__insee_code", "commune__name")
        .annotate(**counts)
        .order_by("commune__name", "commune__insee_code")
    ]
    by_category.sort(key=lambda row: row.label)
    return Participation(
        overall=ParticipationRow(label=_("Ensemble"), **{k: overall[k] or 0 for k in names}),
        by_category=by_category,
        by_commune=by_commune,
    )
