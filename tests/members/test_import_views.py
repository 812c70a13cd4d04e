"""The import wizard in the browser's words: upload → columns → preview → confirm."""

import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from balise.members.models import ImportBatch, Provider

from ..factories import MembershipFactory, ProviderFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MESSY_CSV = FIXTURES / "imports" / "adherents_haut_vallon.csv"
DATATOURISME = FIXTURES / "samples" / "datatourisme"


def url(office, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"office_slug": office.slug, **kwargs})


def upload(client, office, path: Path, format: str):
    return client.post(
        url(office, "import_start"),
        {
            "format": format,
            "new_status": "adherent",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
        },
    )


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """POST the preview's form and run the job it queues, as a worker would."""

    def post(client, office, batch, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url(office, "import_preview", batch_id=batch.pk), data or {"confirm": "1"}
            )

    return post


@pytest.mark.django_db
class TestSpreadsheetWizard:
    def test_upload_map_preview_then_confirm(self, client_for, animator, office, confirm):
        client = client_for(animator)
        response = upload(client, office, MESSY_CSV, "csv")
        batch = ImportBatch.objects.get(office=office)
        assert response["Location"] == url(office, "import_mapping", batch_id=batch.pk)

        mapping_page = client.get(response["Location"])
        form = mapping_page.context["form"]
        # French headers are recognised without help.
        suggested = {form[name].label: form[name].initial for name in form.fields}
        assert suggested["Nom commercial"] == "name"
        assert suggested["Code INSEE"] == "insee_code"
        data = {name: form[name].initial or "" for name in form.fields}
        preview = client.post(response["Location"], data, follow=True)
        assert preview.context["preview"]["counts"]["create"] >= 2
        assert not Provider.objects.filter(office=office).exists(), "a preview writes nothing"

        done = confirm(client, office, batch)
        assert done["Location"] == url(office, "import_result", batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.APPLIED
        created = Provider.objects.filter(office=office).count()
        assert created == batch.summary["create"]
        hotel = Provider.objects.get(office=office, name="Hôtel du Gardon")
        assert hotel.commune.insee_code == "30010"

    def test_mapping_without_a_name_column_is_refused(self, client_for, animator, office):
        client = client_for(animator)
        response = upload(client, office, MESSY_CSV, "csv")
        form = client.get(response["Location"]).context["form"]
        page = client.post(response["Location"], dict.fromkeys(form.fields, ""))
        assert "colonne qui contient le nom" in page.content.decode()

    def test_cancel_writes_nothing(self, client_for, animator, office, tmp_path):
        client = client_for(animator)
        upload(
            client,
            office,
            DATATOURISME / "30-0049c43b-5087-3c44-87ef-349d316fc2b8.json",
            "datatourisme",
        )
        batch = ImportBatch.objects.get(office=office)
        client.post(url(office, "import_preview", batch_id=batch.pk), {"cancel": "1"})
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.CANCELLED
        assert not Provider.objects.exists()


@pytest.mark.django_db
class TestBadInput:
    def test_a_broken_file_is_explained_and_writes_nothing(self, client_for, animator, office):
        client = client_for(animator)
        upload(client, office, FIXTURES / "imports" / "broken.json", "datatourisme")
        batch = ImportBatch.objects.get(office=office)
        response = client.get(url(office, "import_preview", batch_id=batch.pk))
        assert response.status_code == 400
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.FAILED
        assert batch.summary["error"]
        assert escape(batch.summary["error"]) in response.content.decode()
        assert not Provider.objects.exists()

    def test_rows_with_errors_block_the_whole_import(
        self, client_for, animator, office, tmp_path, confirm
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "Nom;Mail\nGîte A;gite-a@example.org\nGîte B;pas-un-email\n", encoding="utf-8"
        )
        client = client_for(animator)
        response = upload(client, office, bad, "csv")
        batch = ImportBatch.objects.get(office=office)
        batch.options = {"mapping": {"Nom": "name", "Mail": "email"}}
        batch.save()
        preview = client.get(url(office, "import_preview", batch_id=batch.pk))
        assert preview.context["has_errors"]
        assert "Confirmer l&#x27;import" not in preview.content.decode()
        confirm(client, office, batch)
        assert not Provider.objects.exists()
        assert response.status_code == 302

    def test_empty_upload_is_refused(self, client_for, animator, office):
        response = client_for(animator).post(
            url(office, "import_start"),
            {"format": "csv", "file": SimpleUploadedFile("vide.csv", b"")},
        )
        assert response.status_code == 200
        assert "vide" in response.content.decode()
        assert not ImportBatch.objects.exists()

    def test_reader_cannot_import(self, client_for, reader, office):
        response = upload(client_for(reader), office, MESSY_CSV, "csv")
        assert response.status_code == 403
        assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_reimporting_the_same_sit_files_changes_nothing(
    client_for, animator, office, tmp_path, confirm
):
    folder = tmp_path / "dt"
    shutil.copytree(DATATOURISME, folder)
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", folder)
    client = client_for(animator)
    for _round in range(2):
        upload(client, office, Path(archive), "datatourisme")
        batch = ImportBatch.objects.filter(office=office).first()
        confirm(client, office, batch)
    first, second = ImportBatch.objects.filter(office=office).order_by("created_at")
    assert first.summary["create"] == 4
    assert second.summary["create"] == 0
    assert second.summary["update"] == 0
    assert second.summary["unchanged"] == 4
    assert Provider.objects.filter(office=office).count() == 4


@pytest.mark.django_db
def test_staff_list_query_count_does_not_grow(client_for, admin_user, office):
    client = client_for(admin_user)
    staff_url = reverse("offices:staff_list", kwargs={"office_slug": office.slug})

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(staff_url).status_code == 200
        return len(queries)

    one = count()
    MembershipFactory.create_batch(2, office=office)
    assert count() == one


@pytest.mark.django_db
def test_new_providers_from_a_regional_feed_get_the_chosen_membership(
    client_for, animator, office, confirm
):
    client = client_for(animator)
    sample = DATATOURISME / "30-0049c43b-5087-3c44-87ef-349d316fc2b8.json"
    client.post(
        url(office, "import_start"),
        {
            "format": "datatourisme",
            "new_status": "non_adherent",
            "file": SimpleUploadedFile(sample.name, sample.read_bytes()),
        },
    )
    batch = ImportBatch.objects.get(office=office)
    confirm(client, office, batch)
    assert Provider.objects.get(office=office).membership_status == "non_adherent"


@pytest.mark.django_db
def test_the_preview_names_each_changed_field_as_the_form_does(
    client_for, animator, office, tmp_path
):
    ProviderFactory(office=office, name="Hôtel du Pont", legal_name="", commune=None, city="Sauve")
    changed = tmp_path / "raisons.csv"
    changed.write_text("Nom;Raison sociale;Commune\nHôtel du Pont;SARL Pont;Sauve\n")
    client = client_for(animator)
    upload(client, office, changed, "csv")
    batch = ImportBatch.objects.get(office=office)
    batch.options = {"mapping": {"Nom": "name", "Raison sociale": "legal_name", "Commune": "city"}}
    batch.save()
    preview = client.get(url(office, "import_preview", batch_id=batch.pk)).content.decode()
    assert "<li>Raison sociale : «  » → « SARL Pont »</li>" in preview
    assert "legal_name" not in preview
