"""Imports in the background, with progress, and "import the valid rows" with the rejected
rows downloadable as a spreadsheet."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from balise.members import import_batches
from balise.members.models import ImportBatch, Provider

from ..factories import ProviderFactory
from . import hostile

MAPPING = {"Nom": "name", "Téléphone": "phone", "Commune": "city", "Note": "notes"}
# One duplicate (line 4 repeats line 2) and one bad phone number (line 5).
MIXED_CSV = (
    "Nom;Téléphone;Commune;Note\n"
    'Gîte des Chênes;04 66 85 32 10;Anduze;=HYPERLINK("http://x")\n'
    "Camping du Pont;04 66 85 00 00;Sauve;\n"
    "Gîte des Chênes;04 66 85 32 10;Anduze;doublon\n"
    "Ferme Rouge;12;Lasalle;@SUM(A1)\n"
    "Café de la Place;04 66 11 22 33;Anduze;\n"
)
ALL_INVALID_CSV = "Nom;Téléphone\nGîte A;12\nGîte B;pas un numéro\n"
VALID_CSV = "Nom;Téléphone\nGîte A;04 66 00 00 01\n"


def url(office, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"office_slug": office.slug, **kwargs})


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Runs the jobs queued during the block, as a worker would (ImmediateBackend)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload(client, office, name: str, content: bytes, fmt: str = "csv") -> ImportBatch:
    client.post(
        url(office, "import_start"),
        {"format": fmt, "new_status": "adherent", "file": SimpleUploadedFile(name, content)},
    )
    batch = ImportBatch.objects.filter(office=office).first()
    if fmt in ("csv", "xlsx"):
        batch.options = {**batch.options, "mapping": MAPPING}
        batch.save()
    return batch


def rejected_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.django_db
class TestValidRowsOnly:
    def test_the_valid_rows_are_imported_and_the_rejected_ones_downloadable(
        self, client_for, animator, office, run_jobs
    ):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", MIXED_CSV.encode())
        page = client.get(url(office, "import_preview", batch_id=batch.pk)).content.decode()
        assert "Importer les 3 lignes valides" in page
        assert "Confirmer l&#x27;import" not in page

        with run_jobs():
            response = client.post(
                url(office, "import_preview", batch_id=batch.pk), {"skip_invalid": "1"}
            )
        assert response["Location"] == url(office, "import_result", batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.APPLIED
        assert sorted(Provider.objects.filter(office=office).values_list("name", flat=True)) == [
            "Café de la Place",
            "Camping du Pont",
            "Gîte des Chênes",
        ]
        assert batch.summary["create"] == 3
        assert batch.summary["error"] == 2
        result = client.get(url(office, "import_result", batch_id=batch.pk)).content.decode()
        assert "2 rejetés" in result

        rows = rejected_rows(client.get(url(office, "import_rejected", batch_id=batch.pk)))
        assert rows[0] == ["Nom", "Téléphone", "Commune", "Note", "motif du rejet"]
        assert rows[1][:4] == ["Gîte des Chênes", "04 66 85 32 10", "Anduze", "doublon"]
        assert "ligne 2" in rows[1][4]
        assert rows[2][:3] == ["Ferme Rouge", "12", "Lasalle"]
        assert rows[2][3] == "'@SUM(A1)", "a formula from the file stays text"
        assert "téléphone" in rows[2][4]
        assert len(rows) == 3

    def test_without_the_choice_nothing_is_written(self, client_for, animator, office, run_jobs):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", MIXED_CSV.encode())
        with run_jobs():
            client.post(url(office, "import_preview", batch_id=batch.pk), {"confirm": "1"})
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEWED
        assert not Provider.objects.exists()

    def test_a_file_where_every_row_is_invalid(self, client_for, animator, office, run_jobs):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", ALL_INVALID_CSV.encode())
        page = client.get(url(office, "import_preview", batch_id=batch.pk)).content.decode()
        assert "Aucune ligne du fichier n'est valide" in page
        assert "lignes valides" not in page
        with run_jobs():
            client.post(url(office, "import_preview", batch_id=batch.pk), {"skip_invalid": "1"})
        assert not Provider.objects.exists()
        rows = rejected_rows(client.get(url(office, "import_rejected", batch_id=batch.pk)))
        assert [row[0] for row in rows] == ["Nom", "Gîte A", "Gîte B"]

    def test_the_rejected_objects_of_a_sit_feed_are_listed_by_id(
        self, client_for, animator, office, run_jobs
    ):
        content = (
            '{"value": [{"SyndicObjectID": "T1", "SyndicObjectName": "Hôtel"},'
            ' {"SyndicObjectName": "Sans identifiant"}]}'
        ).encode()
        client = client_for(animator)
        batch = upload(client, office, "flux.json", content, fmt="tourinsoft")
        with run_jobs():
            client.post(url(office, "import_preview", batch_id=batch.pk), {"skip_invalid": "1"})
        assert list(Provider.objects.values_list("name", flat=True)) == ["Hôtel"]
        rows = rejected_rows(client.get(url(office, "import_rejected", batch_id=batch.pk)))
        assert rows[0] == ["Où", "Identifiant", "Nom", "motif du rejet"]
        assert rows[1][2] == "Sans identifiant"
        assert "identifiant" in rows[1][3]


@pytest.mark.django_db
class TestBackgroundJobs:
    def test_a_big_file_is_read_in_the_background_with_progress(
        self, client_for, animator, office, run_jobs, settings
    ):
        settings.BALISE_IMPORT_INLINE_BYTES = 10
        client = client_for(animator)
        batch = upload(
            client, office, "adherents.csv", MIXED_CSV.replace(";12;", ";04 66 00 00 01;").encode()
        )
        response = client.get(url(office, "import_preview", batch_id=batch.pk))
        assert response["Location"] == url(office, "import_result", batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.READING

        page = client.get(url(office, "import_result", batch_id=batch.pk)).content.decode()
        assert "<progress" in page and "hx-get" in page and "Rafraîchir" in page
        partial = client.get(
            url(office, "import_progress", batch_id=batch.pk), HTTP_HX_REQUEST="true"
        )
        assert "HX-Refresh" not in partial

        import_batches.run(batch.pk)  # the worker's turn
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEWED
        assert batch.progress_done == batch.progress_total == 5
        partial = client.get(
            url(office, "import_progress", batch_id=batch.pk), HTTP_HX_REQUEST="true"
        )
        assert partial["HX-Refresh"] == "true"
        assert "hx-get" not in partial.content.decode(), "polling stops"
        preview = client.get(url(office, "import_preview", batch_id=batch.pk))
        assert preview.context["preview"]["counts"]["create"] == 4

    def test_without_javascript_the_progress_url_shows_the_page(self, client_for, animator, office):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", MIXED_CSV.encode())
        response = client.get(url(office, "import_progress", batch_id=batch.pk))
        assert response["Location"] == url(office, "import_result", batch_id=batch.pk)

    def test_a_double_confirmation_queues_one_import(self, client_for, animator, office, run_jobs):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", VALID_CSV.encode())
        client.get(url(office, "import_preview", batch_id=batch.pk))
        assert import_batches.start_applying(batch)
        assert not import_batches.start_applying(batch)

    def test_a_job_run_again_after_a_crash_imports_once(
        self, client_for, animator, office, monkeypatch
    ):
        client = client_for(animator)
        batch = upload(client, office, "adherents.csv", MIXED_CSV.encode())
        client.get(url(office, "import_preview", batch_id=batch.pk))
        assert import_batches.start_applying(batch, skip_invalid=True)

        # The worker dies while writing (a BaseException: no handler runs, as on kill -9).
        from balise.members import imports

        real_apply = imports.apply_import

        def dying(**kwargs):
            real_apply(**kwargs)
            raise KeyboardInterrupt

        monkeypatch.setattr(imports, "apply_import", dying)
        with pytest.raises(KeyboardInterrupt):
            import_batches.run(batch.pk)
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.APPLYING
        assert not Provider.objects.exists(), "the interrupted transaction wrote nothing"

        monkeypatch.setattr(imports, "apply_import", real_apply)
        assert import_batches.run(batch.pk) == ImportBatch.Status.APPLIED
        assert import_batches.run(batch.pk) == ImportBatch.Status.APPLIED  # delivered twice
        assert Provider.objects.filter(office=office).count() == 3

    def test_the_confirmed_plan_is_computed_again(self, client_for, animator, office, run_jobs):
        client = client_for(animator)
        batch = upload(
            client, office, "adherents.csv", "Nom;Commune\nGîte des Chênes;Anduze\n".encode()
        )
        client.get(url(office, "import_preview", batch_id=batch.pk))
        ProviderFactory(office=office, name="Gîte des Chênes", city="Anduze", commune=None)
        with run_jobs():
            client.post(url(office, "import_preview", batch_id=batch.pk), {"confirm": "1"})
        batch.refresh_from_db()
        assert batch.summary["create"] == 0, "the provider added meanwhile is matched"
        assert Provider.objects.filter(office=office).count() == 1

    def test_a_hostile_file_fails_the_batch_with_its_message(
        self, client_for, animator, office, tmp_path, run_jobs, settings
    ):
        settings.BALISE_IMPORT_INLINE_BYTES = 10
        bomb = hostile.zip_of_big_csvs(
            tmp_path / "adherents.zip", count=3, member_bytes=8 * hostile.MB
        )
        client = client_for(animator)
        batch = upload(client, office, "adherents.zip", bomb.read_bytes(), fmt="datatourisme")
        with run_jobs():
            client.get(url(office, "import_preview", batch_id=batch.pk))
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.FAILED
        assert "trop volumineuse" in batch.summary["error"]
        page = client.get(url(office, "import_result", batch_id=batch.pk)).content.decode()
        assert "trop volumineuse" in page
        assert not Provider.objects.exists()

    def test_readers_follow_progress_but_cannot_download_rejected_rows(
        self, client_for, animator, reader, office
    ):
        batch = upload(client_for(animator), office, "adherents.csv", ALL_INVALID_CSV.encode())
        client_for(animator).get(url(office, "import_preview", batch_id=batch.pk))
        client = client_for(reader)
        assert client.get(url(office, "import_result", batch_id=batch.pk)).status_code == 200
        assert client.get(url(office, "import_rejected", batch_id=batch.pk)).status_code == 403


@pytest.mark.django_db
class TestCommand:
    def write(self, tmp_path, text):
        path = tmp_path / "adherents.csv"
        path.write_text(text, encoding="utf-8")
        mapping = tmp_path / "mapping.json"
        mapping.write_text(
            '{"Nom": "name", "Téléphone": "phone", "Commune": "city", "Note": "notes"}'
        )
        return path, mapping

    def run(self, office, *args):
        out = io.StringIO()
        call_command(
            "import_members",
            "--office",
            office.slug,
            "--format",
            "csv",
            *args,
            stdout=out,
            stderr=io.StringIO(),
        )
        return out.getvalue()

    def test_skip_invalid_imports_the_valid_rows_and_writes_the_rejected(self, office, tmp_path):
        path, mapping = self.write(tmp_path, MIXED_CSV)
        rejected = tmp_path / "rejets.xlsx"
        out = self.run(
            office,
            "--mapping",
            str(mapping),
            "--skip-invalid",
            "--rejected",
            str(rejected),
            str(path),
        )
        assert "2 fiche(s) en erreur laissée(s) de côté" in out
        assert Provider.objects.filter(office=office).count() == 3
        sheet = openpyxl.load_workbook(rejected).worksheets[0]
        assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
            "Nom",
            "Gîte des Chênes",
            "Ferme Rouge",
        ]

    def test_without_the_option_errors_still_refuse_everything(self, office, tmp_path):
        path, mapping = self.write(tmp_path, MIXED_CSV)
        with pytest.raises(CommandError, match="Import refusé : 2 erreur"):
            self.run(office, "--mapping", str(mapping), str(path))
        assert not Provider.objects.exists()

    def test_every_row_invalid(self, office, tmp_path):
        path, mapping = self.write(tmp_path, ALL_INVALID_CSV)
        with pytest.raises(CommandError, match="aucune fiche valide"):
            self.run(office, "--mapping", str(mapping), "--skip-invalid", str(path))
        assert not Provider.objects.exists()
