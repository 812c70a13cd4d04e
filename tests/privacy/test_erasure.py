"""Right to erasure: a provider anonymised, its aggregates intact; one person's rows."""

import pytest
from django.core.cache import cache

from balise.audits.models import CheckOutcome, SiteAudit
from balise.diagnostics.models import Answer, AxisScore, FiredRecommendation, Invitation
from balise.insights.study import build_study
from balise.members.models import ProviderSourceId
from balise.privacy.erasure import erase_provider
from balise.privacy.models import ErasureRecord
from balise.workshops.models import (
    Appointment,
    Feedback,
    Registration,
    SessionInvitation,
    ThemeAlert,
)
from tests.factories import ProviderFactory
from tests.workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    ThemeFactory,
)

from ..diagnostics.factories import completed_response
from .rich_provider import ANSWERS, campaign_for, rich_provider, url

pytestmark = pytest.mark.django_db

PERSONAL = ("Jeanne", "jeanne@gite.example", "06 12 34 56 78", "gite-jeanne", "Martin")


def study_figures(campaign):
    cache.clear()
    study = build_study(campaign)
    return (
        study.invited,
        study.completed,
        [(t.key, t.rows) for t in study.tables],
        [(f.kind, f.text, f.value, f.base) for f in study.findings],
    )


def score_rows(response):
    return (
        sorted(response.answer_rows.values_list("question", "option", "number", "points")),
        sorted(AxisScore.objects.filter(response=response).values_list("axis", "score", "counted")),
        sorted(
            FiredRecommendation.objects.filter(response=response).values_list("code", "priority")
        ),
    )


def test_erasure_anonymises_everything_personal_and_keeps_the_study_identical(office, admin_user):
    campaign = campaign_for(office)
    data = rich_provider(office, campaign=campaign)
    for index in range(5):
        other = ProviderFactory(office=office, commune=data["provider"].commune)
        answers = dict(ANSWERS, **{"equipement.wifi": ["oui", "non", "en_partie"][index % 3]})
        completed_response(campaign, other, answers)
    provider, response = data["provider"], data["response"]
    before_study = study_figures(campaign)
    before_rows = score_rows(response)
    before_score = (response.overall_score, response.level)
    assert before_study[1] == 6
    theme = ThemeFactory(office=office)
    ThemeAlert.objects.create(office=office, theme=theme, email=provider.email.upper())

    record = erase_provider(provider=provider, by_user=admin_user)

    provider.refresh_from_db()
    response.refresh_from_db()
    assert provider.name == f"Prestataire effacé #{provider.pk}"
    for field in (
        "legal_name",
        "contact_name",
        "email",
        "phone",
        "website",
        "address",
        "description",
        "notes",
    ):
        assert getattr(provider, field) == "", field
    assert (provider.latitude, provider.longitude, provider.social_links) == (None, None, {})
    assert provider.marketing_consent is False
    assert provider.archived_at is not None
    assert (provider.category, provider.commune_id) == (
        data["provider"].category,
        data["provider"].commune_id,
    )
    assert not ProviderSourceId.objects.filter(provider=provider).exists()
    # Free text gone, closed answers and numbers kept, scores untouched.
    assert "profil.remarque" not in response.answers
    assert response.answers["equipement.outils"] == ["ordinateur", "smartphone"]
    assert response.answers["profil.salaries"] == 3
    assert not Answer.objects.filter(response=response).exclude(text="").exists()
    assert score_rows(response) == before_rows
    assert (response.overall_score, response.level) == before_score
    # Links and people.
    invitation = Invitation.objects.get(pk=data["invitation"].pk)
    assert invitation.revoked_at is not None and invitation.email == ""
    registration = Registration.objects.get(pk=data["registration"].pk)
    assert (registration.name, registration.email) == (
        "effacé",
        f"efface-{registration.pk}@invalid",
    )
    assert registration.key != data["registration"].key
    assert Feedback.objects.get(registration=registration).comment == ""
    assert Feedback.objects.get(registration=registration).rating == 5  # kept for statistics
    appointment = Appointment.objects.get(pk=data["appointment"].pk)
    assert (appointment.name, appointment.note) == ("effacé", "")
    assert appointment.key != data["appointment"].key
    assert SessionInvitation.objects.get(provider=provider).email == ""
    assert not ThemeAlert.objects.exists()
    assert SiteAudit.objects.get(provider=provider).url == ""
    assert CheckOutcome.objects.get(audit__provider=provider).evidence == ""
    assert CheckOutcome.objects.get(audit__provider=provider).verdict == "ok"
    # The trace names no one.
    assert (record.provider_id, record.by_user, record.scope) == (
        provider.pk,
        admin_user,
        "provider",
    )
    assert not any(word in str(record.counts) for word in PERSONAL)
    # The study: same figures (the study never shows free text).
    assert study_figures(campaign) == before_study


def test_the_old_personal_links_stop_working(client, office):
    data = rich_provider(office)
    old_registration_token = data["registration"].token
    old_invitation_token = data["invitation"].token
    erase_provider(provider=data["provider"])
    assert client.get(f"/ateliers/inscription/{old_registration_token}/").status_code == 404
    assert client.get(f"/r/{old_invitation_token}/").status_code == 404


def test_erase_view_needs_the_confirmation(client_for, admin_user, office):
    data = rich_provider(office)
    provider = data["provider"]
    client = client_for(admin_user)
    page = client.get(url(office, "privacy:provider_erase", provider_id=provider.pk))
    assert page.status_code == 200
    assert "Ce qui est gardé" in page.content.decode()
    refused = client.post(url(office, "privacy:provider_erase", provider_id=provider.pk), {})
    assert refused.status_code == 400
    provider.refresh_from_db()
    assert provider.name == "Gîte de Jeanne"
    assert not ErasureRecord.objects.exists()

    done = client.post(
        url(office, "privacy:provider_erase", provider_id=provider.pk), {"confirm": "on"}
    )
    assert done.status_code == 302
    provider.refresh_from_db()
    assert provider.name.startswith("Prestataire effacé")
    assert ErasureRecord.objects.get().by_user == admin_user


@pytest.mark.parametrize("role", ["animator", "reader"])
def test_erase_is_admin_only(client_for, request, office, role):
    provider = ProviderFactory(office=office, name="Intact")
    client = client_for(request.getfixturevalue(role))
    target = url(office, "privacy:provider_erase", provider_id=provider.pk)
    assert client.get(target).status_code == 403
    assert client.post(target, {"confirm": "on"}).status_code == 403
    provider.refresh_from_db()
    assert provider.name == "Intact"


def test_erase_one_person_by_email(client_for, admin_user, office, other_office):
    session = SessionFactory(office=office)
    alone = RegistrationFactory(session=session, provider=None, name="Paul", email="paul@ex.org")
    Feedback.objects.create(registration=alone, rating=4, comment="Paul a aimé")
    appointment = AppointmentFactory(
        slot=AppointmentSlotFactory(office=office), name="Paul", email="PAUL@ex.org", note="site"
    )
    # A provider's own registration is erased with the provider, not here.
    tied = RegistrationFactory(
        session=SessionFactory(office=office),
        email="paul@ex.org",
        provider=ProviderFactory(office=office),
    )
    elsewhere = RegistrationFactory(
        session=SessionFactory(office=other_office), provider=None, email="paul@ex.org"
    )
    ThemeAlert.objects.create(office=office, theme=session.theme, email="paul@ex.org")
    theirs = ThemeFactory(office=other_office, code="avis")
    ThemeAlert.objects.create(office=other_office, theme=theirs, email="paul@ex.org")
    client = client_for(admin_user)

    refused = client.post(url(office, "privacy:person_erase"), {"erase-email": "paul@ex.org"})
    assert refused.status_code == 400
    response = client.post(
        url(office, "privacy:person_erase"), {"erase-email": "paul@ex.org", "erase-confirm": "on"}
    )
    assert response.status_code == 302
    alone.refresh_from_db()
    appointment.refresh_from_db()
    tied.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (alone.name, alone.email) == ("effacé", f"efface-{alone.pk}@invalid")
    assert Feedback.objects.get(registration=alone).comment == ""
    assert (appointment.email, appointment.note) == (f"efface-{appointment.pk}@invalid", "")
    assert tied.email == "paul@ex.org"
    assert elsewhere.email == "paul@ex.org"
    record = ErasureRecord.objects.get()
    assert record.counts == {"registrations": 1, "appointments": 1, "workshop_alerts": 1}
    assert list(ThemeAlert.objects.values_list("office", flat=True)) == [other_office.pk]
    assert "paul" not in str(record.counts).lower()

    again = client.post(
        url(office, "privacy:person_erase"),
        {"erase-email": "paul@ex.org", "erase-confirm": "on"},
        follow=True,
    )
    assert "Rien à anonymiser" in again.content.decode()
    assert ErasureRecord.objects.count() == 1


@pytest.mark.parametrize("role", ["animator", "reader"])
def test_person_erase_is_admin_only(client_for, request, office, role):
    registration = RegistrationFactory(
        session=SessionFactory(office=office), provider=None, email="paul@ex.org"
    )
    response = client_for(request.getfixturevalue(role)).post(
        url(office, "privacy:person_erase"), {"erase-email": "paul@ex.org", "erase-confirm": "on"}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.email == "paul@ex.org"


def test_erasure_does_not_copy_the_erased_values_into_the_audit_trail(office, admin_user):
    from django.apps import apps

    if not apps.is_installed("auditlog"):
        pytest.skip("no audit trail installed")
    from auditlog import get_logentry_model

    entries = get_logentry_model().objects
    provider = rich_provider(office)["provider"]
    before = entries.count()
    erase_provider(provider=provider, by_user=admin_user)
    written = [str(entry.changes) for entry in entries.order_by("pk")[before:]]
    assert not any("Jeanne" in text or "jeanne@" in text for text in written)


def test_erasure_blanks_what_the_audit_trail_kept_before(
    office, admin_user, client_for, django_capture_on_commit_callbacks
):
    from balise.trail.models import Entry

    provider = rich_provider(office)["provider"]
    data = {
        "name": "Gîte de Jeanne",
        "category": provider.category,
        "email": "jeanne@example.org",
    }
    client = client_for(admin_user)
    provider.name = data["name"]
    provider.save()  # a staff edit the journal recorded, with the name
    assert Entry.objects.filter(office=office, object_repr__contains="Jeanne").exists()

    with django_capture_on_commit_callbacks(execute=True):
        erase_provider(provider=provider, by_user=admin_user)

    kept = list(Entry.objects.filter(office=office).values_list("object_repr", "changes"))
    assert kept, "the entries stay: who did what, when"
    leftover = [(name, changes) for name, changes in kept if "Jeanne" in f"{name} {changes}"]
    assert not leftover
    assert client.get(f"/o/{office.slug}/journal/").status_code == 200
