import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from balise.members.models import Category, Label, MembershipStatus, Provider

from ..factories import CommuneFactory, ProviderFactory


def url(office, name="members:provider_list", **kwargs):
    return reverse(name, kwargs={"office_slug": office.slug, **kwargs})


@pytest.mark.django_db
class TestList:
    def test_lists_only_the_offices_active_providers(
        self, client_for, animator, office, other_office
    ):
        ProviderFactory(office=office, name="Camping du Lac")
        ProviderFactory(office=office, name="Gîte Archivé").archive()
        ProviderFactory(office=other_office, name="Hôtel d'Ailleurs")
        page = client_for(animator).get(url(office)).content.decode()
        assert "Camping du Lac" in page
        assert "Gîte Archivé" not in page
        assert "Hôtel d&#x27;Ailleurs" not in page and "Hôtel d'Ailleurs" not in page

    def test_search_ignores_accents_and_case(self, client_for, reader, office):
        ProviderFactory(office=office, name="Hôtel de l'Étape")
        ProviderFactory(office=office, name="Restaurant Le Moulin")
        response = client_for(reader).get(url(office), {"q": "etape"})
        assert [p.name for p in response.context["providers"]] == ["Hôtel de l'Étape"]

    def test_filters_combine(self, client_for, reader, office):
        village = CommuneFactory(insee_code="30189", name="Saint-Jean-du-Gard")
        ProviderFactory(office=office, name="A", category=Category.CAMPSITE, commune=village)
        ProviderFactory(office=office, name="B", category=Category.CAMPSITE)
        ProviderFactory(office=office, name="C", category=Category.HOTEL, commune=village)
        response = client_for(reader).get(url(office), {"category": "camping", "commune": "30189"})
        assert [p.name for p in response.context["providers"]] == ["A"]

    def test_bad_filter_values_are_ignored_not_500(self, client_for, reader, office):
        ProviderFactory(office=office, name="A")
        response = client_for(reader).get(
            url(office), {"category": "nimportequoi", "label": "abc", "page": "x"}
        )
        assert response.status_code == 200
        assert [p.name for p in response.context["providers"]] == ["A"]

    def test_pagination(self, client_for, reader, office):
        ProviderFactory.create_batch(55, office=office)
        response = client_for(reader).get(url(office), {"page": 2})
        assert len(response.context["providers"]) == 5
        assert "Page 2 sur 2" in response.content.decode()

    def test_htmx_request_gets_only_the_results(self, client_for, reader, office):
        ProviderFactory(office=office, name="A")
        response = client_for(reader).get(url(office), headers={"HX-Request": "true"})
        assert "<html" not in response.content.decode()
        assert "1 prestataire" in response.content.decode()

    def test_constant_query_count_with_1_and_3_rows(self, client_for, reader, office):
        client = client_for(reader)

        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(office)).status_code == 200
            return len(queries)

        ProviderFactory(office=office)
        one = count_queries()
        ProviderFactory.create_batch(2, office=office)
        assert count_queries() == one
        assert one <= 10


@pytest.mark.django_db
class TestDetailAndEdit:
    def test_detail(self, client_for, reader, office):
        provider = ProviderFactory(office=office, name="Canoë Vallée Verte", phone="04 66 00 00 00")
        page = client_for(reader).get(
            url(office, "members:provider_detail", provider_id=provider.pk)
        )
        assert "Canoë Vallée Verte" in page.content.decode()
        assert "04 66 00 00 00" in page.content.decode()

    def test_reader_cannot_edit(self, client_for, reader, office):
        provider = ProviderFactory(office=office, name="A")
        client = client_for(reader)
        assert (
            client.get(url(office, "members:provider_edit", provider_id=provider.pk)).status_code
            == 403
        )
        assert (
            client.post(
                url(office, "members:provider_archive", provider_id=provider.pk)
            ).status_code
            == 403
        )
        provider.refresh_from_db()
        assert provider.archived_at is None

    def test_create_with_commune_labels_tags_socials_and_consent(
        self, client_for, animator, office
    ):
        response = client_for(animator).post(
            url(office, "members:provider_create"),
            {
                "name": "Gîte Les Micocouliers",
                "category": Category.RENTAL,
                "membership_status": MembershipStatus.MEMBER,
                "city": "Anduze",
                "postal_code": "30140",
                "insee_code": "30010",
                "email": "gite@example.org",
                "website": "https://micocouliers.example/",
                "social_facebook": "https://facebook.com/micocouliers",
                "labels_text": "Gîtes de France, Accueil Vélo",
                "tags_text": "bord de rivière",
                "marketing_consent": "on",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        provider = Provider.objects.get(office=office)
        assert provider.commune.insee_code == "30010"
        assert provider.commune.name == "Anduze"
        assert provider.social_links == {"facebook": "https://facebook.com/micocouliers"}
        assert sorted(label.name for label in provider.labels.all()) == [
            "Accueil Vélo",
            "Gîtes de France",
        ]
        assert [tag.name for tag in provider.tags.all()] == ["bord de rivière"]
        assert provider.marketing_consent_at is not None
        assert animator.email in provider.marketing_consent_source

    def test_bad_input_is_explained_and_nothing_saved(self, client_for, animator, office):
        response = client_for(animator).post(
            url(office, "members:provider_create"),
            {
                "name": "",
                "category": "x",
                "email": "pas-un-email",
                "insee_code": "123",
                "website": "javascript:alert(1)",
            },
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert {"name", "category", "email", "insee_code", "website"} <= set(errors)
        assert not Provider.objects.exists()

    def test_withdrawing_consent_clears_its_date(self, client_for, animator, office):
        provider = ProviderFactory(office=office, name="A", marketing_consent=True)
        client_for(animator).post(
            url(office, "members:provider_edit", provider_id=provider.pk),
            {"name": "A", "category": provider.category, "membership_status": "adherent"},
        )
        provider.refresh_from_db()
        assert provider.marketing_consent is False
        assert provider.marketing_consent_at is None

    def test_archive_and_restore(self, client_for, animator, office):
        provider = ProviderFactory(office=office, name="A")
        client = client_for(animator)
        client.post(url(office, "members:provider_archive", provider_id=provider.pk))
        provider.refresh_from_db()
        assert provider.is_archived
        client.post(url(office, "members:provider_restore", provider_id=provider.pk))
        provider.refresh_from_db()
        assert not provider.is_archived

    def test_archive_needs_post(self, client_for, animator, office):
        provider = ProviderFactory(office=office, name="A")
        assert (
            client_for(animator)
            .get(url(office, "members:provider_archive", provider_id=provider.pk))
            .status_code
            == 405
        )


@pytest.mark.django_db
class TestExports:
    def test_csv_export_follows_filters_and_neutralises_formulas(
        self, client_for, reader, office, other_office
    ):
        provider = ProviderFactory(
            office=office,
            name='=HYPERLINK("http://evil")',
            category=Category.HOTEL,
            phone="+33 4 66 00 00 00",
        )
        provider.labels.add(Label.objects.create(name="Logis"))
        ProviderFactory(office=office, name="Camping", category=Category.CAMPSITE)
        ProviderFactory(office=other_office, name="Ailleurs", category=Category.HOTEL)
        response = client_for(reader).get(
            url(office, "members:provider_export_csv"), {"category": "hotel"}
        )
        assert response["Content-Disposition"].startswith(
            'attachment; filename="prestataires-haut-vallon-'
        )
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        header, *data = rows
        assert header[:4] == ["Identifiant Balise", "Nom commercial", "Raison sociale", "Catégorie"]
        assert len(data) == 1
        record = dict(zip(header, data[0], strict=True))
        assert record["Nom commercial"].startswith("'=")
        assert record["Téléphone"] == "+33 4 66 00 00 00"
        assert record["Labels"] == "Logis"

    def test_xlsx_export(self, client_for, reader, office):
        ProviderFactory(office=office, name="Hôtel du Pont")
        response = client_for(reader).get(url(office, "members:provider_export_xlsx"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:2] == ("Identifiant Balise", "Nom commercial")
        assert rows[1][1] == "Hôtel du Pont"


@pytest.mark.django_db
def test_an_edited_export_imports_back_onto_the_same_providers(
    client_for, animator, office, other_office, tmp_path
):
    """Rename a provider in the exported file: the re-import updates it, no duplicate.

    The export is read in English too: files are always written in French.
    """
    from balise.members import imports

    gite = ProviderFactory(office=office, name="Gîte des Cigales", phone="04 66 00 00 01")
    foreign = ProviderFactory(office=other_office, name="Ailleurs")
    client = client_for(animator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = b"".join(client.get(url(office, "members:provider_export_csv")).streaming_content)
    edited = text.decode("utf-8-sig").replace("Gîte des Cigales", "Gîte Les Cigales")
    # A line carrying another office's id must not touch that office's provider.
    edited += f"{foreign.pk};Intrus;;Hôtel\n"
    path = tmp_path / "export.csv"
    path.write_text(edited, encoding="utf-8")
    sheet = imports.inspect_spreadsheet(format="csv", path=path)
    assert sheet.suggested_mapping["Identifiant Balise"] == "balise_id"
    records = imports.read_records(
        format="csv", paths=[path], office=office, options={"mapping": sheet.suggested_mapping}
    )
    plan = imports.plan_import(office=office, records=records)
    assert plan.counts["update"] == 1, plan.error_messages()
    assert plan.counts["create"] == 1
    imports.apply_import(office=office, plan=plan)
    gite.refresh_from_db()
    assert gite.name == "Gîte Les Cigales"
    foreign.refresh_from_db()
    assert foreign.name == "Ailleurs"
    assert Provider.objects.filter(office=office).count() == 2


@pytest.mark.django_db
def test_prefixed_filters_keep_their_choice_when_redisplayed(office):
    """A campaign's target filters use a prefix: redisplaying the form must keep them,
    or "Créer la campagne" after "Compter" would target every provider."""
    from balise.members.filters import ProviderFilterForm

    form = ProviderFilterForm({"cible-category": "hotel"}, office=office, prefix="cible")
    category = next(select for select in form.select_fields() if select["name"] == "cible-category")
    assert [value for value, _label, selected in category["options"] if selected] == ["hotel"]
