"""Diagnostic workflows: campaigns, invitations and their e-mails, follow-up figures.

Questionnaire versions live in :mod:`.versions` and answering (saving pages, completing) in
:mod:`.answering`; both are re-exported here, so callers import every workflow from
``services``.

Every function takes keyword-only arguments (except the read-only queries, which take the
campaign), validates what it is given and raises ``ValidationError`` with French messages
before writing anything. Docstrings list the side effects (rows written, e-mails sent).
"""

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from balise.members.filters import ProviderFilterForm
from balise.members.models import Category, Provider, choice_labels
from balise.offices.models import Office, User

from .answering import (  # noqa: F401  (re-exported: the public API of the workflows)
    SaveResult,
    UnknownSection,
    clean_answer,
    complete,
    missing_required,
    prune_answers,
    resume_section,
    save_section,
    section_progress,
    start_or_resume,
    visible_section,
    write_scores,
)
from .models import (
    Campaign,
    CampaignStatus,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
)
from .versions import (  # noqa: F401  (re-exported)
    DEFAULT_QUESTIONNAIRE_CODE,
    campaign_versions,
    copy_version,
    ensure_default_version,
    import_version_file,
    parse_document,
    publish_version,
    visible_versions,
)

logger = logging.getLogger(__name__)

# A reminder never follows the invitation or the previous reminder closer than this: a
# second click on "Relancer" (or a second worker) must not mail anyone twice.
REMINDER_MIN_INTERVAL = timedelta(hours=12)
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


# --- Campaigns --------------------------------------------------------------------------


def clean_target_filters(*, office: Office, data: dict | None) -> dict:
    """The directory filters of a campaign, validated by ProviderFilterForm, as plain JSON.

    Bad or unknown values are dropped (as on the directory page); archived providers are
    never targeted.
    """
    form = ProviderFilterForm(data or None, office=office)
    if not form.is_bound:
        return {}
    form.is_valid()
    filters = {}
    for name, value in form.cleaned_data.items():
        if name == "archived" or value in (None, ""):
            continue
        if isinstance(value, bool):
            filters[name] = "true" if value else "false"
        elif hasattr(value, "pk"):
            field = form.fields[name]
            filters[name] = str(getattr(value, field.to_field_name or "pk"))
        else:
            filters[name] = str(value)
    return filters


def targeted_providers(campaign: Campaign) -> QuerySet[Provider]:
    """The office's active providers matching the campaign's stored directory filters."""
    filters = {k: v for k, v in (campaign.target_filters or {}).items() if k != "archived"}
    return ProviderFilterForm(filters or None, office=campaign.office).filter()


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
    Invitation row per targeted provider (see :func:`invite`); no e-mail is sent until the
    animator opens the campaign and sends the invitations.
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

    The panel is counted as :func:`participation` counts it: live links, plus providers
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


# --- Invitations ----------------------------------------------------------------------


def invite(*, campaign: Campaign, providers: list[Provider] | None = None) -> int:
    """Add providers to the campaign's panel: one Invitation (personal link) each.

    ``providers`` defaults to :func:`targeted_providers`; other offices' providers are
    ignored. Idempotent: a provider already invited, even with a revoked link, is skipped.
    Side effects: creates Invitation rows, sends nothing. Returns how many were created.
    """
    qs = (
        targeted_providers(campaign)
        if providers is None
        else Provider.objects.filter(office=campaign.office, pk__in=[p.pk for p in providers])
    )
    new_ids = list(
        qs.exclude(Exists(Invitation.objects.filter(campaign=campaign, provider=OuterRef("pk"))))
        .order_by()
        .values_list("pk", flat=True)
    )
    before = Invitation.objects.filter(campaign=campaign).count()
    # The key is set here: bulk_create does not call Invitation.save().
    Invitation.objects.bulk_create(
        [
            Invitation(
                office=campaign.office,
                campaign=campaign,
                provider_id=pk,
                key=secrets.token_urlsafe(32),
            )
            for pk in new_ids
        ],
        ignore_conflicts=True,  # another click inviting the same providers at the same time
        batch_size=500,
    )
    return Invitation.objects.filter(campaign=campaign).count() - before


def invitation_url(invitation: Invitation) -> str:
    """The provider's personal link, absolute (for e-mails and the "copy link" field)."""
    return f"{settings.SITE_URL}{reverse('respond:welcome', args=[invitation.token])}"


def link_for_key(key: str) -> str:
    """:func:`invitation_url` from an invitation key alone (signing needs no query)."""
    return invitation_url(Invitation(key=key))


def _completed(campaign: Campaign):
    return Exists(
        Response.objects.filter(
            campaign=campaign, provider=OuterRef("provider"), completed_at__isnull=False
        )
    )


def _mailable(campaign: Campaign) -> QuerySet[Invitation]:
    """Invitations that may receive mail: link not revoked, provider active with an
    address, diagnostic not completed."""
    return (
        Invitation.objects.usable()
        .filter(campaign=campaign, provider__archived_at__isnull=True)
        .exclude(provider__email="")
        .exclude(_completed(campaign))
    )


def pending_invitations(campaign: Campaign) -> QuerySet[Invitation]:
    """What "Envoyer les invitations" would mail now."""
    return _mailable(campaign).filter(sent_at__isnull=True)


def due_reminders(campaign: Campaign) -> QuerySet[Invitation]:
    """What "Relancer" would mail now: invited, not completed, not mailed recently."""
    recent = timezone.now() - REMINDER_MIN_INTERVAL
    return (
        _mailable(campaign)
        .filter(sent_at__lte=recent)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=recent))
    )


def providers_to_phone(campaign: Campaign) -> QuerySet[Provider]:
    """Panel providers without an e-mail address who have not completed: to call."""
    return (
        provider_statuses(campaign)
        .filter(email="", invitation_id__isnull=False, revoked_at__isnull=True)
        .exclude(status=ResponseStatus.COMPLETED)
    )


def _message(invitation: Invitation, *, reminder: bool) -> EmailMessage:
    campaign = invitation.campaign
    office = campaign.office
    context = {
        "provider": invitation.provider,
        "office": office,
        "campaign": campaign,
        "link": invitation_url(invitation),
        "started": Response.objects.filter(
            campaign=campaign, provider_id=invitation.provider_id
        ).exists()
        if reminder
        else False,
    }
    kind = "reminder" if reminder else "invitation"
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/diagnostic_{kind}_subject.txt", context)
        body = render_to_string(f"emails/diagnostic_{kind}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.provider.email],
        reply_to=[office.email] if office.email else None,
    )


def _send_each(ids: list[int], *, due: QuerySet[Invitation], reminder: bool) -> int:
    """Mail each invitation of ``ids`` that is still in ``due``, one locked row at a time.

    The row is locked and checked again before sending, and stamped in the same
    transaction: a double click, or two workers, mail nobody twice. A failing address is
    logged and skipped; the others still go.
    """
    sent = 0
    connection = get_connection()
    with connection:
        for pk in ids:
            with transaction.atomic():
                invitation = (
                    due.select_for_update(of=("self",))
                    .select_related("provider", "campaign__office")
                    .filter(pk=pk)
                    .first()
                )
                if invitation is None:
                    continue
                message = _message(invitation, reminder=reminder)
                message.connection = connection
                try:
                    message.send(fail_silently=False)
                except (smtplib.SMTPException, OSError) as error:
                    logger.warning("Diagnostic e-mail to invitation %s failed: %s", pk, error)
                    continue
                now = timezone.now()
                if reminder:
                    invitation.reminder_count += 1
                    invitation.last_reminded_at = now
                    fields = ["reminder_count", "last_reminded_at", "email"]
                else:
                    invitation.sent_at = now
                    fields = ["sent_at", "email"]
                invitation.email = invitation.provider.email
                invitation.save(update_fields=fields)
            sent += 1
    return sent


def send_invitations(*, campaign: Campaign, invitation_ids: list[int] | None = None) -> int:
    """E-mail their personal link to panel providers who have not received it yet.

    The invitation is a service message about the office's own diagnostic of its members,
    not marketing: it goes to every targeted provider with an e-mail address, whatever
    their consent to information e-mails. Providers without an address get nothing and are
    not counted: :func:`providers_to_phone` lists them for the animator to call.

    Side effects: one e-mail per invitation (French, with the link, the office's name, the
    end date and the campaign's message; replies go to the office's address), ``sent_at``
    and ``email`` recorded. Returns how many e-mails left. Raises ValidationError when the
    campaign is not open.
    """
    if not campaign.is_open:
        raise ValidationError(
            _("La campagne n'est pas ouverte : ouvrez-la avant d'envoyer les invitations.")
        )
    due = pending_invitations(campaign)
    ids = due.values_list("pk", flat=True)
    if invitation_ids is not None:
        ids = ids.filter(pk__in=invitation_ids)
    return _send_each(list(ids.order_by("pk")), due=due, reminder=False)


def send_reminders(*, campaign: Campaign) -> int:
    """Remind invited providers who have not completed (see :func:`due_reminders`).

    Same audience rules as :func:`send_invitations`. Side effects: one e-mail each,
    ``reminder_count`` and ``last_reminded_at`` recorded. Returns how many left. Raises
    ValidationError when the campaign is not open.
    """
    if not campaign.is_open:
        raise ValidationError(_("La campagne n'est pas ouverte : aucune relance n'est possible."))
    due = due_reminders(campaign)
    ids = list(due.values_list("pk", flat=True).order_by("pk"))
    return _send_each(ids, due=due, reminder=True)


def revoke_invitation(*, invitation: Invitation) -> Invitation:
    """Make the personal link stop working at once (a forwarded or leaked link).

    Side effects: sets ``revoked_at``; answers already given stay. Idempotent.
    """
    if invitation.revoked_at is None:
        invitation.revoke()
    return invitation


def regenerate_link(*, invitation: Invitation) -> Invitation:
    """Give the provider a new personal link; the old one stops working.

    Side effects: new key, ``revoked_at`` cleared, and ``sent_at`` cleared so that the
    next "Envoyer les invitations" mails the new link. Answers already given stay.
    """
    invitation.key = secrets.token_urlsafe(32)
    invitation.revoked_at = None
    invitation.sent_at = None
    invitation.save(update_fields=["key", "revoked_at", "sent_at"])
    return invitation


# --- Follow-up --------------------------------------------------------------------------


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
