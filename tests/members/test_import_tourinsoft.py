"""Tourinsoft import: the real v2 and v3 feeds, and per-office field mappings."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from balise.members import imports
from balise.members.models import Provider

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples" / "tourinsoft"
V2 = SAMPLES / "tourinsoft_v2.json"
V3 = SAMPLES / "tourinsoft_v3.json"


def run_import(office, paths, *, options=None, apply=True):
    records = imports.read_records(format="tourinsoft", paths=paths, office=office, options=options)
    plan = imports.plan_import(office=office, records=records)
    if apply:
        imports.apply_import(office=office, plan=plan)
    return plan


def test_v2_feed_values(office):
    (record,) = imports.read_records(format="tourinsoft", paths=[V2], office=office)

    assert record.external_id == "HOTCEN0280010001"
    assert record.locator == "objet HOTCEN0280010001 (fichier tourinsoft_v2.json)"
    assert record.fields == {
        "name": "Hôtel du Perche",
        "category": "hotel",  # ObjectTypeName "Hôtellerie"
        "legal_name": "Hôtel du Perche",
        "description": (
            "A deux pas du centre ville, un hôtel tout neuf de bon confort à décoration très "
            "soignée et personnalisée selon les chambres. Espaces ouverts et ambiance familiale."
        ),
        "classification": "3 étoiles",
        "address": "Rue de la Bruyère",
        "postal_code": "28400",
        "city": "NOGENT-LE-ROTROU",
        "insee_code": "28280",
        "latitude": Decimal("48.329500"),
        "longitude": Decimal("0.804899"),
        "phone": "+33 2 37 53 43 60",  # "Téléphone filaire", not the "Télécopieur /fax"
        "email": "hotelduperche@brithotel.fr",
        "website": "http://www.hotel-du-perche.com",
        "labels": ["Qualité Tourisme"],
    }


def test_v3_feed_and_reimport(office):
    plan = run_import(office, [V3])

    assert plan.counts["create"] == 2
    names = set(Provider.objects.filter(office=office).values_list("name", flat=True))
    assert names == {"Hôtel du Perche", "Chatel du Perche"}
    hotel = Provider.objects.get(name="Hôtel du Perche")
    assert hotel.commune.insee_code == "28280"
    assert hotel.commune.name == "Nogent-le-Rotrou"  # the city stays as the feed wrote it
    assert hotel.city == "NOGENT-LE-ROTROU"
    assert [label.name for label in hotel.labels.all()] == ["Qualité Tourisme"]

    again = run_import(office, [V3])
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2, "skip": 0, "error": 0}
    # The v2 feed holds the same object: matched by its id, nothing new.
    assert run_import(office, [V2]).counts["unchanged"] == 1
    assert Provider.objects.filter(office=office).count() == 2


def test_office_mapping_then_import_option_override_the_default(office):
    office.tourinsoft_mapping = {
        "classification": "",
        "category_values": {"Hôtellerie": "chambre_hotes"},
        "communication_types": {"Télécopieur /fax": "phone", "Téléphone filaire": ""},
    }
    office.save()

    (record,) = imports.read_records(format="tourinsoft", paths=[V2], office=office)
    assert "classification" not in record.fields
    assert record.fields["category"] == "chambre_hotes"
    assert record.fields["phone"] == "+33 2 37 53 43 69"

    (record,) = imports.read_records(
        format="tourinsoft",
        paths=[V2],
        office=office,
        options={"mapping": {"name": "RaisonSociale", "classification": "Classification"}},
    )
    assert record.fields["classification"] == "Hôtels"


def test_feed_with_split_fields_events_and_a_communication_list(office, tmp_path):
    feed = {
        "value": [
            {
                "SyndicObjectID": "RESLAN0300000001",
                "SyndicObjectName": "Le Petit Pont",
                "ObjectTypeName": "Restauration",
                "Adresse1": "2 place du Marché",
                "CodePostal": "30610",
                "Commune": "Sauve",
                "CodeInseeCommune": "30311",
                "MoyensCommunication": [
                    {
                        "TypeAcces": {"ThesLibelle": "Téléphone filaire"},
                        "Coordonnees": "04 66 77 00 01",
                    },
                    {
                        "TypeAcces": {"ThesLibelle": "Instagram"},
                        "Coordonnees": "https://www.instagram.com/petitpont",
                    },
                ],
            },
            {
                "SyndicObjectID": "FMALAN0300000002",
                "SyndicObjectName": "Fête du vin",
                "ObjectTypeName": "Fêtes et manifestations",
            },
            {"SyndicObjectName": "Sans identifiant", "ObjectTypeName": "Commerce"},
        ]
    }
    path = tmp_path / "flux.json"
    path.write_text(json.dumps(feed), encoding="utf-8")

    restaurant, fete, broken = imports.read_records(
        format="tourinsoft", paths=[path], office=office
    )

    assert restaurant.fields["insee_code"] == "30311"
    assert restaurant.fields["address"] == "2 place du Marché"
    assert restaurant.fields["phone"] == "+33 4 66 77 00 01"
    assert restaurant.fields["social_links"] == {"instagram": "https://www.instagram.com/petitpont"}
    assert fete.skip_reason == "événement, pas un prestataire"
    assert broken.errors == ["objet sans identifiant (SyndicObjectID)"]


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b'{"d": {"results": [', None, "n'est pas un JSON valide"),
        (b'{"items": []}', None, "n'est pas un flux Tourinsoft"),
        (V2.read_bytes(), {"mapping": {"nom": "X"}}, "clé\\(s\\) inconnue\\(s\\) nom"),
    ],
)
def test_unreadable_feeds(office, tmp_path, content, options, message):
    path = tmp_path / "flux.json"
    path.write_bytes(content)
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_records(format="tourinsoft", paths=[path], office=office, options=options)
