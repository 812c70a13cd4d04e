"""The demo step "diagnostics": campaigns a year apart, invitations and realistic answers.

The Haut-Vallon office ran a diagnostic in spring 2025 (closed) and runs another in autumn
2026 (open); the Val d'Arre office runs its first in autumn 2026, for the network
comparison. Each campaign uses the questionnaire shipped with Balise and targets the
office's active members.

Each member answers as :mod:`balise.demo.answers` draws it from its profile
(:mod:`balise.demo.respondents`); providers who answered in 2025 have matured a little
by 2026, so their reports show a change. :func:`build` creates the campaigns and their
panels with the diagnostics services, then writes the invitations' history, the
responses and their score rows in bulk: the rows of
:func:`balise.diagnostics.answering.score_rows`, which ``write_scores`` writes one
response at a time. Invitation keys stay random (``secrets``), as in production: a demo
link cannot be guessed from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from balise.diagnostics import answering, campaigns, versions
from balise.diagnostics.definition import Definition
from balise.diagnostics.models import (
    Answer,
    AxisScore,
    Campaign,
    CampaignStatus,
    FiredRecommendation,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseSource,
)
from balise.diagnostics.scoring import score, visible_sections
from balise.members.models import MembershipStatus, Provider
from balise.offices.models import Role, User

from .answers import draw_answers, pick
from .context import DemoContext
from .respondents import Respondent, respondent_for
from .territory import OFFICES

PARIS = ZoneInfo("Europe/Paris")


# --- The campaigns --------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSpec:
    office_slug: str
    name: str
    starts_on: date
    ends_on: date
    status: str  # CampaignStatus.OPEN or CLOSED
    reminders: tuple[date, ...]
    # Answers stop coming in here: the end of a closed campaign, the eve of the demo's
    # "today" for an open one (fixed, so that the same seed gives the same data).
    last_activity: date
    completed: float  # share of the panel that completed, assisted ones included
    in_progress: float  # saved a few pages and stopped
    opened: float  # opened the link, saved nothing
    assisted: int = 0  # completed with the animator, among providers without an e-mail
    message: str = ""


CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        "haut-vallon",
        "Diagnostic numérique 2025",
        starts_on=date(2025, 2, 3),
        ends_on=date(2025, 4, 30),
        status=CampaignStatus.CLOSED,
        reminders=(date(2025, 2, 24), date(2025, 3, 17), date(2025, 4, 14)),
        last_activity=date(2025, 4, 30),
        completed=0.60,
        in_progress=0.04,
        opened=0.08,
        assisted=4,
        message=(
            "Avant de construire le programme d'ateliers 2025, nous faisons le point avec "
            "chaque adhérent : 15 minutes suffisent, et vous recevez votre bilan tout de suite."
        ),
    ),
    CampaignSpec(
        "haut-vallon",
        "Diagnostic numérique 2026",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 20),
        status=CampaignStatus.OPEN,
        reminders=(date(2026, 10, 20), date(2026, 11, 10)),
        last_activity=date(2026, 11, 25),
        completed=0.45,
        in_progress=0.08,
        opened=0.10,
        assisted=5,
        message=(
            "Un an après le premier diagnostic, mesurons ensemble le chemin parcouru : "
            "votre bilan montrera ce qui a changé depuis 2025."
        ),
    ),
    CampaignSpec(
        "val-d-arre",
        "Diagnostic numérique 2026",
        starts_on=date(2026, 10, 5),
        ends_on=date(2026, 12, 18),
        status=CampaignStatus.OPEN,
        reminders=(date(2026, 11, 2),),
        last_activity=date(2026, 11, 25),
        completed=0.50,
        in_progress=0.06,
        opened=0.08,
    ),
)


# --- Writing the campaigns ------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@dataclass
class CampaignCounts:
    panel: int = 0
    invited: int = 0  # by e-mail
    opened: int = 0
    in_progress: int = 0
    completed: int = 0  # assisted ones included
    assisted: int = 0


@dataclass
class _OfficeState:
    """Per office: the providers' profiles and who completed the previous campaign."""

    respondents: dict[int, Respondent] = field(default_factory=dict)
    gains: dict[int, float] = field(default_factory=dict)
    completed: set[int] = field(default_factory=set)
    campaigns: int = 0

    def respondent(self, ctx: DemoContext, provider: Provider, axes: list[str]) -> Respondent:
        if provider.pk not in self.respondents:
            # The provider's own generator: the same profile whatever the panel.
            rng = ctx.rng("diagnostics", provider.office.slug, "profil", provider.normalized_name)
            self.respondents[provider.pk] = respondent_for(provider, axes, rng)
            # What a year of workshops and habits brings to those who took part.
            self.gains[provider.pk] = rng.uniform(0.05, 0.15)
        respondent = self.respondents[provider.pk]
        if not self.campaigns:
            return respondent
        gain = self.gains[provider.pk]
        return respondent.matured(gain if provider.pk in self.completed else gain / 4)


@dataclass
class _Panel:
    """One campaign being written: its spec, its questionnaire, who fills in with
    providers, and its generator."""

    spec: CampaignSpec
    campaign: Campaign
    definition: Definition
    animator: User
    rng: Random

    @property
    def end(self) -> datetime:
        return _at(self.spec.last_activity, 20)

    @property
    def waves(self) -> list[datetime]:
        """The invitation, then each reminder, all mailed at 9:30."""
        return [_at(day, 9, 30) for day in (self.spec.starts_on, *self.spec.reminders)]

    def opened_at(self, rng: Random) -> datetime:
        """When a link is opened: mostly soon after the invitation or a reminder, never
        at night."""
        waves = self.waves
        index = rng.choices(range(len(waves)), weights=[0.55, 0.25, 0.14, 0.06][: len(waves)])[0]
        start = waves[index]
        stop = waves[index + 1] if index + 1 < len(waves) else self.end
        hours = min(rng.expovariate(1 / 30), (stop - start).total_seconds() / 3600 - 1)
        moment = start + timedelta(hours=max(hours, 0.1))
        if moment.astimezone(PARIS).hour < 7:
            moment += timedelta(hours=8)
        return min(moment, self.end)


def _create_campaign(ctx: DemoContext, spec: CampaignSpec, version: QuestionnaireVersion):
    """The campaign and its panel (every active member), through the services."""
    staff = next(office for office in OFFICES if office.slug == spec.office_slug).staff
    animator = next((s for s in staff if s.role == Role.ANIMATOR), staff[0])
    # An open campaign stays open whenever the demo is built: its links must work.
    ends_on = spec.ends_on
    if spec.status == CampaignStatus.OPEN:
        ends_on = max(ends_on, timezone.localdate() + timedelta(days=7))
    campaign = campaigns.create_campaign(
        office=ctx.result.offices[spec.office_slug],
        name=spec.name,
        version=version,
        starts_on=spec.starts_on,
        ends_on=ends_on,
        target_filters={"membership_status": MembershipStatus.MEMBER},
        message=spec.message,
        user=ctx.result.users[animator.email],
    )
    if spec.status == CampaignStatus.OPEN:
        campaigns.open_campaign(campaign=campaign)
    else:
        campaigns.close_campaign(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=_at(spec.starts_on, 8))
    return _Panel(
        spec=spec,
        campaign=campaign,
        definition=version.parsed,
        animator=ctx.result.users[animator.email],
        rng=ctx.rng("diagnostics", spec.office_slug, spec.name),
    )


def _outcomes(
    panel: _Panel,
    invitations: list[Invitation],
    respondents: dict[int, Respondent],
    state: _OfficeState,
) -> dict[int, str]:
    """Invitation id → "assisted", "completed", "in_progress" or "opened"; the others
    did nothing. The mature and those who answered last time answer more."""
    spec, size = panel.spec, len(invitations)

    def keen(invitation: Invitation) -> float:
        again = 2.5 if invitation.provider_id in state.completed else 1.0
        return (0.3 + respondents[invitation.pk].maturity) * again

    outcomes: dict[int, str] = {}
    without_email = [i for i in invitations if not i.provider.email]
    for invitation in pick(panel.rng, without_email, spec.assisted, keen):
        outcomes[invitation.pk] = "assisted"
    assisted = len(outcomes)
    for outcome, share in (
        ("completed", spec.completed),
        ("in_progress", spec.in_progress),
        ("opened", spec.opened),
    ):
        pool = [i for i in invitations if i.provider.email and i.pk not in outcomes]
        count = round(share * size) - (assisted if outcome == "completed" else 0)
        for invitation in pick(panel.rng, pool, count, keen):
            outcomes[invitation.pk] = outcome
    return outcomes


def _history(
    panel: _Panel, invitation: Invitation, respondent: Respondent, outcome: str, rng: Random
) -> Response | None:
    """Date the invitation (sent, opened, reminded) and draw its response, if any."""
    provider, spec = invitation.provider, panel.spec
    invitation.created_at = _at(spec.starts_on, 8)
    if provider.email:
        invitation.email = provider.email
        invitation.sent_at = panel.waves[0] + timedelta(seconds=rng.randint(0, 120))
    started = finished = panel.end
    if outcome == "assisted":  # a phone call or a visit with the animator
        day = spec.starts_on + timedelta(
            days=rng.randint(3, (spec.last_activity - spec.starts_on).days)
        )
        started = _at(day, rng.choice((9, 10, 14, 15, 16)), rng.randint(0, 45))
        finished = started + timedelta(minutes=rng.randint(35, 75))
    elif outcome in ("completed", "in_progress", "opened"):
        invitation.opened_at = panel.opened_at(rng)
        started = invitation.opened_at + timedelta(minutes=rng.randint(1, 15))
        if rng.random() < 0.2:  # opened on the phone, answered days later
            started = min(started + timedelta(days=rng.randint(1, 5)), panel.end)
        finished = started + timedelta(minutes=rng.randint(9, 35))
        if rng.random() < 0.15:  # in two sittings
            finished += timedelta(days=rng.randint(1, 4))
        finished = min(finished, panel.end + timedelta(minutes=30))
    done = outcome in ("completed", "assisted")
    if invitation.sent_at is not None:  # reminders go to those who have not completed
        until = finished if done else panel.end
        received = [moment for moment in panel.waves[1:] if moment < until]
        invitation.reminder_count = len(received)
        invitation.last_reminded_at = received[-1] if received else None
    if outcome not in ("completed", "assisted", "in_progress"):
        return None
    pages = None
    if outcome == "in_progress":
        visible = visible_sections(panel.definition, {}, category=provider.category)
        pages = rng.randint(1, max(1, len(visible) - 3))
        finished = started + timedelta(minutes=rng.randint(2, 12))
    answers, last_section = draw_answers(panel.definition, respondent, rng, pages=pages)
    response = Response(
        office_id=panel.campaign.office_id,
        campaign=panel.campaign,
        provider=provider,
        version=panel.campaign.version,
        source=ResponseSource.ASSISTED if outcome == "assisted" else ResponseSource.SELF,
        filled_by=panel.animator if outcome == "assisted" else None,
        answers=answers,
        last_section=last_section,
        started_at=started,
        updated_at=finished,
        completed_at=finished if done else None,
    )
    if done:  # the score, kept on the instance for the rows written in bulk
        response.result = score(panel.definition, answers, category=provider.category)
        answering.set_score(response, response.result)
    return response


def _write_rows(panel: _Panel, invitations: list[Invitation], responses: list[Response]):
    """Invitations, responses and score rows in a handful of bulk queries."""
    # invite() chose the panel and the keys; writing its rows again with their history
    # is one insert, where a bulk update of six dated columns costs seconds.
    Invitation.objects.filter(campaign=panel.campaign).delete()
    Invitation.objects.bulk_create(invitations, batch_size=500)
    stamps = [(response.started_at, response.updated_at) for response in responses]
    created = Response.objects.bulk_create(responses, batch_size=250)
    if created and created[0].pk is None:  # databases that do not return ids
        ids = dict(
            Response.objects.filter(campaign=panel.campaign).values_list("provider_id", "pk")
        )
        for response in created:
            response.pk = ids[response.provider_id]
    # bulk_create stamps "now" in the auto_now fields: put the campaign's dates back.
    for response, (started, updated) in zip(created, stamps, strict=True):
        response.started_at, response.updated_at = started, updated
    Response.objects.bulk_update(created, ["started_at", "updated_at"], batch_size=500)
    done = [response for response in created if response.completed_at is not None]
    rows = [answering.score_rows(panel.definition, r, r.result) for r in done]
    Answer.objects.bulk_create([row for each in rows for row in each.answers], batch_size=2000)
    AxisScore.objects.bulk_create([row for each in rows for row in each.axes], batch_size=2000)
    FiredRecommendation.objects.bulk_create(
        [row for each in rows for row in each.recommendations], batch_size=2000
    )
    return created


def write_campaign(
    ctx: DemoContext, spec: CampaignSpec, state: _OfficeState, version: QuestionnaireVersion
) -> tuple[Campaign, CampaignCounts]:
    """One campaign with its invitations, responses and scores."""
    panel = _create_campaign(ctx, spec, version)
    axes = [axis.code for axis in panel.definition.axes]
    invitations = sorted(
        Invitation.objects.filter(campaign=panel.campaign)
        .select_related("provider__office")
        .prefetch_related("provider__labels", "provider__tags"),
        key=lambda invitation: (invitation.provider.normalized_name, invitation.provider.pk),
    )
    respondents = {i.pk: state.respondent(ctx, i.provider, axes) for i in invitations}
    outcomes = _outcomes(panel, invitations, respondents, state)
    responses = []
    for invitation in invitations:
        # Each provider's own generator: its answers do not move when the panel does.
        name = invitation.provider.normalized_name
        rng = ctx.rng("diagnostics", spec.office_slug, spec.name, name)
        outcome = outcomes.get(invitation.pk, "invited")
        response = _history(panel, invitation, respondents[invitation.pk], outcome, rng)
        if response is not None:
            responses.append(response)
    created = _write_rows(panel, invitations, responses)

    state.completed = {r.provider_id for r in created if r.completed_at is not None}
    state.campaigns += 1
    return panel.campaign, CampaignCounts(
        panel=len(invitations),
        invited=sum(1 for i in invitations if i.sent_at),
        opened=sum(1 for i in invitations if i.opened_at),
        in_progress=sum(1 for r in created if r.completed_at is None),
        completed=len(state.completed),
        assisted=sum(1 for r in created if r.source == ResponseSource.ASSISTED),
    )


def build(ctx: DemoContext) -> None:
    """Demo step: the diagnostic campaigns, their invitations and responses."""
    version = versions.ensure_default_version()
    states: dict[str, _OfficeState] = {}
    result = ctx.result
    for spec in CAMPAIGNS:
        campaign, counts = write_campaign(
            ctx, spec, states.setdefault(spec.office_slug, _OfficeState()), version
        )
        totals = result.counts.setdefault(spec.office_slug, {})
        for what, value in (
            ("campagnes", 1),
            ("diagnostics terminés", counts.completed),
            ("diagnostics en cours", counts.in_progress),
        ):
            result.count(spec.office_slug, what, totals.get(what, 0) + value)
        result.count(spec.office_slug, f"{campaign.slug} : visés", counts.panel)
        result.count(spec.office_slug, f"{campaign.slug} : terminés", counts.completed)
        result.count(spec.office_slug, f"{campaign.slug} : en cours", counts.in_progress)
        ctx.log(
            _(
                "%(office)s, %(campaign)s : %(panel)s adhérents visés, %(invited)s invités "
                "par e-mail, %(completed)s diagnostics terminés (dont %(assisted)s avec "
                "l'animatrice), %(in_progress)s en cours."
            )
            % {
                "office": result.offices[spec.office_slug].name,
                "campaign": campaign.name,
                "panel": counts.panel,
                "invited": counts.invited,
                "completed": counts.completed,
                "assisted": counts.assisted,
                "in_progress": counts.in_progress,
            }
        )
