"""Staff workshop pages of W1: home, catalogue, venues, slots, needs, programmes, settings.
Each page is read by the office's staff (lecteur included), changed only by animateur or
admin (403 for the lecteur), and hidden from other offices (404)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from balise.members.models import Provider
from balise.workshops import catalogue
from balise.workshops.models import (
    CandidateSlot,
    Programme,
    ProgrammeStatus,
    RegistrationStatus,
    Session,
    SessionStatus,
    Theme,
    Venue,
    WorkshopSettings,
)

from ..factories import ProviderFactory
from .diagnosed import default_campaign, diagnosed
from .factories import (
    CandidateSlotFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
    ThemeFactory,
    VenueFactory,
)

YEAR = timezone.localdate().year + 1
READ_PAGES = [
    "home",
    "theme_list",
    "venue_list",
    "slot_list",
    "needs",
    "programme_list",
    "settings",
]


def url(name, office, *args):
    return reverse(f"workshops:{name}", args=[office.slug, *args])


def local(value: str) -> str:
    return value  # datetime-local input format, read in the office's time zone


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", READ_PAGES)
def test_staff_read(client_for, office, reader, name):
    assert client_for(reader).get(url(name, office)).status_code == 200


@pytest.mark.parametrize(
    "name", ["theme_create", "venue_create", "slot_create", "programme_create"]
)
def test_create_pages_need_the_edit_role(client_for, office, animator, reader, name):
    assert client_for(animator).get(url(name, office)).status_code == 200
    assert client_for(reader).get(url(name, office)).status_code == 403
    assert client_for(reader).post(url(name, office), {}).status_code == 403


def test_reader_cannot_change_anything(client_for, office, reader):
    venue = VenueFactory(office=office)
    slot = CandidateSlotFactory(office=office, venue=venue)
    programme = ProgrammeFactory(office=office)
    session = SessionFactory(office=office, programme=programme, status=SessionStatus.DRAFT)
    theme = session.theme
    client = client_for(reader)
    posts = [
        url("theme_edit", office, theme.pk),
        url("venue_edit", office, venue.pk),
        url("venue_delete", office, venue.pk),
        url("slot_delete", office, slot.pk),
        url("programme_publish", office, programme.pk),
        url("programme_delete", office, programme.pk),
        url("programme_session_delete", office, programme.pk, session.pk),
        url("settings", office),
    ]
    for target in posts:
        assert client.post(target, {"name": "x", "title": "x"}).status_code == 403, target
    assert Venue.objects.filter(pk=venue.pk).exists()
    assert CandidateSlot.objects.filter(pk=slot.pk).exists()
    assert Session.objects.filter(pk=session.pk, status=SessionStatus.DRAFT).exists()
    assert not WorkshopSettings.objects.exists()


# --- Home ---------------------------------------------------------------------------------


def test_home_shows_upcoming_published_sessions_with_places_left(client_for, office, reader):
    session = SessionFactory(office=office, capacity=3, title="Fiche Google au bourg")
    RegistrationFactory.create_batch(2, session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    SessionFactory(office=office, title="Brouillon caché", status=SessionStatus.DRAFT)
    SessionFactory(
        office=office,
        title="Séance passée",
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3, hours=-2),
    )
    response = client_for(reader).get(url("home", office))
    upcoming = list(response.context["upcoming"])
    assert [s.title for s in upcoming] == ["Fiche Google au bourg"]
    assert (upcoming[0].confirmed, upcoming[0].places_left) == (2, 1)
    html = response.content.decode()
    for name in ("session_list", "progress", "appointment_slots", "needs", "theme_list"):
        assert url(name, office) in html


def test_home_links_to_the_public_programme(client_for, office, reader):
    page = client_for(reader).get(url("home", office)).content.decode()
    assert reverse("ateliers:programme", args=[office.slug]) in page


@pytest.mark.parametrize("rows", [1, 3])
def test_home_query_count(client_for, office, reader, django_assert_num_queries, rows):
    for _ in range(rows):
        session = SessionFactory(office=office)
        RegistrationFactory(session=session)
        ProgrammeFactory(office=office)
    client = client_for(reader)
    client.get(url("home", office))
    # session, user, membership, upcoming sessions, programmes
    with django_assert_num_queries(5):
        client.get(url("home", office))


# --- Themes -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_theme_list_query_count(client_for, office, reader, django_assert_num_queries, rows):
    catalogue.ensure_catalogue(office)
    client = client_for(reader)
    for _ in range(rows):
        SessionFactory(office=office, theme=Theme.objects.get(office=office, code="canva"))
    # session, user, membership, catalogue check, themes
    with django_assert_num_queries(6):
        response = client.get(url("theme_list", office))
    assert len(response.context["themes"]) == 19


def test_theme_list_seeds_the_catalogue(client_for, office, reader):
    response = client_for(reader).get(url("theme_list", office))
    assert "Débuter sur Facebook et Instagram" in response.content.decode()
    assert Theme.objects.filter(office=office).count() == 19


def _theme_data(**changes):
    data = {
        "code": "tiktok",
        "title": "TikTok pour les pros",
        "description": "Vidéos courtes.",
        "level": "intermediaire",
        "format": "atelier",
        "duration_minutes": "150",
        "default_capacity": "10",
        "question_codes": ["social.reseaux", "social.frequence"],
        "axes": ["reseaux_sociaux"],
        "active": "on",
    }
    data.update(changes)
    return data


def test_animator_creates_and_edits_a_theme(client_for, office, animator):
    client = client_for(animator)
    response = client.post(url("theme_create", office), _theme_data())
    assert response.status_code == 302
    theme = Theme.objects.get(office=office, code="tiktok")
    assert theme.question_codes == ["social.reseaux", "social.frequence"]
    assert theme.axes == ["reseaux_sociaux"]
    basics = ThemeFactory(office=office, code="reseaux_debuter", title="Débuter")
    response = client.post(
        url("theme_edit", office, theme.pk),
        _theme_data(title="TikTok", prerequisite=str(basics.pk), active=""),
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert (theme.title, theme.active, theme.prerequisite, theme.code) == (
        "TikTok",
        False,
        basics,
        "tiktok",
    )


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"question_codes": ["web.nexiste_pas"]}, "question_codes"),
        ({"question_codes": ["besoins.themes"]}, "question_codes"),
        ({"axes": ["astrologie"]}, "axes"),
        ({"duration_minutes": "5"}, "duration_minutes"),
        ({"default_capacity": "0"}, "default_capacity"),
        ({"code": "google_business"}, "code"),
        ({"code": "pas un code"}, "code"),
        ({"title": ""}, "title"),
    ],
)
def test_theme_form_rejects_bad_input(client_for, office, animator, changes, field):
    ThemeFactory(office=office, code="google_business")
    response = client_for(animator).post(url("theme_create", office), _theme_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Theme.objects.filter(title="TikTok pour les pros").exists()


def test_theme_prerequisite_is_the_office_own_and_not_itself(
    client_for, office, other_office, animator
):
    theme = ThemeFactory(office=office, code="avance")
    foreign = ThemeFactory(office=other_office, code="etranger")
    client = client_for(animator)
    for bad in (foreign.pk, theme.pk):
        response = client.post(
            url("theme_edit", office, theme.pk), _theme_data(prerequisite=str(bad))
        )
        assert "prerequisite" in response.context["form"].errors
    follow_up = ThemeFactory(office=office, code="suite", prerequisite=theme)
    response = client.post(
        url("theme_edit", office, theme.pk), _theme_data(prerequisite=str(follow_up.pk))
    )
    assert "prerequisite" in response.context["form"].errors


# --- Venues and slots ---------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_venue_and_slot_lists_query_count(
    client_for, office, reader, django_assert_num_queries, rows
):
    for _ in range(rows):
        CandidateSlotFactory(office=office, venue=VenueFactory(office=office))
    client = client_for(reader)
    with django_assert_num_queries(4):
        response = client.get(url("venue_list", office))
    assert len(response.context["venues"]) == rows
    assert [v.slot_count for v in response.context["venues"]] == [1] * rows
    with django_assert_num_queries(5):  # + the paginator's count
        response = client.get(url("slot_list", office))
    assert len(response.context["slots"]) == rows


def test_animator_adds_edits_and_deletes_a_venue(client_for, office, animator):
    client = client_for(animator)
    data = {"name": "Médiathèque", "address": "1 rue Haute", "capacity": "14", "notes": ""}
    assert client.post(url("venue_create", office), data).status_code == 302
    venue = Venue.objects.get(office=office)
    assert venue.capacity == 14
    data["capacity"] = "0"
    response = client.post(url("venue_edit", office, venue.pk), data)
    assert "capacity" in response.context["form"].errors
    assert client.post(url("venue_delete", office, venue.pk)).status_code == 302
    assert not Venue.objects.exists()


def _slot_data(start, end, venue=""):
    return {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "venue": str(venue),
        "note": "",
    }


def test_animator_adds_a_slot_in_local_time(client_for, office, animator):
    venue = VenueFactory(office=office)
    start = dt.datetime(YEAR, 11, 12, 9, 30)
    response = client_for(animator).post(
        url("slot_create", office), _slot_data(start, start + dt.timedelta(hours=3), venue.pk)
    )
    assert response.status_code == 302
    slot = CandidateSlot.objects.get(office=office)
    assert timezone.localtime(slot.starts_at).replace(tzinfo=None) == start
    assert slot.venue == venue


@pytest.mark.parametrize(
    "start, end, field",
    [
        (dt.datetime(YEAR, 11, 12, 9), dt.datetime(YEAR, 11, 12, 8), "ends_at"),
        (dt.datetime(YEAR, 11, 12, 9), dt.datetime(YEAR, 11, 12, 9), "ends_at"),
        (dt.datetime(YEAR - 3, 11, 12, 9), dt.datetime(YEAR - 3, 11, 12, 12), "starts_at"),
        (dt.datetime(YEAR, 11, 12, 9), dt.datetime(YEAR, 11, 14, 9), "ends_at"),
    ],
)
def test_slot_form_rejects_bad_times(client_for, office, animator, start, end, field):
    response = client_for(animator).post(url("slot_create", office), _slot_data(start, end))
    assert field in response.context["form"].errors
    assert not CandidateSlot.objects.exists()


def test_slot_form_rejects_another_office_venue(client_for, office, other_office, animator):
    foreign = VenueFactory(office=other_office)
    start = dt.datetime(YEAR, 11, 12, 9)
    response = client_for(animator).post(
        url("slot_create", office), _slot_data(start, start + dt.timedelta(hours=2), foreign.pk)
    )
    assert "venue" in response.context["form"].errors
    assert not CandidateSlot.objects.exists()


# --- Needs --------------------------------------------------------------------------------


@pytest.fixture
def campaign(office):
    campaign = default_campaign(office)
    for _ in range(3):
        diagnosed(campaign, {"visi.google_business": "aucune", "besoins.themes": ["canva"]})
    return campaign


def test_needs_page_shows_counts_and_chart_without_names(client_for, office, reader, campaign):
    response = client_for(reader).get(url("needs", office))
    assert response.context["campaign"] == campaign
    rows = response.context["rows"]
    first = rows[0]["need"]
    assert first.theme.code in ("google_business", "canva") and first.total == 3
    html = response.content.decode()
    assert "<svg" in html and '<caption id="t-besoins">' in html
    for provider in Provider.objects.filter(office=office):
        assert provider.name not in html  # no provider name on this page
    assert response.context["respondents"] == 3


def test_needs_page_without_campaign_and_with_a_foreign_one(
    client_for, office, other_office, reader
):
    response = client_for(reader).get(url("needs", office))
    assert response.status_code == 200 and response.context["campaign"] is None
    foreign = default_campaign(other_office)
    client = client_for(reader)
    assert client.get(url("needs", office) + f"?campagne={foreign.pk}").status_code == 404
    assert client.get(url("needs", office) + "?campagne=abc").status_code == 404


# --- Programmes ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_programme_list_query_count(client_for, office, reader, django_assert_num_queries, rows):
    for _ in range(rows):
        SessionFactory(office=office, programme=ProgrammeFactory(office=office))
    client = client_for(reader)
    # session, user, membership, paginator count, programmes
    with django_assert_num_queries(5):
        response = client.get(url("programme_list", office))
    assert [p.session_count for p in response.context["programmes"]] == [1] * rows


@pytest.mark.parametrize("rows", [1, 3])
def test_programme_detail_query_count(client_for, office, reader, django_assert_num_queries, rows):
    programme = ProgrammeFactory(office=office)
    for _ in range(rows):
        RegistrationFactory(session=SessionFactory(office=office, programme=programme))
    client = client_for(reader)
    with django_assert_num_queries(5):
        response = client.get(url("programme_detail", office, programme.pk))
    assert [s.confirmed for s in response.context["sessions"]] == [1] * rows


def test_programme_create_runs_the_builder(client_for, office, animator, campaign):
    venue = VenueFactory(office=office, capacity=8)
    start = timezone.make_aware(dt.datetime(YEAR, 11, 10, 9))
    CandidateSlotFactory(
        office=office, venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    response = client_for(animator).post(
        url("programme_create", office),
        {
            "name": "Hiver",
            "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-12-31",
            "campaign": str(campaign.pk),
            "solver": "greedy",
        },
    )
    programme = Programme.objects.get(office=office)
    assert response.status_code == 302
    assert response["Location"] == url("programme_detail", office, programme.pk)
    session = programme.sessions.get()
    assert session.invitations.count() == 3 and session.status == SessionStatus.DRAFT
    page = client_for(animator).get(url("programme_detail", office, programme.pk)).content.decode()
    assert "couvre 3 besoins sur 6" in page
    assert escape(session.why) in page
    assert "Calculé par la méthode rapide" in page and "greedy" not in page
    assert (
        reverse("workshops:session_create", args=[office.slug]) + f"?programme={programme.pk}"
        in page
    )


@pytest.mark.parametrize(
    "changes, error_field",
    [
        ({"ends_on": f"{YEAR - 3}-01-01", "starts_on": f"{YEAR - 3}-02-01"}, "ends_on"),
        ({"starts_on": f"{YEAR}-05-01", "ends_on": f"{YEAR}-05-31"}, "__all__"),  # no slot
        ({"solver": "magie"}, "solver"),
        ({"campaign": "999999"}, "campaign"),
    ],
)
def test_programme_form_rejects_bad_input(
    client_for, office, animator, campaign, changes, error_field
):
    data = {
        "name": "Hiver",
        "starts_on": f"{YEAR}-01-01",
        "ends_on": f"{YEAR}-12-31",
        "campaign": str(campaign.pk),
        "solver": "greedy",
    } | changes
    CandidateSlotFactory(office=office, starts_at=timezone.make_aware(dt.datetime(YEAR, 11, 10, 9)))
    response = client_for(animator).post(url("programme_create", office), data)
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    assert not Programme.objects.exists()


def test_programme_form_rejects_another_office_campaign(client_for, office, other_office, animator):
    foreign = default_campaign(other_office)
    CandidateSlotFactory(office=office, starts_at=timezone.make_aware(dt.datetime(YEAR, 11, 10, 9)))
    response = client_for(animator).post(
        url("programme_create", office),
        {
            "name": "X",
            "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-12-31",
            "campaign": str(foreign.pk),
            "solver": "auto",
        },
    )
    assert "campaign" in response.context["form"].errors


def test_publish_and_remove_sessions(client_for, office, animator, monkeypatch):
    from balise.workshops import invitations

    calls = []
    monkeypatch.setattr(
        invitations, "send_invitations", lambda *, session, user=None: calls.append(session) or 4
    )
    programme = ProgrammeFactory(office=office)
    kept = SessionFactory(office=office, programme=programme, status=SessionStatus.DRAFT)
    removed = SessionFactory(office=office, programme=programme, status=SessionStatus.DRAFT)
    client = client_for(animator)
    assert (
        client.post(url("programme_session_delete", office, programme.pk, removed.pk)).status_code
        == 302
    )
    assert not Session.objects.filter(pk=removed.pk).exists()
    SessionInvitationFactory(session=kept, provider=ProviderFactory(office=office))
    response = client.post(url("programme_publish", office, programme.pk), follow=True)
    assert "1 invitation part en arrière-plan" in response.content.decode()
    programme.refresh_from_db()
    kept.refresh_from_db()
    assert programme.status == ProgrammeStatus.PUBLISHED and kept.status == SessionStatus.PUBLISHED
    assert calls == [kept]
    # A published session is not removed, and a published programme is not deleted.
    client.post(url("programme_session_delete", office, programme.pk, kept.pk))
    client.post(url("programme_delete", office, programme.pk))
    assert (
        Session.objects.filter(pk=kept.pk).exists()
        and Programme.objects.filter(pk=programme.pk).exists()
    )


def test_session_of_another_programme_or_office_is_404(client_for, office, other_office, animator):
    programme = ProgrammeFactory(office=office)
    elsewhere = SessionFactory(
        office=office, programme=ProgrammeFactory(office=office), status=SessionStatus.DRAFT
    )
    foreign = SessionFactory(office=other_office, status=SessionStatus.DRAFT)
    client = client_for(animator)
    for session in (elsewhere, foreign):
        target = url("programme_session_delete", office, programme.pk, session.pk)
        assert client.post(target).status_code == 404
    foreign_programme = ProgrammeFactory(office=other_office)
    assert client.get(url("programme_detail", office, foreign_programme.pk)).status_code == 404
    assert client.post(url("programme_publish", office, foreign_programme.pk)).status_code == 404
    assert Session.objects.filter(pk__in=[elsewhere.pk, foreign.pk]).count() == 2


def test_delete_a_draft_programme(client_for, office, animator):
    programme = ProgrammeFactory(office=office)
    SessionFactory(office=office, programme=programme, status=SessionStatus.DRAFT)
    response = client_for(animator).post(url("programme_delete", office, programme.pk))
    assert response.status_code == 302
    assert not Programme.objects.exists() and not Session.objects.exists()


# --- Settings -----------------------------------------------------------------------------


def test_settings_show_defaults_and_save(client_for, office, animator):
    client = client_for(animator)
    page = client.get(url("settings", office))
    assert page.context["form"]["season_hebergement"].value() == [7, 8]
    response = client.post(
        url("settings", office),
        {"season_hebergement": ["6", "7", "8"], "season_commerce": ["12"], "signature": "Camille"},
    )
    assert response.status_code == 302
    saved = WorkshopSettings.objects.get(office=office)
    assert saved.high_season["hebergement"] == [6, 7, 8]
    assert saved.high_season["commerce"] == [12]
    assert saved.high_season["restauration"] == []
    assert saved.signature == "Camille"


def test_settings_reject_a_month_13(client_for, office, animator):
    response = client_for(animator).post(url("settings", office), {"season_loisirs": ["13"]})
    assert "season_loisirs" in response.context["form"].errors
    assert not WorkshopSettings.objects.exists()
