"""What the audit trail records: actor, door, office, changed fields, and what it leaves out."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from balise.api.models import ApiToken
from balise.diagnostics import invitations
from balise.diagnostics.models import Invitation, Response
from balise.members.models import Provider
from balise.offices.models import Membership, Office, Role
from balise.trail.models import Entry, Via
from balise.trail.services import forget_object

from ..diagnostics.factories import CampaignFactory
from ..factories import MembershipFactory, OfficeFactory, ProviderFactory, UserFactory
from ..workshops.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def entries_for(instance):
    content_type = ContentType.objects.get_for_model(type(instance))
    return Entry.objects.filter(content_type=content_type, object_id=instance.pk).order_by("pk")


@pytest.fixture
def provider(office):
    return ProviderFactory(office=office, name="Gîte des Chênes", phone="04 66 11 22 33")


def test_editing_a_provider_through_the_staff_form_records_actor_and_changes(
    client_for, animator, office, provider
):
    path = reverse("members:provider_edit", args=[office.slug, provider.pk])
    form = client_for(animator).get(path).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"name": "Gîte des Grands Chênes", "labels_text": "Accueil Vélo", "tags_text": ""}
    data.pop("labels", None), data.pop("tags", None)
    response = client_for(animator).post(path, data)
    assert response.status_code == 302

    update = entries_for(provider).filter(action=Entry.Action.UPDATE).first()
    assert update.actor == animator
    assert update.actor_email == animator.email
    assert update.via == Via.WEB
    assert update.office == office
    assert update.changes["name"] == ["Gîte des Chênes", "Gîte des Grands Chênes"]
    assert "normalized_name" not in update.changes and "updated_at" not in update.changes
    labels = entries_for(provider).filter(changes__has_key="labels").get()
    assert labels.changes["labels"] == {
        "type": "m2m",
        "operation": "add",
        "objects": ["Accueil Vélo"],
    }
    assert labels.actor == animator


def test_a_save_that_changes_nothing_followed_writes_nothing(provider):
    before = Entry.objects.count()
    provider.save()  # only updated_at moves
    provider.save(update_fields=["updated_at"])
    assert Entry.objects.count() == before


def test_an_api_patch_records_the_tokens_user(animator, office, provider):
    _token, raw = ApiToken.issue(user=animator, name="crm")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.patch(
        f"/api/v1/offices/{office.slug}/providers/{provider.pk}",
        json.dumps({"phone": "04 66 99 99 99"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    entry = entries_for(provider).filter(action=Entry.Action.UPDATE).get()
    assert (entry.actor, entry.via, entry.office) == (animator, Via.API, office)
    assert entry.changes["phone"][1] == "+33 4 66 99 99 99"


def test_rows_written_outside_a_request_are_the_systems(office):
    provider = ProviderFactory(office=office, name="Camping du Lac")
    entry = entries_for(provider).get()
    assert (entry.action, entry.actor, entry.via) == (Entry.Action.CREATE, None, Via.SYSTEM)
    assert entry.changes["name"] == ["None", "Camping du Lac"]


def _answer(client, invitation, section, **answers):
    page = reverse("respond:section", args=[invitation.token, section])
    shown = [field.code for field in client.get(page).context["fields"]]
    data = {"action": "next", "shown": shown}
    data.update({"q-" + code.replace("__", "."): value for code, value in answers.items()})
    return client.post(page, data)


def test_public_answers_are_not_logged_page_by_page(office, provider):
    campaign = CampaignFactory(office=office, name="Diagnostic 2026")
    invitations.invite(campaign=campaign, providers=[provider])
    invitation = Invitation.objects.get(provider=provider)
    client = Client()
    _answer(client, invitation, "profil", profil__salaries="3", profil__remarque="")
    _answer(client, invitation, "web", web__site="non")
    response = Response.objects.get()
    assert response.answers == {"profil.salaries": 3, "web.site": "non"}

    entries = list(entries_for(response))
    # The respondent starting their diagnostic is kept, each saved page is not.
    assert [(e.action, e.via, e.actor) for e in entries] == [
        (Entry.Action.CREATE, Via.PUBLIC, None)
    ]
    assert "answers" not in entries[0].changes
    assert not Entry.objects.filter(via__in=[Via.WEB, Via.API]).exists()


def test_staff_answers_keep_the_question_codes_not_the_answers(
    client_for, animator, office, provider
):
    campaign = CampaignFactory(office=office)
    start = reverse("diagnostics:assisted", args=[office.slug, campaign.pk, provider.pk])
    client_for(animator).post(
        f"{start}?rubrique=web", {"action": "next", "shown": ["web.site"], "q-web.site": "non"}
    )
    response = Response.objects.get()
    updates = entries_for(response).filter(changes__has_key="answers")
    entry = updates.get()
    assert entry.actor == animator
    assert entry.changes["answers"] == {"type": "answers", "questions": ["web.site"]}
    assert "non" not in json.dumps(entry.changes)


def test_revoking_an_invitation_is_logged_and_the_key_never(client_for, animator, office, provider):
    campaign = CampaignFactory(office=office)
    invitations.invite(campaign=campaign, providers=[provider])
    invitation = Invitation.objects.get()
    key = invitation.key
    client = client_for(animator)
    client.post(
        reverse("diagnostics:invitation_revoke", args=[office.slug, campaign.pk, invitation.pk])
    )
    client.post(
        reverse("diagnostics:invitation_regenerate", args=[office.slug, campaign.pk, invitation.pk])
    )
    entries = list(entries_for(invitation))
    assert entries and all(e.actor == animator for e in entries)
    assert "revoked_at" in entries[0].changes
    assert not any(key in json.dumps(e.changes) for e in entries)
    assert any(e.changes.get("key") == ["••••", "••••"] for e in entries)


def test_role_changes_and_registrations_are_logged_without_names(office, admin_user):
    member = MembershipFactory(office=office, role=Role.READER)
    member.role = Role.ANIMATOR
    member.save()
    assert entries_for(member).last().changes == {"role": ["lecteur", "animateur"]}

    registration = RegistrationFactory(
        session=SessionFactory(office=office), name="Jeanne Martin", email="jeanne@example.org"
    )
    entry = entries_for(registration).get()
    assert entry.office == office
    assert "Jeanne" not in entry.object_repr and "Jeanne" not in json.dumps(entry.changes)
    registration.attended = True
    registration.save(update_fields=["attended"])
    assert entries_for(registration).last().changes == {"attended": ["None", "True"]}


def test_office_settings_are_logged_for_that_office(office):
    office.require_admin_2fa = True
    office.save()
    entry = entries_for(office).last()
    assert entry.office == office
    assert entry.changes == {"require_admin_2fa": ["False", "True"]}


def test_an_office_can_still_be_deleted(office, provider, admin_user):
    office.delete()
    assert not Office.objects.filter(pk=office.pk).exists()
    assert not Provider.objects.filter(pk=provider.pk).exists()
    assert not Entry.objects.filter(office_id=office.pk).exists()
    # Logging works again afterwards.
    other = OfficeFactory(slug="encore")
    assert entries_for(ProviderFactory(office=other)).exists()


def test_forget_object_blanks_name_and_values(office):
    registration = RegistrationFactory(session=SessionFactory(office=office))
    provider = ProviderFactory(office=office, name="Chez Jeanne Martin", email="j@example.org")
    assert forget_object(provider) == 1
    entry = entries_for(provider).get()
    assert entry.object_repr == "(effacé)" and entry.changes is None
    assert entries_for(registration).exists()


def test_deleting_a_user_keeps_their_email_on_the_entries(client_for, office):
    user = UserFactory(email="parti@haut-vallon.example")
    Membership.objects.create(user=user, office=office, role=Role.ADMIN)
    provider = ProviderFactory(office=office)
    client_for(user).post(reverse("members:provider_archive", args=[office.slug, provider.pk]))
    user.delete()
    entry = entries_for(provider).filter(action=Entry.Action.UPDATE).get()
    assert (entry.actor, entry.actor_email) == (None, "parti@haut-vallon.example")


def test_member_imports_write_no_entry(office):
    """The import writes in bulk (no model signal): it leaves no entry per provider."""
    from pathlib import Path

    from django.core.management import call_command

    samples = Path(__file__).parents[1] / "fixtures" / "samples" / "datatourisme"
    before = Entry.objects.count()
    call_command(
        "import_members", "--office", office.slug, "--format", "datatourisme", str(samples)
    )
    assert Provider.objects.filter(office=office).count() == 4
    assert Entry.objects.count() == before
