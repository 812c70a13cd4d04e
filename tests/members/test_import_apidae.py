"""Apidae import: the real API object and export zip, plus an export built around them."""

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from balise.members import imports
from balise.members.models import Provider, ProviderSourceId

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples" / "apidae"
HOTEL = SAMPLES / "hot_fr_en.json"
EXPORT = SAMPLES / "json_export.zip"


def run_import(office, paths, *, apply=True):
    records = imports.read_records(format="apidae", paths=paths, office=office)
    plan = imports.plan_import(office=office, records=records)
    if apply:
        imports.apply_import(office=office, plan=plan)
    return plan


def hotel_object() -> dict:
    return json.loads(HOTEL.read_text(encoding="utf-8"))[0]


def build_export(path: Path, objects: list[dict], *, communes=None, deleted=()) -> Path:
    """An export zip shaped like json_export.zip."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("objets_modifies/objets_modifies-1.json", json.dumps(objects))
        zf.writestr("objets_supprimes.json", json.dumps(list(deleted)))
        zf.writestr("communes.json", json.dumps(communes or []))
        zf.writestr("selections.json", "[]")
    return path


def test_api_object_values(office):
    (record,) = imports.read_records(format="apidae", paths=[HOTEL], office=office)

    assert record.source == "apidae"
    assert record.external_id == "898922"
    assert record.locator == "objet 898922 (fichier hot_fr_en.json)"
    assert record.fields == {
        "name": "La Châtelleraie",
        "category": "hotel",
        "description": "short desc fr",
        "address": "Château de La Devèze",
        "postal_code": "15600",
        "latitude": Decimal("44.715026"),
        "longitude": Decimal("2.207737"),
        "phone": "+33 4 71 49 09 09",  # type 201, not the fax (202)
        "email": "chatelleraie@wanadoo.fr",
        "website": "http://chatelleraie.co.uk/fr/",
        "contact_name": "Carrie HORGAN",
    }
    assert not record.errors


def test_real_export_zip_holds_only_events_and_a_deleted_object(office):
    plan = run_import(office, [EXPORT])

    assert plan.counts == {"create": 0, "update": 0, "unchanged": 0, "skip": 6, "error": 0}
    reasons = {row.record.external_id: row.record.skip_reason for row in plan.rows}
    assert reasons["4826137"] == "événement, pas un prestataire"
    assert reasons["4833997"] == "événement, pas un prestataire"
    assert reasons["123"] == "objet supprimé dans la base d'origine"
    names = {row.record.external_id: row.record.fields.get("name") for row in plan.rows}
    assert names["4828422"] == "Ex Anima - Théâtre équestre Zingaro"
    assert not Provider.objects.exists()


def test_export_resolves_the_commune_insee_code(office, tmp_path):
    restaurant = {
        "type": "RESTAURATION",
        "id": 5001,
        "nom": {"libelleFr": "Le Bistrot d'Aix"},
        "localisation": {
            "adresse": {
                "adresse1": "2 rue Jean Monard",
                "codePostal": "01500",
                "commune": {"id": 3},
            }
        },
        "informations": {
            "moyensCommunication": [
                {"type": {"id": 201}, "coordonnees": {"fr": "04.79.00.00.01"}},
                {
                    "type": {"id": 207},
                    "coordonnees": {"fr": "https://www.facebook.com/bistrotdaix"},
                },
                {
                    "type": {"id": 4000},
                    "coordonnees": {"fr": "https://www.tripadvisor.fr/Restaurant-bistrot"},
                },
                {
                    "type": {"id": 9999},
                    "coordonnees": {"fr": "https://www.instagram.com/bistrotdaix"},
                },
                {"type": {"id": 3755}, "coordonnees": {"fr": "https://twitter.com/bistrotdaix"}},
            ]
        },
    }
    communes = json.loads(zipfile.ZipFile(EXPORT).read("communes.json"))  # the real communes.json
    export = build_export(
        tmp_path / "export.zip", [hotel_object(), restaurant], communes=communes, deleted=[898922]
    )

    records = {
        r.locator: r for r in imports.read_records(format="apidae", paths=[export], office=office)
    }

    bistrot = records["objet 5001 (fichier objets_modifies-1.json)"].fields
    assert bistrot["insee_code"] == "01004"  # communes.json: id 3 → code 01004
    assert bistrot["city"] == "Ambérieu-en-Bugey"
    assert bistrot["category"] == "restaurant"
    assert bistrot["phone"] == "+33 4 79 00 00 01"
    assert bistrot["social_links"] == {
        "facebook": "https://www.facebook.com/bistrotdaix",
        "tripadvisor": "https://www.tripadvisor.fr/Restaurant-bistrot",
        "instagram": "https://www.instagram.com/bistrotdaix",
        "x": "https://twitter.com/bistrotdaix",
    }
    deleted = records["objet 898922 (fichier objets_supprimes.json)"]
    assert deleted.skip_reason == "objet supprimé dans la base d'origine"


def test_reimport_is_unchanged_and_a_deleted_object_is_left_alone(office, tmp_path):
    run_import(office, [HOTEL])
    assert run_import(office, [HOTEL]).counts["unchanged"] == 1

    export = build_export(tmp_path / "export.zip", [], deleted=[898922])
    plan = run_import(office, [export])

    (row,) = plan.rows
    assert row.action == "skip"
    assert row.provider.name == "La Châtelleraie"
    assert "laissée telle quelle" in row.messages[0]
    assert Provider.objects.filter(office=office, archived_at__isnull=True).count() == 1


def test_subtypes_events_and_structures(office, tmp_path):
    objects = [
        {
            "type": "HEBERGEMENT_LOCATIF",
            "id": 1,
            "nom": {"libelleFr": "Les Lavandes"},
            "informationsHebergementLocatif": {"hebergementLocatifType": {"id": 2619}},
        },
        {"type": "HEBERGEMENT_LOCATIF", "id": 2, "nom": {"libelleFr": "Gîte des Prés"}},
        {
            "type": "STRUCTURE",
            "id": 3,
            "nom": {"libelleFr": "Association des Amis du Vieux Moulin"},
        },
        {"type": "STRUCTURE", "id": 4, "nom": {"libelleFr": "Mairie de Sauve"}},
        {"type": "FETE_ET_MANIFESTATION", "id": 5, "nom": {"libelleFr": "Fête votive"}},
        {
            "type": "HOTELLERIE_PLEIN_AIR",
            "id": 6,
            "nom": {"libelleFr": "Camping du Pont"},
            "state": "DELETED",
        },
    ]
    path = tmp_path / "objets.json"
    path.write_text(json.dumps({"numFound": 6, "objetsTouristiques": objects}), encoding="utf-8")

    records = imports.read_records(format="apidae", paths=[path], office=office)

    assert [r.fields.get("category") for r in records[:4]] == [
        "chambre_hotes",
        "meuble",
        "association",
        "autre",
    ]
    assert records[4].skip_reason == "événement, pas un prestataire"
    assert records[5].skip_reason == "objet supprimé dans la base d'origine"


def test_tenancy_same_apidae_id_in_another_office(office, other_office):
    run_import(other_office, [HOTEL])
    plan = run_import(office, [HOTEL])
    assert plan.counts["create"] == 1
    assert ProviderSourceId.objects.filter(external_id="898922").count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"type": "HOTELLERIE", ', "n'est pas un JSON valide"),
        (b'{"value": []}', "Aucun objet Apidae"),
        (b"", "est vide"),
    ],
)
def test_unreadable_files(office, tmp_path, content, message):
    path = tmp_path / "apidae.json"
    path.write_bytes(content)
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_records(format="apidae", paths=[path], office=office)
