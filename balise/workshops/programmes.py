"""The programme workflow, from needs to a published programme: build the optimiser's
problem from the database, run :func:`balise.workshops.optimiser.propose`, save its
proposal as a draft programme (sessions with their "why" sentences, unsent invitations),
then publish it or delete drafts.

The optimiser (``optimiser.py``) is pure; this module is the only one that turns rows into
its plain data and its answer back into rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from balise.diagnostics.models import Campaign
from balise.lib.tokens import new_key
from balise.members.models import Provider
from balise.offices.models import Office, User

from . import alerts, optimiser
from .catalogue import ensure_catalogue, high_season
from .models import (
    LEVEL_RANK,
    CandidateSlot,
    Format,
    Programme,
    ProgrammeStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
)
from .needs import provider_needs

# Formats the builder schedules; individual appointments are booked in their own slots.
PLANNED_FORMATS = (Format.WORKSHOP, Format.WEBINAR, Format.CAFE)
SOLVERS = ("auto", "greedy", "cp-sat")


def plannable_themes(office: Office) -> list[Theme]:
    """The office's active themes of a collective format (atelier, webinaire, café)."""
    return list(
        Theme.objects.filter(office=office, active=True, format__in=PLANNED_FORMATS)
        .select_related("prerequisite")
        .order_by("code")
    )


def candidate_slots(
    *, office: Office, starts_on: dt.date, ends_on: dt.date
) -> QuerySet[CandidateSlot]:
    """The office's future candidate slots starting between the two dates (inclusive)."""
    return (
        CandidateSlot.objects.filter(
            office=office,
            starts_at__date__gte=starts_on,
            starts_at__date__lte=ends_on,
            starts_at__gt=timezone.now(),
        )
        .select_related("venue")
        .order_by("starts_at", "pk")
    )


def _plan_theme(theme: Theme, codes: set[str]) -> optimiser.PlanTheme:
    prerequisite = theme.prerequisite.code if theme.prerequisite_id else None
    return optimiser.PlanTheme(
        code=theme.code,
        title=theme.title,
        capacity=theme.default_capacity,
        duration_minutes=theme.duration_minutes,
        online=theme.format == Format.WEBINAR,
        level_rank=LEVEL_RANK.get(theme.level, 0),
        prerequisite=prerequisite if prerequisite in codes else None,
    )


def _plan_slot(slot: CandidateSlot) -> optimiser.PlanSlot:
    # Local times: months and times of day are the office's, not UTC's.
    return optimiser.PlanSlot(
        id=slot.pk,
        starts_at=timezone.localtime(slot.starts_at),
        ends_at=timezone.localtime(slot.ends_at),
        venue_id=slot.venue_id,
        venue_capacity=slot.venue.capacity if slot.venue_id else None,
    )


def build_problem(
    *,
    office: Office,
    campaign: Campaign,
    starts_on: dt.date,
    ends_on: dt.date,
    slots: list[CandidateSlot] | None = None,
    themes: list[Theme] | None = None,
) -> optimiser.Problem:
    """The optimiser's problem for a period: the themes (default: :func:`plannable_themes`),
    the candidate slots (default: :func:`candidate_slots` of the period), and the providers
    with a need for one of those themes in ``campaign``, each blocked in the high-season
    months of their category group. No side effect."""
    if themes is None:
        themes = plannable_themes(office)
    if slots is None:
        slots = list(candidate_slots(office=office, starts_on=starts_on, ends_on=ends_on))
    codes = {theme.code for theme in themes}
    blocked = high_season(office)
    providers = [
        optimiser.PlanProvider(
            id=need.provider_id,
            category_group=need.category_group,
            needs=need.needs,
            asked=need.asked,
            months=need.months,
            moments=need.moments,
            blocked_months=blocked.get(need.category_group, frozenset()),
        )
        for need in provider_needs(office=office, campaign=campaign, themes=themes)
    ]
    return optimiser.Problem(
        themes=[_plan_theme(theme, codes) for theme in themes],
        slots=[_plan_slot(slot) for slot in slots],
        providers=providers,
    )


@transaction.atomic
def save_proposal(
    *,
    office: Office,
    campaign: Campaign,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    user: User | None,
    proposal: optimiser.Proposal,
    themes: dict[str, Theme],
    slots: dict[int, CandidateSlot],
    problem: optimiser.Problem,
) -> Programme:
    """Save ``proposal`` (computed on ``problem``) as a draft programme: its sessions with
    the sentence saying why each is there, and an unsent invitation per invitee.

    Public for the demo, which builds a programme in the past (``create_programme`` only
    offers future slots). Side effects: one Programme, its Sessions and SessionInvitations.
    """
    programme = Programme.objects.create(
        office=office,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        campaign=campaign,
        solver=proposal.solver,
        summary={
            "needs_total": proposal.needs_total,
            "needs_covered": proposal.needs_covered,
            "weight": round(proposal.weight_covered, 2),
            "weight_total": round(proposal.weight_total, 2),
            "seconds": proposal.seconds,
            "status": proposal.status,
            "providers": len(problem.providers),
            "slots": len(problem.slots),
        },
        created_by=user,
    )
    invitee_ids = {pid for planned in proposal.sessions for pid in planned.invitees}
    emails = dict(Provider.objects.filter(pk__in=invitee_ids).values_list("pk", "email"))
    plan_themes = {theme.code: theme for theme in problem.themes}
    plan_slots = {slot.id: slot for slot in problem.slots}
    invitations = []
    for planned in proposal.sessions:
        theme, slot = themes[planned.theme_code], slots[planned.slot_id]
        starts_at, ends_at = optimiser.session_interval(
            plan_themes[planned.theme_code], plan_slots[planned.slot_id]
        )
        capacity = theme.default_capacity
        if slot.venue_id:
            capacity = min(capacity, slot.venue.capacity)
        session = Session.objects.create(
            office=office,
            programme=programme,
            theme=theme,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=slot.venue,
            capacity=capacity,
            status=SessionStatus.DRAFT,
            reasons=dict(planned.reasons),
            needs_covered=len(planned.invitees),
        )
        invitations += [
            # bulk_create skips save(): the signed-link key is drawn here.
            SessionInvitation(
                office=office,
                session=session,
                provider_id=pid,
                email=emails.get(pid, ""),
                key=new_key(),
            )
            for pid in planned.invitees
        ]
    SessionInvitation.objects.bulk_create(invitations)
    return programme


def create_programme(
    *,
    office: Office,
    campaign: Campaign,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    user: User | None,
    solver: str = "auto",
    time_limit: float = 8.0,
    slots: list[CandidateSlot] | None = None,
    max_sessions: int | None = None,
) -> Programme:
    """Propose a programme over the period from the needs of ``campaign`` and save it as a
    draft: nothing is published or sent.

    ``slots`` defaults to the office's future candidate slots in the period (what the
    animator can still run); the demo, which writes history, passes past ones.
    ``max_sessions`` caps the number of sessions (default: one per usable slot).

    Raises ValidationError (French) when the campaign is another office's or the period has
    no future candidate slot. Side effects: creates the catalogue's missing themes, one
    Programme (solver, summary: needs_total, needs_covered, weight, seconds, status), its
    draft Sessions with the counts behind their "why" sentence, and unsent
    SessionInvitation rows for the invitees.
    """
    if campaign.office_id != office.pk:
        raise ValidationError(_("Cette campagne n'appartient pas à l'office."))
    if solver not in SOLVERS:
        raise ValidationError(_("Méthode de calcul inconnue."))
    ensure_catalogue(office)
    themes = plannable_themes(office)
    if slots is None:
        slots = list(candidate_slots(office=office, starts_on=starts_on, ends_on=ends_on))
    if not slots:
        raise ValidationError(
            _(
                "Aucun créneau disponible à venir dans cette période : ajoutez d'abord les "
                "créneaux où vous pouvez animer."
            )
        )
    problem = build_problem(
        office=office,
        campaign=campaign,
        starts_on=starts_on,
        ends_on=ends_on,
        slots=slots,
        themes=themes,
    )
    if max_sessions is not None:
        problem = dataclasses.replace(problem, max_sessions=max_sessions)
    proposal = optimiser.propose(problem, solver=solver, time_limit=time_limit)
    return save_proposal(
        office=office,
        campaign=campaign,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        user=user,
        proposal=proposal,
        themes={theme.code: theme for theme in themes},
        slots={slot.pk: slot for slot in slots},
        problem=problem,
    )


def publish_programme(*, programme: Programme, user: User | None = None) -> int:
    """Publish the programme and its draft sessions, then queue their invitations.

    Returns how many invitations are waiting to be sent. Side effects: draft sessions →
    published, programme published (``published_at`` kept from the first time); one
    background job per newly published session
    (:func:`balise.workshops.tasks.send_session_invitations`, which e-mails the providers
    who accepted information e-mails): a programme of 300 invitations does not hold the
    request while the mail server answers; one more announcing the sessions to the
    « prévenez-moi » of their themes.
    """
    from .tasks import send_session_invitations

    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        session_ids = list(
            Session.objects.filter(programme=locked, status=SessionStatus.DRAFT).values_list(
                "pk", flat=True
            )
        )
        Session.objects.filter(pk__in=session_ids).update(status=SessionStatus.PUBLISHED)
        locked.status = ProgrammeStatus.PUBLISHED
        locked.published_at = locked.published_at or timezone.now()
        locked.save(update_fields=["status", "published_at"])
        alerts.announce_published(session_ids)
    programme.status, programme.published_at = locked.status, locked.published_at
    pending = SessionInvitation.objects.filter(
        session_id__in=session_ids, sent_at__isnull=True
    ).count()
    for session_id in session_ids:
        send_session_invitations.enqueue(session_id, user.pk if user else None)
    return pending


def delete_draft_session(*, session: Session) -> None:
    """Remove a proposed session from its programme. Refuses (ValidationError) a session
    that was published: that one is cancelled, so its registrants are told. Side effects:
    deletes the session and its unsent invitations."""
    if session.status != SessionStatus.DRAFT:
        raise ValidationError(
            _("Seule une séance proposée peut être retirée ; une séance publiée s'annule.")
        )
    session.delete()


def delete_draft_programme(*, programme: Programme) -> None:
    """Drop a proposal the animator does not want. Refuses (ValidationError) a programme
    that was published or holds a published session. Side effects: deletes the programme,
    its draft sessions and their unsent invitations, in one transaction."""
    with transaction.atomic():
        sessions = Session.objects.filter(programme=programme)
        if (
            programme.status != ProgrammeStatus.DRAFT
            or sessions.exclude(status=SessionStatus.DRAFT).exists()
        ):
            raise ValidationError(_("Un programme publié ne se supprime pas."))
        sessions.delete()
        programme.delete()
