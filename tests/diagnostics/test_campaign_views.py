"""Staff pages of the diagnostics: campaigns, follow-up, assisted mode, questionnaire versions.

Every page is checked for the owner (animator), a read-only member and an outsider.
"""

import datetime
import json

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics import answering, invitations, versions
from balise.diagnostics.models import (
    Campaign,
    CampaignStatus,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseSource,
    VersionStatus,
)
from balise.members.models import Category

from ..factories import CommuneFactory, ProviderFactory
from .factories import (
    CampaignFactory,
    QuestionnaireFactory,
    ResponseFactory,
    VersionFactory,
    small_definition,
)

pytestmark = pytest.mark.django_db


def url(office, name, *args):
    return reverse(f"diagnostics:{name}", args=[office.slug, *args])


@pytest.fixture
def version():
    return VersionFactory()


@pytest.fixture
def campaign(office, version):
    return CampaignFactory(office=office, version=version, name="Diagnostic 2026")


@pytest.fixture
def invited(office, campaign):
    provider = ProviderFactory(office=office, name="Gîte des Chênes", phone="04 66 11 22 33")
    invitations.invite(campaign=campaign)
    return provider


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


class TestCampaignList:
    def test_owner_and_reader(self, client_for, animator, reader, office, campaign):
        page = client_for(animator).get(url(office, "campaign_list")).content.decode()
        assert "Diagnostic 2026" in page
        assert "Nouvelle campagne" in page
        assert 'aria-current="page">Diagnostics<' in page
        page = client_for(reader).get(url(office, "campaign_list")).content.decode()
        assert "Diagnostic 2026" in page and "Nouvelle campagne" not in page

    def test_other_offices_campaigns_are_not_listed(self, client_for, reader, office, other_office):
        CampaignFactory(office=other_office, name="Campagne d'ailleurs")
        page = client_for(reader).get(url(office, "campaign_list")).content.decode()
        assert "ailleurs" not in page

    def test_constant_query_count_with_1_and_3_rows(self, client_for, reader, office, version):
        client = client_for(reader)
        CampaignFactory(office=office, version=version)
        one = count_queries(client, url(office, "campaign_list"))
        CampaignFactory.create_batch(2, office=office, version=version)
        assert count_queries(client, url(office, "campaign_list")) == one
        assert one <= 8


class TestCreate:
    def test_create_with_targets(self, client_for, animator, office, version):
        village = CommuneFactory(insee_code="30189", name="Saint-Jean")
        ProviderFactory(
            office=office, name="Camping A", category=Category.CAMPSITE, commune=village
        )
        ProviderFactory(office=office, name="Camping B", category=Category.CAMPSITE)
        ProviderFactory(office=office, name="Hôtel", category=Category.HOTEL, commune=village)
        client = client_for(animator)
        form = client.get(url(office, "campaign_create"))
        assert form.status_code == 200
        assert form.context["target_count"] == 3
        data = {
            "name": "Diagnostic des campings",
            "version": version.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-04-30",
            "message": "Merci !",
            "cible-category": "camping",
            "cible-commune": "30189",
        }
        preview = client.post(url(office, "campaign_create"), {**data, "preview": "1"})
        assert preview.status_code == 200
        assert "<strong>1</strong> prestataire visé" in preview.content.decode()
        assert not Campaign.objects.exists()

        response = client.post(url(office, "campaign_create"), data)
        campaign = Campaign.objects.get()
        assert response["Location"] == url(office, "campaign_detail", campaign.pk)
        assert campaign.target_filters == {"category": "camping", "commune": "30189"}
        assert (campaign.created_by, campaign.status) == (animator, CampaignStatus.DRAFT)
        assert [i.provider.name for i in campaign.invitations.all()] == ["Camping A"]

    def test_the_shipped_and_own_published_versions_are_offered(
        self, client_for, animator, office, other_office
    ):
        own = VersionFactory(questionnaire=QuestionnaireFactory(office=office, code="x"))
        draft = VersionFactory(
            questionnaire=QuestionnaireFactory(office=office, code="y"), status=VersionStatus.DRAFT
        )
        foreign = VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))
        form = client_for(animator).get(url(office, "campaign_create")).context["form"]
        offered = set(form.fields["version"].queryset)
        shipped = versions.ensure_default_version()
        assert {own, shipped} <= offered
        assert draft not in offered and foreign not in offered
        assert form.initial["version"] == shipped

    def test_errors_in_french(self, client_for, animator, office, version, other_office):
        foreign = VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))
        response = client_for(animator).post(
            url(office, "campaign_create"),
            {
                "name": "",
                "version": foreign.pk,
                "starts_on": "2026-04-01",
                "ends_on": "2026-03-01",
            },
        )
        form = response.context["form"]
        assert form.errors["ends_on"] == ["La fin doit suivre le début."]
        assert "name" in form.errors and "version" in form.errors
        assert not Campaign.objects.exists()

    def test_live_target_count(self, client_for, animator, reader, office):
        ProviderFactory(office=office, category=Category.RESTAURANT)
        ProviderFactory(office=office, category=Category.HOTEL)
        response = client_for(animator).get(
            url(office, "campaign_targets"), {"cible-category": "restaurant"}
        )
        assert response.context["target_count"] == 1
        assert client_for(reader).get(url(office, "campaign_create")).status_code == 403

    def test_edit(self, client_for, animator, reader, office, campaign):
        path = url(office, "campaign_edit", campaign.pk)
        assert client_for(reader).post(path, {"name": "Piraté"}).status_code == 403
        response = client_for(animator).post(
            path,
            {"name": "Diagnostic prolongé", "starts_on": "2026-01-01", "ends_on": "2099-12-31"},
        )
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert (campaign.name, campaign.ends_on) == (
            "Diagnostic prolongé",
            datetime.date(2099, 12, 31),
        )


class TestDetail:
    def test_owner_sees_follow_up_and_actions(
        self, client_for, animator, office, campaign, invited
    ):
        page = client_for(animator).get(url(office, "campaign_detail", campaign.pk))
        body = page.content.decode()
        assert "Gîte des Chênes" in body
        assert "Invitation à envoyer" in body
        assert "Envoyer les invitations" in body
        assert "Remplir avec le prestataire" in body
        invitation = Invitation.objects.get()
        assert f"/r/{invitation.token}/" in body  # the "copy link" field
        assert "Par catégorie" in body and "Par commune" in body
        assert page.context["participation"].overall.total == 1

    def test_reader_sees_figures_but_no_action_and_no_link(
        self, client_for, reader, office, campaign, invited
    ):
        body = client_for(reader).get(url(office, "campaign_detail", campaign.pk)).content.decode()
        assert "Gîte des Chênes" in body
        assert "Envoyer les invitations" not in body
        assert "Remplir avec le prestataire" not in body
        assert Invitation.objects.get().token not in body

    def test_status_filter_and_phone_list(self, client_for, reader, office, campaign):
        ProviderFactory(office=office, name="Sans adresse", email="")
        ProviderFactory(office=office, name="Terminé")
        invitations.invite(campaign=campaign)
        ResponseFactory(
            campaign=campaign,
            provider=campaign.invitations.get(provider__name="Terminé").provider,
            completed_at=timezone.now(),
        )
        client = client_for(reader)
        path = url(office, "campaign_detail", campaign.pk)
        names = [row.name for row in client.get(path, {"etat": "completed"}).context["rows"]]
        assert names == ["Terminé"]
        names = [row.name for row in client.get(path, {"etat": "sans_email"}).context["rows"]]
        assert names == ["Sans adresse"]
        all_rows = client.get(path, {"etat": "nimportequoi", "page": "x"}).context["rows"]
        assert len(all_rows) == 2

    def test_constant_query_count_with_1_and_3_rows(self, client_for, animator, office, campaign):
        client = client_for(animator)
        path = url(office, "campaign_detail", campaign.pk)
        first = ProviderFactory(office=office)
        invitations.invite(campaign=campaign)
        ResponseFactory(campaign=campaign, provider=first, completed_at=timezone.now())
        one = count_queries(client, path)
        ProviderFactory.create_batch(2, office=office)
        invitations.invite(campaign=campaign)
        assert count_queries(client, path) == one
        assert one <= 16

    def test_open_and_close(self, client_for, animator, reader, office, campaign):
        assert (
            client_for(reader).post(url(office, "campaign_close", campaign.pk)).status_code == 403
        )
        client = client_for(animator)
        client.post(url(office, "campaign_close", campaign.pk))
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.CLOSED
        client.post(url(office, "campaign_open", campaign.pk))
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.OPEN

    def test_revoke_and_new_link(self, client_for, animator, reader, office, campaign, invited):
        invitation = Invitation.objects.get()
        revoke = url(office, "invitation_revoke", campaign.pk, invitation.pk)
        assert client_for(reader).post(revoke).status_code == 403
        client = client_for(animator)
        assert client.post(revoke)["Location"].endswith(f"#p-{invited.pk}")
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        old_key = invitation.key
        client.post(url(office, "invitation_regenerate", campaign.pk, invitation.pk))
        invitation.refresh_from_db()
        assert invitation.revoked_at is None and invitation.key != old_key

    def test_an_invitation_of_another_campaign_is_404(self, client_for, animator, office, campaign):
        other = CampaignFactory(office=office)
        ProviderFactory(office=office)
        invitations.invite(campaign=other)
        invitation = other.invitations.get()
        path = url(office, "invitation_revoke", campaign.pk, invitation.pk)
        assert client_for(animator).post(path).status_code == 404


class TestAssisted:
    def test_the_animator_fills_in_the_diagnostic(self, client_for, animator, office, campaign):
        provider = ProviderFactory(office=office, category=Category.HOTEL, name="Hôtel du Pont")
        client = client_for(animator)
        start = url(office, "assisted", campaign.pk, provider.pk)
        response = client.get(start)
        assert response["Location"] == f"{start}?rubrique=profil"
        page = client.get(response["Location"])
        assert "Étape 1 sur 4" in page.content.decode()
        assert "Hôtel du Pont" in page.content.decode()

        response = client.post(
            f"{start}?rubrique=web",
            {"action": "next", "shown": ["web.site"], "q-web.site": "non"},
        )
        assert response["Location"] == f"{start}?rubrique=reservation"
        diagnostic = Response.objects.get()
        assert (diagnostic.source, diagnostic.filled_by) == (ResponseSource.ASSISTED, animator)

        response = client.post(url(office, "assisted_finish", campaign.pk, provider.pk))
        diagnostic.refresh_from_db()
        assert diagnostic.is_completed
        assert response["Location"] == url(office, "report", diagnostic.pk)
        assert client.get(response["Location"]).status_code == 200

    def test_correcting_a_self_filled_response(self, client_for, animator, office, campaign):
        provider = ProviderFactory(office=office)
        answering.start_or_resume(campaign=campaign, provider=provider, source=ResponseSource.SELF)
        client_for(animator).post(
            url(office, "assisted", campaign.pk, provider.pk) + "?rubrique=profil",
            {"shown": ["profil.salaries"], "q-profil.salaries": "4"},
        )
        diagnostic = Response.objects.get()
        assert diagnostic.answers == {"profil.salaries": 4}
        assert diagnostic.source == ResponseSource.ASSISTED

    def test_readers_cannot(self, client_for, reader, office, campaign):
        provider = ProviderFactory(office=office)
        path = url(office, "assisted", campaign.pk, provider.pk)
        assert client_for(reader).get(path).status_code == 403

    def test_unknown_section_is_404(self, client_for, animator, office, campaign):
        provider = ProviderFactory(office=office, category=Category.ASSOCIATION)
        path = url(office, "assisted", campaign.pk, provider.pk)
        assert client_for(animator).get(path + "?rubrique=reservation").status_code == 404


class TestVersions:
    def test_list_and_printable_detail(self, client_for, reader, office, version):
        client = client_for(reader)
        page = client.get(url(office, "version_list")).content.decode()
        assert "Versions partagées" in page
        detail = client.get(url(office, "version_detail", version.pk)).content.decode()
        assert "Avez-vous un site internet dédié à votre activité ?" in detail
        assert "Posée si : web.site = « Oui »" in detail
        assert "Affichée si : famille : Hébergement" in detail
        assert "Si : score « Équipement » &lt; 60" in detail

    def test_a_shared_version_counts_the_office_own_campaigns_only(
        self, client_for, reader, office, other_office, version
    ):
        CampaignFactory.create_batch(2, office=office, version=version)
        CampaignFactory.create_batch(3, office=other_office, version=version)
        response = client_for(reader).get(url(office, "version_list"))
        shown = {v.pk: v.campaign_count for v in response.context["shared"]}
        assert shown[version.pk] == Campaign.objects.filter(office=office, version=version).count()

    def test_copy_download_upload_publish(self, client_for, animator, office, version):
        client = client_for(animator)
        response = client.post(url(office, "version_copy", version.pk))
        draft = QuestionnaireVersion.objects.get(questionnaire__office=office)
        assert response["Location"] == url(office, "version_detail", draft.pk)

        download = client.get(url(office, "version_download", draft.pk))
        assert download["Content-Disposition"].endswith('.yaml"')
        document = yaml.safe_load(download.content.decode())
        assert document == version.definition
        document["title"]["fr"] = "Diagnostic du Haut-Vallon"
        upload = SimpleUploadedFile("adapte.yaml", yaml.safe_dump(document).encode())
        response = client.post(url(office, "version_upload"), {"file": upload})
        imported = QuestionnaireVersion.objects.get(questionnaire__office=office, number=2)
        assert response["Location"] == url(office, "version_detail", imported.pk)
        assert imported.status == VersionStatus.DRAFT

        client.post(url(office, "version_publish", imported.pk))
        imported.refresh_from_db()
        assert imported.is_published
        form = client.get(url(office, "campaign_create")).context["form"]
        assert imported in form.fields["version"].queryset

    def test_invalid_upload_lists_french_errors(self, client_for, animator, office):
        broken = small_definition()
        broken["levels"] = broken["levels"][:1]
        upload = SimpleUploadedFile("faux.json", json.dumps(broken).encode())
        response = client_for(animator).post(url(office, "version_upload"), {"file": upload})
        assert response.status_code == 200
        errors = response.context["form"].errors["file"]
        assert any(e.startswith("Questionnaire invalide :") and "niveaux" in e for e in errors)
        wrong = SimpleUploadedFile("notes.txt", b"bonjour")
        response = client_for(animator).post(url(office, "version_upload"), {"file": wrong})
        assert response.context["form"].errors["file"] == [
            "Choisissez un fichier .yaml, .yml ou .json."
        ]
        assert not QuestionnaireVersion.objects.filter(questionnaire__office=office).exists()

    def test_readers_cannot_change_versions(self, client_for, reader, office, version):
        client = client_for(reader)
        assert client.post(url(office, "version_copy", version.pk)).status_code == 403
        assert client.get(url(office, "version_upload")).status_code == 403
        assert client.post(url(office, "version_publish", version.pk)).status_code == 403
