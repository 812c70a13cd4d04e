"""The demo step "ateliers": the workshop programme, from needs to measured progress.

Each office gets the theme catalogue, its workshop settings, two or three rooms and the
animator's availability. Haut-Vallon shows the whole loop:

- a past programme, « Hiver 2025-2026 » (October 2025 to March 2026), proposed by the
  programme builder from the needs of the 2025 diagnostic, published, with its history
  written directly (invitations sent before each session, registrations, attendance and
  feedback): the registration service rightly refuses sessions that are over;
- an upcoming programme, « Hiver 2026-2027 », proposed by the same builder
  (:func:`balise.workshops.programmes.create_programme`) from the 2026 needs over three
  months starting on 5 January 2027 (or two weeks from today, whichever is later),
  published, its invitations marked as sent, and registrations taken through
  :func:`balise.workshops.registrations.register` so capacity and waiting lists hold;
- a dozen individual appointment slots, three of them booked.

Val d'Arre, whose first diagnostic is the 2026 one, gets the upcoming programme and a few
appointment slots only.

No e-mail leaves: the demo never calls the sending services, it stamps the rows instead.
The builder runs with its greedy method, which is fast and gives the same programme for
the same data (CP-SAT's answer depends on the time it gets on the machine).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from statistics import mean
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from balise.diagnostics.models import AxisScore, Campaign, Response
from balise.lib.tokens import new_key
from balise.members.models import Provider
from balise.offices.models import Office, Role, User
from balise.workshops import programmes, registrations
from balise.workshops.catalogue import DEFAULT_HIGH_SEASON, ensure_catalogue, save_settings
from balise.workshops.invitations import invitation_reasons, mailable_q, refusal_reason
from balise.workshops.models import (
    Appointment,
    AppointmentSlot,
    CandidateSlot,
    Feedback,
    Format,
    Programme,
    ProgrammeStatus,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
    ThemeAlert,
    Venue,
)

from .context import DemoContext
from .territory import OFFICES

PARIS = ZoneInfo("Europe/Paris")
SOLVER = "greedy"


@dataclass(frozen=True)
class VenueSpec:
    name: str
    address: str
    capacity: int
    notes: str


VENUES = {
    "haut-vallon": (
        VenueSpec(
            "Salle de l'office de tourisme",
            "2 place du Temple, 30570 Saint-Martin-de-Vallon",
            12,
            "Rez-de-chaussée accessible en fauteuil ; parking place du Temple.",
        ),
        VenueSpec(
            "Médiathèque de Valcrose",
            "4 rue des Écoles, 30570 Valcrose",
            16,
            "Salle d'animation à l'étage, ascenseur ; wifi public.",
        ),
        VenueSpec(
            "Tiers-lieu La Filature",
            "12 chemin de la Filature, 30440 La Bastide-du-Vallon",
            10,
            "Ancienne filature rénovée, de plain-pied ; café sur place.",
        ),
    ),
    "val-d-arre": (
        VenueSpec(
            "Salle de l'office de tourisme",
            "5 quai de l'Arre, 30750 Pont-d'Arre",
            12,
            "Accessible en fauteuil ; parking du quai.",
        ),
        VenueSpec(
            "Médiathèque d'Avelines",
            "1 place de la Halle, 30750 Avelines",
            16,
            "Salle multimédia au rez-de-chaussée.",
        ),
    ),
}

PAST_NAME = "Hiver 2025-2026"
PAST_START, PAST_END = date(2025, 10, 6), date(2026, 3, 27)
PAST_PUBLISHED = datetime(2025, 9, 23, 10, 15, tzinfo=PARIS)
PAST_SESSIONS = 20  # about one a week over the winter
UPCOMING_NAME = "Hiver 2026-2027"
UPCOMING_EARLIEST = date(2027, 1, 5)
# Christmas holidays: the office is busy and providers are away.
HOLIDAYS = ((date(2025, 12, 20), date(2026, 1, 4)), (date(2026, 12, 19), date(2027, 1, 3)))

ATTENDANCE = 0.8  # share of confirmed registrants who came
FEEDBACK = 0.8  # share of attendees who gave their opinion
RATINGS = {5: 44, 4: 36, 3: 14, 2: 5, 1: 1}
COMMENTS = (
    "Très concret, je suis reparti(e) avec ma fiche à jour.",
    "Bon rythme, et on a pu poser toutes nos questions.",
    "Un peu court : une deuxième séance serait la bienvenue.",
    "J'ai enfin compris comment répondre aux avis sans m'énerver !",
    "Merci à Léa pour sa patience, l'atelier était très clair.",
    "Utile, mais le wifi de la salle était un peu lent.",
    "Les exemples pris chez d'autres adhérents m'ont beaucoup aidé.",
    "J'aurais aimé plus de pratique sur mon propre téléphone.",
    "Parfait pour débuter, je m'inscris à la suite.",
    "Ambiance conviviale, on a échangé entre voisins : à refaire.",
)
APPOINTMENT_NOTES = (
    "Mettre à jour ma fiche sur le site de l'office et la base régionale.",
    "Je voudrais de l'aide pour ouvrir la réservation en ligne sur mon site.",
    "Comprendre les statistiques de ma page Facebook.",
)


# --- Small helpers ----------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _animator(slug: str, users: dict[str, User]) -> User:
    """The office's animator, or its first staff member (Val d'Arre has only a director)."""
    staff = next(spec for spec in OFFICES if spec.slug == slug).staff
    chosen = next((s for s in staff if s.role == Role.ANIMATOR), staff[0])
    return users[chosen.email]


def _in_holidays(day: date) -> bool:
    return any(start <= day <= end for start, end in HOLIDAYS)


def _weekdays(start: date, end: date):
    day = start
    while day <= end:
        # Weekdays only, never in July or August (high season for most members).
        if day.weekday() < 5 and day.month not in (7, 8) and not _in_holidays(day):
            yield day
        day += timedelta(days=1)


def _create_candidate_slots(
    office: Office,
    venues: list[Venue],
    start: date,
    end: date,
    rng: Random,
    *,
    every: int = 1,
    online_every: int = 3,
) -> list[CandidateSlot]:
    """The animator's availability: a half-day in a room every ``every`` weeks (mornings
    9:30–12:30 or afternoons 14:00–17:00, Tuesday to Thursday mostly), and an online
    lunchtime slot every ``online_every`` weeks for webinars."""
    by_week: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in _weekdays(start, end):
        by_week[day.isocalendar()[:2]].append(day)
    slots = []
    for index, (_week, days) in enumerate(sorted(by_week.items())):
        preferred = [d for d in days if d.weekday() in (1, 2, 3)] or days
        if index % every == 0:
            day = rng.choice(preferred)
            morning = rng.random() < 0.55
            begin, finish = ((9, 30), (12, 30)) if morning else ((14, 0), (17, 0))
            slots.append(
                CandidateSlot(
                    office=office,
                    starts_at=_at(day, *begin),
                    ends_at=_at(day, *finish),
                    venue=venues[rng.randrange(len(venues))],
                )
            )
        if index % online_every == 1:
            day = days[-1] if days[-1].weekday() != 4 else days[0]
            slots.append(
                CandidateSlot(
                    office=office,
                    starts_at=_at(day, 12, 30),
                    ends_at=_at(day, 14, 0),
                    venue=None,
                    note=_("En visio, à la pause de midi"),
                )
            )
    return CandidateSlot.objects.bulk_create(slots)


def _setup(ctx: DemoContext, office: Office, animator: User) -> list[Venue]:
    """Catalogue, settings (default high seasons, a signature) and the office's rooms."""
    ensure_catalogue(office)
    save_settings(
        office=office,
        high_season=DEFAULT_HIGH_SEASON,
        signature=_("%(name)s, animation numérique — %(office)s, %(phone)s")
        % {"name": animator.full_name, "office": office.name, "phone": office.phone},
    )
    return Venue.objects.bulk_create(
        [
            Venue(office=office, name=spec.name, address=spec.address, capacity=spec.capacity,
                  notes=spec.notes)
            for spec in VENUES[office.slug]
        ]
    )  # fmt: skip


def _contact(provider: Provider) -> str:
    return provider.contact_name or provider.name


# --- The past programme -----------------------------------------------------------------


def _improvement(office: Office, before: Campaign, after: Campaign) -> dict[int, dict[str, float]]:
    """{provider id: {axis: score change}} for the providers who completed both campaigns."""
    scores: dict[tuple[int, str], dict[int, float]] = defaultdict(dict)
    rows = AxisScore.objects.filter(
        response__campaign__in=(before, after),
        response__completed_at__isnull=False,
        score__isnull=False,
    ).values_list("response__campaign_id", "response__provider_id", "axis", "score")
    for campaign_id, provider_id, axis, value in rows:
        scores[(provider_id, axis)][campaign_id] = value
    changes: dict[int, dict[str, float]] = defaultdict(dict)
    for (provider_id, axis), by_campaign in scores.items():
        if before.pk in by_campaign and after.pk in by_campaign:
            changes[provider_id][axis] = by_campaign[after.pk] - by_campaign[before.pk]
    return changes


def _propose_past(
    office: Office, campaign: Campaign, slots: list[CandidateSlot], animator: User
) -> Programme:
    """The builder's proposal over the demo's past slots (history, so the slots are given:
    the animator's page only offers slots still to come)."""
    return programmes.create_programme(
        office=office,
        campaign=campaign,
        name=PAST_NAME,
        starts_on=PAST_START,
        ends_on=PAST_END,
        user=animator,
        solver=SOLVER,
        slots=slots,
        max_sessions=PAST_SESSIONS,
    )


def _past_history(
    office: Office,
    programme: Programme,
    changes: dict[int, dict[str, float]],
    rng: Random,
) -> tuple[int, int, int]:
    """Publish the past programme as it happened, then write its registrations,
    attendance and feedback. Returns (registrations, attendees, feedback)."""
    Programme.objects.filter(pk=programme.pk).update(
        status=ProgrammeStatus.PUBLISHED,
        published_at=PAST_PUBLISHED,
        created_at=PAST_PUBLISHED - timedelta(days=6),
    )
    sessions = list(
        Session.objects.filter(programme=programme).select_related("theme").order_by("starts_at")
    )
    Session.objects.filter(programme=programme).update(
        status=SessionStatus.PUBLISHED, created_at=PAST_PUBLISHED - timedelta(days=6)
    )
    invitations = list(
        SessionInvitation.objects.filter(session__programme=programme)
        .select_related("provider")
        .order_by("session__starts_at", "provider__normalized_name", "pk")
    )
    by_session: dict[int, list[SessionInvitation]] = defaultdict(list)
    for invitation in invitations:
        by_session[invitation.session_id].append(invitation)
        invitation.created_at = PAST_PUBLISHED - timedelta(days=6)
        if not refusal_reason(invitation.provider):
            # Every invitation left the day the programme was published, before any session.
            invitation.email = invitation.provider.email
            invitation.sent_at = PAST_PUBLISHED + timedelta(minutes=rng.randint(1, 20))
    SessionInvitation.objects.bulk_update(invitations, ["created_at", "email", "sent_at"])

    others = list(
        Provider.objects.filter(office=office, archived_at__isnull=True)
        .exclude(email="")
        .order_by("normalized_name", "pk")
    )
    rows: list[Registration] = []
    for session in sessions:
        rows += _past_registrations(session, by_session[session.pk], others, changes, rng)
    stamps = [row.created_at for row in rows]
    Registration.objects.bulk_create(rows, batch_size=500)
    # auto_now_add stamped "now": put each registration back in its winter.
    for row, stamp in zip(rows, stamps, strict=True):
        row.created_at = stamp
    Registration.objects.bulk_update(rows, ["created_at"], batch_size=500)
    for session in sessions:
        Session.objects.filter(pk=session.pk).update(
            reminder_sent_at=_at(timezone.localdate(session.starts_at) - timedelta(days=1), 9)
        )

    feedback = []
    for registration in rows:
        if registration.attended and rng.random() < FEEDBACK:
            rating = rng.choices(list(RATINGS), weights=list(RATINGS.values()))[0]
            feedback.append(
                Feedback(
                    registration=registration,
                    rating=rating,
                    useful=rating >= 3 if rng.random() < 0.9 else None,
                    comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
                )
            )
    Feedback.objects.bulk_create(feedback, batch_size=500)
    for item in feedback:  # given in the days after the session
        item.created_at = item.registration.session.ends_at + timedelta(
            hours=rng.randint(2, 72), minutes=rng.randint(0, 59)
        )
    Feedback.objects.bulk_update(feedback, ["created_at"], batch_size=500)
    attendees = sum(1 for r in rows if r.attended)
    return len(rows), attendees, len(feedback)


def _past_registrations(
    session: Session,
    invitations: list[SessionInvitation],
    others: list[Provider],
    changes: dict[int, dict[str, float]],
    rng: Random,
) -> list[Registration]:
    """Who registered to a past session, who came.

    The demo draws registrants and attendees preferentially among the invitees whose
    scores on the theme's axes improved most between the 2025 and 2026 diagnostics, so
    that the progress page has an effect to show. This is how the demo is made, not a
    finding: on a real territory the figures come from real attendance and real answers.
    """
    axes = [axis for axis in session.theme.axes or [] if isinstance(axis, str)]

    def gain(provider_id: int) -> float | None:
        found = [changes[provider_id][a] for a in axes if a in changes.get(provider_id, {})]
        return mean(found) if found else None

    candidates = [i.provider for i in invitations if i.provider.email]
    # Best improvers first; then those who did not answer the 2026 diagnostic, in a
    # random order; the least improved last.
    measured = sorted(
        (p for p in candidates if gain(p.pk) is not None), key=lambda p: -(gain(p.pk) or 0)
    )
    unmeasured = [p for p in candidates if gain(p.pk) is None]
    rng.shuffle(unmeasured)
    top, rest = measured[: len(measured) * 2 // 3 + 1], measured[len(measured) * 2 // 3 + 1 :]
    ordered = top + unmeasured + rest
    wanted = min(session.capacity, round(session.capacity * rng.uniform(0.6, 1.0)))
    chosen = ordered[: max(wanted - 1, 1)]
    # One or two people came from the public page without an invitation.
    for provider in rng.sample(others, 2):
        if provider not in chosen and provider.pk not in changes and len(chosen) < wanted:
            chosen.append(provider)
    invited = {i.provider_id for i in invitations}
    rows, emails = [], set()
    start = session.starts_at
    for provider in chosen:
        email = provider.email.lower()
        if email in emails:
            continue
        emails.add(email)
        improved = (gain(provider.pk) or 0) > 0
        # Absences fall on the others first: most of those who were followed came.
        present = rng.random() < (0.95 if improved else ATTENDANCE - 0.15)
        rows.append(
            Registration(
                office_id=session.office_id,
                session=session,
                provider=provider,
                name=_contact(provider),
                email=email,
                business=provider.name,
                status=RegistrationStatus.CONFIRMED,
                source=RegistrationSource.INVITATION
                if provider.pk in invited
                else RegistrationSource.PUBLIC,
                attended=present,
                key=new_key(),
                created_at=start - timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 9)),
                reminder_sent_at=_at(timezone.localdate(start) - timedelta(days=1), 9),
            )
        )
    return rows


def _past_programme(
    ctx: DemoContext, office: Office, venues: list[Venue], animator: User, rng: Random
) -> None:
    campaigns = list(Campaign.objects.filter(office=office).order_by("starts_on"))
    if len(campaigns) < 2:
        return
    before, after = campaigns[0], campaigns[-1]
    slots = _create_candidate_slots(office, venues, PAST_START, PAST_END, rng)
    programme = _propose_past(office, before, slots, animator)
    changes = _improvement(office, before, after)
    count, attendees, feedback = _past_history(office, programme, changes, rng)
    ctx.result.count(office.slug, "séances passées", programme.sessions.count())
    ctx.result.count(office.slug, "présences", attendees)
    ctx.result.count(office.slug, "avis sur les séances", feedback)
    ctx.log(
        _(
            "%(office)s, programme « %(name)s » : %(sessions)s séances tenues, "
            "%(registrations)s inscriptions, %(attendees)s présents, %(feedback)s avis."
        )
        % {
            "office": office.name,
            "name": programme.name,
            "sessions": programme.sessions.count(),
            "registrations": count,
            "attendees": attendees,
            "feedback": feedback,
        }
    )


# --- The upcoming programme -------------------------------------------------------------


def upcoming_period(today: date) -> tuple[date, date]:
    """Three months from 5 January 2027, or from two weeks after today when later."""
    start = max(UPCOMING_EARLIEST, today + timedelta(days=14))
    end = start + timedelta(days=90)
    return start, end


def _publish_quietly(programme: Programme, published_at: datetime) -> None:
    """What :func:`programmes.publish_programme` does, without its e-mails: the sessions
    and the programme published, the invitations the service would have mailed marked
    as sent, each with its personal reason."""
    Session.objects.filter(programme=programme, status=SessionStatus.DRAFT).update(
        status=SessionStatus.PUBLISHED
    )
    Programme.objects.filter(pk=programme.pk).update(
        status=ProgrammeStatus.PUBLISHED, published_at=published_at
    )
    invitations = list(
        SessionInvitation.objects.filter(
            session__programme=programme, provider__in=Provider.objects.filter(mailable_q())
        )
        .select_related("provider", "session__theme")
        .order_by("pk")
    )
    # The providers' latest completed diagnostic is the programme's campaign here.
    reasons = invitation_reasons(
        Response.objects.filter(campaign=programme.campaign, completed_at__isnull=False)
    )
    for invitation in invitations:
        invitation.email = invitation.provider.email
        invitation.sent_at = published_at
        invitation.reason = reasons.get((invitation.provider_id, invitation.session.theme.code), "")
    SessionInvitation.objects.bulk_update(invitations, ["email", "sent_at", "reason"])


def _upcoming_programme(
    ctx: DemoContext,
    office: Office,
    venues: list[Venue],
    animator: User,
    rng: Random,
    *,
    every: int,
    online_every: int,
    full: int,
    spring: bool,
) -> None:
    campaign = Campaign.objects.filter(office=office).order_by("-starts_on", "-pk").first()
    if campaign is None:
        return
    start, end = upcoming_period(timezone.localdate())
    _create_candidate_slots(office, venues, start, end, rng, every=every, online_every=online_every)
    if spring:
        # The animator already said when she is free in the spring: the next programme
        # can be proposed from the needs page (the end-to-end tour does it).
        _create_candidate_slots(
            office, venues, end + timedelta(days=7), end + timedelta(days=63), rng
        )
    programme = programmes.create_programme(
        office=office,
        campaign=campaign,
        name=UPCOMING_NAME,
        starts_on=start,
        ends_on=end,
        user=animator,
        solver=SOLVER,
    )
    # Published two days ago (a fixed hour, so the same seed gives the same rows).
    _publish_quietly(programme, _at(timezone.localdate() - timedelta(days=2), 10))
    sessions = list(
        Session.objects.filter(programme=programme)
        .select_related("theme", "office")
        .order_by("starts_at", "pk")
    )
    # A few sessions are already full with people waiting; most still have places.
    full_ids = {s.pk for s in rng.sample(sessions, min(full, len(sessions)))}
    invitees = defaultdict(list)
    for invitation in (
        SessionInvitation.objects.filter(session__programme=programme, sent_at__isnull=False)
        .select_related("provider")
        .order_by("provider__normalized_name", "pk")
    ):
        invitees[invitation.session_id].append(invitation.provider)
    pool = list(
        Provider.objects.filter(office=office, archived_at__isnull=True)
        .exclude(email="")
        .order_by("normalized_name", "pk")
    )
    registered = waiting = 0
    for session in sessions:
        if session.pk in full_ids:
            wanted = session.capacity + rng.randint(2, 3)
        else:
            wanted = round(session.capacity * rng.uniform(0.15, 0.65))
        people = list(invitees[session.pk])
        rng.shuffle(people)
        extra = [p for p in rng.sample(pool, min(len(pool), wanted + 5)) if p not in people]
        for provider in (people + extra)[:wanted]:
            registration, created = registrations.register(
                session=session,
                name=_contact(provider),
                email=provider.email,
                provider=provider,
                business=provider.name,
                source=RegistrationSource.INVITATION
                if provider in invitees[session.pk]
                else RegistrationSource.PUBLIC,
                notify=False,
            )
            if created:
                registered += 1
                waiting += registration.status == RegistrationStatus.WAITING
    ctx.result.count(office.slug, "séances à venir", len(sessions))
    ctx.result.count(office.slug, "inscriptions à venir", registered)
    ctx.log(
        _(
            "%(office)s, programme « %(name)s » (%(start)s – %(end)s) : %(sessions)s séances "
            "publiées, %(registrations)s inscriptions dont %(waiting)s en liste d'attente."
        )
        % {
            "office": office.name,
            "name": programme.name,
            "start": start.strftime("%d/%m/%Y"),
            "end": end.strftime("%d/%m/%Y"),
            "sessions": len(sessions),
            "registrations": registered,
            "waiting": waiting,
        }
    )


# --- Individual appointments ------------------------------------------------------------


def _appointments(
    ctx: DemoContext, office: Office, venue: Venue, animator: User, rng: Random, *, days: int,
    booked: int,
) -> None:  # fmt: skip
    """``days`` afternoons of three one-hour slots in the coming weeks; ``booked`` taken."""
    today = timezone.localdate()
    slots = []
    day = today + timedelta(days=3)
    while len(slots) < 3 * days:
        day += timedelta(days=1)
        if day.weekday() == 1 and not _in_holidays(day):  # Tuesday afternoons
            slots += [
                AppointmentSlot(
                    office=office,
                    animator=animator,
                    starts_at=_at(day, hour),
                    ends_at=_at(day, hour + 1),
                    place=f"{venue.name}, {venue.address}",
                )
                for hour in (14, 15, 16)
            ]
    slots = AppointmentSlot.objects.bulk_create(slots)
    themes = {t.code: t for t in office.workshop_themes.filter(format=Format.ONE_TO_ONE)}
    taken = sorted(rng.sample(slots, booked), key=lambda slot: slot.starts_at)
    people = rng.sample(
        list(
            Provider.objects.filter(office=office, archived_at__isnull=True)
            .exclude(email="")
            .order_by("normalized_name", "pk")
        ),
        booked,
    )
    # Bookings written directly: the booking service would e-mail a confirmation.
    Appointment.objects.bulk_create(
        [
            Appointment(
                office=office,
                slot=slot,
                provider=provider,
                name=_contact(provider),
                email=provider.email.lower(),
                theme=themes.get("fiche_ot_sit") if index == 0 else None,
                note=APPOINTMENT_NOTES[index % len(APPOINTMENT_NOTES)],
                key=new_key(),
            )
            for index, (slot, provider) in enumerate(zip(taken, people, strict=True))
        ]
    )
    ctx.result.count(office.slug, "créneaux de rendez-vous", len(slots))
    ctx.result.count(office.slug, "rendez-vous réservés", booked)


def _alerts(ctx: DemoContext, office: Office, rng: Random) -> None:
    """A few « prévenez-moi » on themes with no session to come, left by providers."""
    planned = Session.objects.filter(office=office, starts_at__gt=timezone.now()).values("theme")
    themes = list(
        Theme.objects.filter(office=office, active=True).exclude(pk__in=planned).order_by("code")
    )[:2]
    people = list(
        Provider.objects.filter(office=office, archived_at__isnull=True)
        .exclude(email="")
        .order_by("pk")[:40]
    )
    alerts = [
        ThemeAlert(office=office, theme=theme, email=provider.email.lower(), key=new_key())
        for theme in themes
        for provider in rng.sample(people, min(3, len(people)))
    ]
    ThemeAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    ctx.result.count(office.slug, "demandes « prévenez-moi »", len(alerts))


# --- The step ---------------------------------------------------------------------------


def build(ctx: DemoContext) -> None:
    """Demo step: workshop catalogue, rooms, programmes with their history, appointments.

    Side effects: for each demo office, the catalogue's themes, WorkshopSettings, Venues,
    CandidateSlots, Programmes with Sessions, SessionInvitations (stamped as sent, no
    e-mail), Registrations (through the service for sessions to come), attendance and
    Feedback for past sessions, AppointmentSlots, a few Appointments and a few
    « prévenez-moi » (ThemeAlert) on themes with no session to come.
    """
    for slug, office in ctx.result.offices.items():
        rng = ctx.rng("ateliers", slug)
        animator = _animator(slug, ctx.result.users)
        venues = _setup(ctx, office, animator)
        main = slug == ctx.result.main_office.slug
        if main:
            _past_programme(ctx, office, venues, animator, rng)
        _upcoming_programme(
            ctx,
            office,
            venues,
            animator,
            rng,
            every=1 if main else 2,
            online_every=3 if main else 4,
            full=2 if main else 1,
            spring=main,
        )
        _appointments(
            ctx, office, venues[0], animator, rng, days=4 if main else 2, booked=3 if main else 1
        )
        _alerts(ctx, office, rng)
        ctx.result.count(slug, "lieux d'ateliers", len(venues))
        ctx.result.count(slug, "séances", Session.objects.filter(office=office).count())
