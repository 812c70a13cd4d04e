"""The programme builder: from a campaign's needs and the animator's slots to a draft
programme with its sessions and unsent invitations, then publishing it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from balise.members.models import Category
from balise.workshops import catalogue, optimiser, programmes, rationale
from balise.workshops.models import (
    ProgrammeStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
)

from .diagnosed import default_campaign, diagnosed
from .factories import CandidateSlotFactory, SessionFactory, VenueFactory

YEAR = timezone.localdate().year + 1


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(YEAR, month, day, hour))


NO_GOOGLE = {"visi.google_business": "aucune", "besoins.themes": ["google_business"]}


@pytest.fixture
def setup(office):
    catalogue.ensure_catalogue(office)
    campaign = default_campaign(office)
    campings = [
        diagnosed(campaign, NO_GOOGLE | {"besoins.mois": ["m11"]}, category=Category.CAMPSITE)
        for _ in range(2)
    ]
    restaurant = diagnosed(campaign, {"visi.google_business": "incomplete"}, category=Category.SHOP)
    room = VenueFactory(office=office, name="Salle du conseil", capacity=8)
    november = CandidateSlotFactory(
        office=office, venue=room, starts_at=at(11, 10), ends_at=at(11, 10, 12)
    )
    july = CandidateSlotFactory(office=office, venue=room, starts_at=at(7, 7), ends_at=at(7, 7, 12))
    return {
        "campaign": campaign,
        "campings": [r.provider for r in campings],
        "shop": restaurant.provider,
        "room": room,
        "november": november,
        "july": july,
    }


def _create(office, setup, user=None, **kwargs):
    return programmes.create_programme(
        office=office,
        campaign=setup["campaign"],
        name="Hiver",
        starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
        user=user,
        **kwargs,
    )


def test_build_problem_blocks_high_season_and_keeps_the_period_slots(office, setup):
    CandidateSlotFactory(office=office, starts_at=at(1, 5) - dt.timedelta(days=800))  # past
    CandidateSlotFactory(  # outside the period
        office=office, starts_at=timezone.make_aware(dt.datetime(YEAR + 1, 2, 1, 9))
    )
    problem = programmes.build_problem(
        office=office,
        campaign=setup["campaign"],
        starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
    )
    assert [slot.id for slot in problem.slots] == [setup["july"].pk, setup["november"].pk]
    assert problem.slots[0].venue_capacity == 8
    providers = {p.id: p for p in problem.providers}
    camping = providers[setup["campings"][0].pk]
    assert camping.blocked_months == {7, 8}
    assert camping.needs == {"google_business": 1.5} and camping.asked == {"google_business"}
    assert providers[setup["shop"].pk].blocked_months == frozenset()
    codes = {theme.code for theme in problem.themes}
    assert "fiche_ot_sit" not in codes  # individual appointments are not planned here
    assert {"google_business", "newsletter", "numerique_responsable"} <= codes
    online = {theme.code for theme in problem.themes if theme.online}
    assert online == {"newsletter", "statistiques", "wifi_obligations"}
    advanced = next(theme for theme in problem.themes if theme.code == "reseaux_avance")
    assert advanced.prerequisite == "reseaux_debuter" and advanced.level_rank == 2


def test_build_problem_leaves_out_inactive_themes(office, setup):
    Theme.objects.filter(office=office, code="google_business").update(active=False)
    problem = programmes.build_problem(
        office=office,
        campaign=setup["campaign"],
        starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
    )
    assert "google_business" not in {theme.code for theme in problem.themes}
    assert problem.providers == []


def test_create_programme_saves_a_draft_within_the_slots(office, setup, animator):
    programme = _create(office, setup, user=animator, solver="greedy")

    assert programme.status == ProgrammeStatus.DRAFT
    assert programme.created_by == animator and programme.campaign == setup["campaign"]
    assert programme.summary["needs_total"] == 3
    assert programme.summary["needs_covered"] == 3
    assert set(programme.summary) >= {"needs_total", "needs_covered", "weight", "seconds", "status"}
    sessions = list(programme.sessions.order_by("starts_at"))
    slot_starts = {setup["july"].starts_at, setup["november"].starts_at}
    for session in sessions:
        assert session.status == SessionStatus.DRAFT
        assert session.starts_at in slot_starts
        assert session.venue == setup["room"]
        assert session.capacity == min(session.theme.default_capacity, 8)
        assert session.why.endswith(".")
    invited = {
        (inv.session.starts_at.month, inv.provider_id)
        for inv in SessionInvitation.objects.select_related("session")
    }
    # The campsites are never invited in July (high season of accommodation).
    assert {(11, p.pk) for p in setup["campings"]} <= invited
    assert all(month != 7 for month, pid in invited if pid != setup["shop"].pk)
    invitation = SessionInvitation.objects.first()
    assert invitation.sent_at is None and invitation.reason == "" and invitation.key
    assert invitation.email == invitation.provider.email
    assert sum(s.needs_covered for s in sessions) == SessionInvitation.objects.count() == 3


def test_create_programme_keeps_the_reasons_and_says_them_in_the_reader_language(
    office, setup, monkeypatch
):
    camping_ids = [p.pk for p in setup["campings"]]

    def fixed(problem, *, solver, time_limit):
        session = optimiser.PlannedSession(
            slot_id=setup["november"].pk,
            theme_code="google_business",
            invitees=[*camping_ids, setup["shop"].pk],
            weight=3.8,
            reasons={"asked": 2, "gap": 1, "preferred_month": 2, "preferred_moment": 0},
        )
        return optimiser.Proposal([session], 3, 3, 3.8, 3.8, "greedy", "heuristic", 0.01)

    monkeypatch.setattr(optimiser, "propose", fixed)
    programme = _create(office, setup)
    session = programme.sessions.get()
    assert session.why == (
        "2 prestataires l'ont demandé, 1 autre a ce besoin d'après son diagnostic ; "
        "2 sont disponibles en novembre."
    )
    with translation.override("en"):
        english = session.why
    assert english.startswith("2 providers requested it, 1 other has this need")
    assert english.endswith("2 are available in November.")
    assert session.theme.code == "google_business"
    assert session.ends_at == setup["november"].ends_at  # 2 h 30 fits the 3-hour slot
    assert session.needs_covered == 3
    assert set(session.invitations.values_list("provider_id", flat=True)) == {
        *camping_ids,
        setup["shop"].pk,
    }


def test_rationale_without_askers_or_month(office):
    assert rationale.why_sentence({"gap": 1}, month=3) == (
        "1 prestataire a ce besoin d'après son diagnostic."
    )


def test_create_programme_needs_future_slots_in_the_period(office, setup):
    with pytest.raises(ValidationError):
        programmes.create_programme(
            office=office,
            campaign=setup["campaign"],
            name="Vide",
            starts_on=dt.date(YEAR, 2, 1),
            ends_on=dt.date(YEAR, 2, 28),
            user=None,
        )


def test_create_programme_refuses_another_office_campaign(other_office, setup):
    with pytest.raises(ValidationError):
        _create(other_office, setup)


class FakeSend:
    """Stands for W4's send_invitations: records its calls, says it sent ``sent`` each."""

    def __init__(self, sent: int):
        self.sent, self.calls = sent, []

    def __call__(self, *, session, user=None):
        self.calls.append((session, user))
        return self.sent


@pytest.fixture
def fake_send(monkeypatch):
    from balise.workshops import invitations

    fake = FakeSend(2)
    monkeypatch.setattr(invitations, "send_invitations", fake)
    return fake


def test_publish_publishes_drafts_and_sends_their_invitations(office, setup, animator, fake_send):
    send = fake_send
    programme = _create(office, setup, solver="greedy")
    count = programme.sessions.count()
    assert count >= 1

    sent = programmes.publish_programme(programme=programme, user=animator)

    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.PUBLISHED and programme.published_at
    assert set(programme.sessions.values_list("status", flat=True)) == {SessionStatus.PUBLISHED}
    pending = SessionInvitation.objects.filter(session__programme=programme).count()
    assert len(send.calls) == count and sent == pending
    assert {user for _session, user in send.calls} == {animator}
    assert {session.status for session, _user in send.calls} == {SessionStatus.PUBLISHED}
    # Publishing again sends nothing more: no draft left.
    first = programme.published_at
    assert programmes.publish_programme(programme=programme, user=animator) == 0
    programme.refresh_from_db()
    assert programme.published_at == first


def test_only_draft_sessions_and_programmes_are_deleted(office, setup, fake_send):
    programme = _create(office, setup, solver="greedy")
    SessionFactory(office=office, programme=programme, status=SessionStatus.DRAFT)
    session = programme.sessions.first()
    programmes.delete_draft_session(session=session)
    assert not Session.objects.filter(pk=session.pk).exists()
    programmes.publish_programme(programme=programme)
    published = programme.sessions.first()
    with pytest.raises(ValidationError):
        programmes.delete_draft_session(session=published)
    with pytest.raises(ValidationError):
        programmes.delete_draft_programme(programme=programme)


def test_given_slots_and_a_session_cap_are_honoured(office, setup):
    # Only the November slot is offered, and at most one session: the programme holds one
    # session in that slot, whatever the other slots of the period.
    programme = _create(office, setup, solver="greedy", slots=[setup["november"]], max_sessions=1)
    sessions = list(programme.sessions.all())
    assert len(sessions) == 1
    assert sessions[0].starts_at == setup["november"].starts_at
