"""The attendance sheet: toggles (HTMX and plain form), the whole sheet, walk-ins."""

import pytest
from django.core import mail
from django.urls import reverse

from balise.workshops import sessions
from balise.workshops.models import Registration, RegistrationSource, RegistrationStatus

from ..factories import ProviderFactory
from .factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def url(name, office, *args):
    return reverse(f"workshops:{name}", args=[office.slug, *args])


@pytest.fixture
def session(office):
    return SessionFactory(office=office)


def test_sheet_lists_confirmed_registrants_with_counts(client_for, animator, office, session):
    anne = RegistrationFactory(session=session, name="Anne", attended=True)
    RegistrationFactory(session=session, name="Bruno", attended=False)
    RegistrationFactory(session=session, name="Chloé")
    RegistrationFactory(session=session, name="Waiting", status=RegistrationStatus.WAITING)
    response = client_for(animator).get(url("session_attendance", office, session.pk))
    assert response.status_code == 200
    assert [row.name for row in response.context["rows"]] == ["Anne", "Bruno", "Chloé"]
    counts = response.context["counts"]
    assert (counts.expected, counts.present, counts.absent, counts.unmarked) == (3, 1, 1, 1)
    html = response.content.decode()
    assert f'name="attended_{anne.pk}" value="1" checked' in html
    assert "hx-post" in html


def test_reader_sees_the_sheet_without_toggles(client_for, reader, office, session):
    registration = RegistrationFactory(session=session, attended=True)
    response = client_for(reader).get(url("session_attendance", office, session.pk))
    assert response.status_code == 200
    assert f"attended_{registration.pk}" not in response.content.decode()


def test_htmx_toggle_returns_the_row_and_the_counts(client_for, animator, office, session):
    registration = RegistrationFactory(session=session)
    response = client_for(animator).post(
        url("attendance_mark", office, session.pk, registration.pk),
        {f"attended_{registration.pk}": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.attended is True
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="attendance-{registration.pk}"')
    assert 'id="attendance-counts"' in html and 'hx-swap-oob="true"' in html
    assert response.context["counts"].present == 1


def test_toggle_without_javascript_redirects_to_the_sheet(client_for, animator, office, session):
    registration = RegistrationFactory(session=session, attended=True)
    response = client_for(animator).post(
        url("attendance_mark", office, session.pk, registration.pk), {"attended": "0"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("session_attendance", office, session.pk)
    registration.refresh_from_db()
    assert registration.attended is False


def test_whole_sheet_submit(client_for, animator, office, session):
    anne = RegistrationFactory(session=session)
    bruno = RegistrationFactory(session=session, attended=True)
    chloe = RegistrationFactory(session=session, attended=True)
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    other = RegistrationFactory(session=SessionFactory(office=office, title="Autre"))
    response = client_for(animator).post(
        url("session_attendance", office, session.pk),
        {
            f"attended_{anne.pk}": "1",
            f"attended_{bruno.pk}": "0",
            # chloé: not in the form (nothing chosen) → unchanged
            f"attended_{waiting.pk}": "1",
            f"attended_{other.pk}": "1",
            "attended_x": "1",
        },
    )
    assert response.status_code == 302
    values = {r.pk: r.attended for r in Registration.objects.all()}
    assert values[anne.pk] is True
    assert values[bruno.pk] is False
    assert values[chloe.pk] is True
    assert values[waiting.pk] is None
    assert values[other.pk] is None


def test_toggle_refuses_forged_ids(client_for, animator, office, other_office, session):
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    other_session = RegistrationFactory(session=SessionFactory(office=office, title="Autre"))
    foreign = RegistrationFactory(session=SessionFactory(office=other_office))
    client = client_for(animator)
    for registration in (waiting, other_session, foreign):
        response = client.post(
            url("attendance_mark", office, session.pk, registration.pk), {"attended": "1"}
        )
        assert response.status_code == 404
    assert not Registration.objects.filter(attended=True).exists()


def test_reader_cannot_mark_attendance(client_for, reader, office, session):
    registration = RegistrationFactory(session=session)
    client = client_for(reader)
    assert (
        client.post(
            url("attendance_mark", office, session.pk, registration.pk), {"attended": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url("session_attendance", office, session.pk), {f"attended_{registration.pk}": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url("attendance_walk_in", office, session.pk), {"name": "X", "email": "x@x.fr"}
        ).status_code
        == 403
    )
    registration.refresh_from_db()
    assert registration.attended is None


def test_walk_in_is_recorded_as_present_without_email(client_for, animator, office):
    session = SessionFactory(office=office, capacity=1)
    RegistrationFactory(session=session)  # full
    provider = ProviderFactory(office=office, name="Ferme du Causse")
    response = client_for(animator).post(
        url("attendance_walk_in", office, session.pk),
        {"name": "Lucie Causse", "email": "Lucie@Ferme.example", "provider": provider.pk},
    )
    assert response.status_code == 302
    walk_in = Registration.objects.get(name="Lucie Causse")
    assert walk_in.attended is True
    assert walk_in.status == RegistrationStatus.CONFIRMED
    assert walk_in.source == RegistrationSource.STAFF
    assert walk_in.provider == provider
    assert walk_in.business == "Ferme du Causse"
    assert walk_in.email == "lucie@ferme.example"
    assert mail.outbox == []


def test_walk_in_who_was_waiting_gets_the_same_row(office, session):
    waiting = RegistrationFactory(
        session=session, email="paul@example.org", status=RegistrationStatus.WAITING
    )
    row = sessions.add_walk_in(session=session, name="Paul", email="PAUL@example.org")
    assert row.pk == waiting.pk
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attended) == (RegistrationStatus.CONFIRMED, True)
    assert Registration.objects.count() == 1


def test_walk_in_form_errors(client_for, animator, office, other_office, session):
    foreign = ProviderFactory(office=other_office)
    response = client_for(animator).post(
        url("attendance_walk_in", office, session.pk),
        {"name": "", "email": "pas-un-email", "provider": foreign.pk},
    )
    assert response.status_code == 400
    assert set(response.context["walk_in_form"].errors) == {"name", "email", "provider"}
    assert not Registration.objects.exists()


def test_set_attendance_refuses_a_waiting_registration(office, session):
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    with pytest.raises(ValueError):
        sessions.set_attendance(registration=waiting, attended=True)
