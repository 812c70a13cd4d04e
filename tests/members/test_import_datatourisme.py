"""DATAtourisme import, on the real sample files and on an @graph export."""

import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from balise.members import imports
from balise.members.models import Commune, Provider, ProviderSourceId

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAMPLES = FIXTURES / "samples" / "datatourisme"
OWN = FIXTURES / "imports"
MAZETTE = SAMPLES / "23-005819a3-aaf9-31ba-9f1f-5616e78d8738.json"
CHEZ_JEANNE = SAMPLES / "30-0049c43b-5087-3c44-87ef-349d316fc2b8.json"
ABBAYE = SAMPLES / "30-0075b425-3bee-3e37-ae93-5f5a5535d1b2.json"
SPA = SAMPLES / "30-00a39ffb-490b-3795-8f6c-7c2bb75ffa6a.json"


def run_import(office, paths, *, apply=True):
    records = imports.read_records(format="datatourisme", paths=paths, office=office)
    plan = imports.plan_import(office=office, records=records)
    if apply:
        imports.apply_import(office=office, plan=plan)
    return plan


def test_records_hold_the_values_of_the_sample_files(office):
    records = {
        r.external_id: r
        for r in imports.read_records(format="datatourisme", paths=[SAMPLES], office=office)
    }
    assert sorted(records) == [
        "ASCNOR076V51BQWB",
        "HLOAQU087V5004TY",
        "PCUNOR050FS000M8",
        "RESNOR050V50LHP5",
    ]

    jeanne = records["RESNOR050V50LHP5"].fields
    assert jeanne["name"] == "Chez Jeanne"
    assert jeanne["category"] == "restaurant"
    assert jeanne["address"] == "1 rue Division Leclerc"
    assert jeanne["postal_code"] == "50480"
    assert jeanne["city"] == "Sainte-Mère-Église"
    assert jeanne["insee_code"] == "50523"
    assert jeanne["email"] == "chezjeannecreperie@gmail.com"
    assert jeanne["phone"] == "+33 2 14 14 13 60"  # the first of two numbers
    assert jeanne["website"] == "http://www.chezjeannecreperie.com/"
    assert jeanne["latitude"] == Decimal("49.409053")
    assert jeanne["longitude"] == Decimal("-1.317770")
    assert jeanne["description"].startswith('La Crêperie "Chez Jeanne" vous propose')

    mazette = records["HLOAQU087V5004TY"].fields
    assert mazette["name"] == "MAZETTE"
    assert mazette["category"] == "meuble"
    assert mazette["address"] == "Le Mas Mazet"
    assert (mazette["postal_code"], mazette["city"], mazette["insee_code"]) == (
        "87600",
        "Videix",
        "87204",
    )
    assert mazette["email"] == "reservation@gitesdefrance87.fr"
    assert mazette["phone"] == "+33 5 55 79 72 63"
    assert mazette["classification"] == "3 épis / Confort"
    assert mazette["labels"] == ["Gîtes de France"]
    assert mazette["legal_name"] == "MAZETTE"

    abbaye = records["PCUNOR050FS000M8"].fields
    assert abbaye["name"] == "Abbaye Sainte-Trinité de La Lucerne"
    assert abbaye["category"] == "site_visite"
    assert (abbaye["postal_code"], abbaye["city"], abbaye["insee_code"]) == (
        "50320",
        "La Lucerne-d'Outremer",
        "50281",
    )
    assert "address" not in abbaye  # the file has no street: nothing, not ""
    assert abbaye["website"] == "https://www.abbaye-lucerne.fr/"
    assert abbaye["email"] == "accueil@abbaye-lucerne.fr"

    spa = records["ASCNOR076V51BQWB"].fields
    assert spa["name"] == "Bien-être et soins"
    assert spa["category"] == "activite"
    assert (spa["postal_code"], spa["city"], spa["insee_code"]) == (
        "76450",
        "Cany-Barville",
        "76159",
    )
    assert spa["phone"] == "+33 2 35 57 91 11"
    assert spa["website"] == "https://www.piscinedelavallee.com/"
    assert all(not r.errors for r in records.values())


def test_import_creates_providers_communes_labels_and_source_ids(office):
    plan = run_import(office, [SAMPLES])

    assert plan.counts == {"create": 4, "update": 0, "unchanged": 0, "skip": 0, "error": 0}
    jeanne = Provider.objects.get(office=office, source_ids__external_id="RESNOR050V50LHP5")
    assert jeanne.name == "Chez Jeanne"
    assert jeanne.normalized_name == "chez jeanne"
    assert jeanne.commune.insee_code == "50523"
    assert jeanne.commune.name == "Sainte-Mère-Église"
    assert jeanne.commune.postal_code == "50480"
    mazette = Provider.objects.get(office=office, name="MAZETTE")
    assert [label.name for label in mazette.labels.all()] == ["Gîtes de France"]
    assert mazette.classification == "3 épis / Confort"
    assert set(ProviderSourceId.objects.filter(office=office).values_list("source", flat=True)) == {
        "datatourisme"
    }


def test_second_import_changes_nothing(office, django_assert_max_num_queries):
    run_import(office, [SAMPLES])
    with django_assert_max_num_queries(6):
        plan = run_import(office, [SAMPLES], apply=False)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 4, "skip": 0, "error": 0}
    imports.apply_import(office=office, plan=plan)
    assert Provider.objects.filter(office=office).count() == 4
    assert ProviderSourceId.objects.filter(office=office).count() == 4
    assert Commune.objects.count() == 4


def test_a_changed_value_updates_the_provider_in_place(office, tmp_path):
    run_import(office, [CHEZ_JEANNE])
    provider = Provider.objects.get(office=office)
    changed = tmp_path / "jeanne.json"
    changed.write_text(
        CHEZ_JEANNE.read_text(encoding="utf-8").replace(
            "chezjeannecreperie@gmail.com", "contact@chezjeanne.fr"
        ),
        encoding="utf-8",
    )

    plan = run_import(office, [changed])

    assert plan.counts["update"] == 1
    assert plan.rows[0].changes == {
        "email": ("chezjeannecreperie@gmail.com", "contact@chezjeanne.fr")
    }
    provider.refresh_from_db()
    assert provider.email == "contact@chezjeanne.fr"
    assert Provider.objects.filter(office=office).count() == 1


def test_graph_export_with_colon_keys(office):
    records = imports.read_records(
        format="datatourisme", paths=[OWN / "datatourisme_graph.json"], office=office
    )

    hotel, table, fete = records
    assert hotel.external_id == "HOTOCC030V500001"
    assert hotel.fields["name"] == "Hôtel des Cévennes"
    assert hotel.fields["category"] == "hotel"
    assert hotel.fields["insee_code"] == "30010"  # from a flattened kb:30010 node
    assert hotel.fields["address"] == "2 place Couderc"
    assert hotel.fields["phone"] == "+33 4 66 61 00 01"
    assert hotel.fields["latitude"] == Decimal("44.049800")
    assert hotel.fields["classification"] == "2 étoiles"
    assert table.fields["address"] == "Le Pont, Route de Saint-Jean"
    assert table.fields["social_links"] == {"facebook": "https://www.facebook.com/latabledupont"}
    assert "website" not in table.fields
    assert fete.skip_reason == "événement, pas un prestataire"


def test_events_are_skipped_with_a_reason(office):
    plan = run_import(office, [OWN / "datatourisme_event.json", CHEZ_JEANNE])

    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "skip": 1, "error": 0}
    skipped = next(row for row in plan.rows if row.action == "skip")
    assert skipped.record.skip_reason == "événement, pas un prestataire"
    assert skipped.record.fields["name"] == "Festival des Cévennes"
    assert not Provider.objects.filter(name="Festival des Cévennes").exists()


def test_zip_of_json_files_and_national_index(office, tmp_path):
    archive = tmp_path / "flux.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "index.json", '[{"label": "Chez Jeanne", "file": "objects/30/chez-jeanne.json"}]'
        )
        zf.write(CHEZ_JEANNE, "objects/30/chez-jeanne.json")
        zf.write(ABBAYE, "objects/30/abbaye.json")
        zf.writestr("__MACOSX/._abbaye.json", "garbage")

    plan = run_import(office, [archive])

    assert plan.counts["create"] == 2
    assert set(Provider.objects.values_list("name", flat=True)) == {
        "Chez Jeanne",
        "Abbaye Sainte-Trinité de La Lucerne",
    }
    locators = [row.record.locator for row in plan.rows]
    assert "objet RESNOR050V50LHP5 (fichier chez-jeanne.json)" in locators


def test_a_folder_is_read_recursively(office, tmp_path):
    folder = tmp_path / "export" / "sub"
    folder.mkdir(parents=True)
    shutil.copy(SPA, folder / "spa.json")
    records = imports.read_records(
        format="datatourisme", paths=[tmp_path / "export"], office=office
    )
    assert [r.external_id for r in records] == ["ASCNOR076V51BQWB"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "n'est pas un JSON valide"),
        (b"", "est vide"),
        (b'{"value": []}', "Aucun objet DATAtourisme"),
        (b"PK\x03\x04broken", "n'est pas une archive ZIP lisible"),
    ],
)
def test_broken_files_raise_a_french_error_and_write_nothing(office, tmp_path, content, message):
    path = OWN / "broken.json"
    if content is not None:
        path = tmp_path / ("export.zip" if content.startswith(b"PK") else "fichier.json")
        path.write_bytes(content)
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_records(format="datatourisme", paths=[path], office=office)
    assert not Provider.objects.exists()


def test_another_office_with_the_same_sit_id_is_not_matched(office, other_office):
    run_import(other_office, [CHEZ_JEANNE])
    theirs = Provider.objects.get(office=other_office)

    plan = run_import(office, [CHEZ_JEANNE])

    assert plan.counts["create"] == 1
    assert plan.rows[0].provider.office == office
    assert Provider.objects.filter(name="Chez Jeanne").count() == 2
    theirs.refresh_from_db()
    assert theirs.office == other_office
