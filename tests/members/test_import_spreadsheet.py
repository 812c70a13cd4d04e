"""CSV and XLSX imports: messy French spreadsheets typed by hand."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from balise.members import imports
from balise.members.models import Commune, ImportBatch, Label, Provider, Tag

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
MESSY_CSV = FIXTURES / "adherents_haut_vallon.csv"  # Windows-1252, ";", a title line, blank lines


def read(office, path, fmt="csv", **options):
    return imports.read_records(format=fmt, paths=[path], office=office, options=options or None)


def run_import(office, path, fmt="csv", batch=None, **options):
    plan = imports.plan_import(office=office, records=read(office, path, fmt, **options))
    imports.apply_import(office=office, plan=plan, batch=batch)
    return plan


def write_csv(tmp_path, text, *, encoding="utf-8", name="membres.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_messy_csv_is_cleaned(office):
    records = read(office, MESSY_CSV)

    assert [r.locator for r in records] == [f"ligne {n}" for n in (4, 5, 6, 8, 9, 10, 11, 12, 13)]
    assert all(not r.errors for r in records)
    hotel = records[0].fields
    assert hotel == {
        "name": "Hôtel du Gardon",
        "category": "hotel",
        "classification": "2 étoiles",  # read from "Hôtel**"
        "address": "12 quai de la Gare",
        "postal_code": "30140",
        "city": "Anduze",
        "insee_code": "30010",
        "phone": "+33 4 66 61 72 33",
        "email": "contact@hotel-gardon.fr",
        "website": "https://www.hotel-gardon.fr",
        "social_links": {"facebook": "https://facebook.com/hoteldugardon"},
        "labels": ["Qualité Tourisme", "Logis"],
        "membership_status": "adherent",
        "membership_year": 2019,
        "marketing_consent": True,
        "contact_name": "Marie Roux",
        "latitude": Decimal("44.051200"),
        "longitude": Decimal("3.984300"),
        "notes": "Fermé en janvier",
    }
    by_name = {r.fields["name"]: r.fields for r in records}
    assert by_name["Gîte Les Magnans"]["phone"] == "+33 6 12 34 56 78"  # from "Portable"
    assert by_name["Gîte Les Magnans"]["labels"] == ["Gîtes de France", "Accueil Vélo"]
    assert by_name["Le Mas Bleu"]["category"] == "chambre_hotes"
    assert by_name["Le Mas Bleu"]["marketing_consent"] is False
    assert by_name["Le Mas Bleu"]["membership_status"] == "non_adherent"
    assert by_name["Camping La Pommeraie"]["category"] == "camping"
    assert by_name["Camping La Pommeraie"]["classification"] == "3 étoiles"
    assert by_name["Camping La Pommeraie"]["email"] == "info@lapommeraie.com"
    assert by_name["Camping La Pommeraie"]["phone"] == "+33 4 66 61 80 55"
    assert by_name["Camping La Pommeraie"]["social_links"] == {
        "facebook": "https://www.facebook.com/campinglapommeraie"
    }
    assert by_name["Chez Léa"]["category"] == "restaurant"
    assert by_name["Chez Léa"]["phone"] == "+33 4 66 77 35 12"
    assert by_name["Chez Léa"]["membership_status"] == "prospect"
    assert by_name["Le Balto"]["category"] == "cafe_bar"
    assert by_name["Le Balto"]["membership_status"] == "ancien"
    assert by_name["Musée du Désert"]["category"] == "site_visite"
    assert by_name["Cave Coopérative de Sauve"]["category"] == "producteur"
    assert by_name["Cave Coopérative de Sauve"]["membership_year"] == 2023
    assert by_name["Meublé Le Figuier"] == {
        "name": "Meublé Le Figuier",
        "category": "meuble",
        "address": "3 rue Basse",
        "postal_code": "30140",
        "city": "Anduze",
        "insee_code": "30010",
    }


def test_inspect_suggests_a_mapping_with_each_field_once(office):
    preview = imports.inspect_spreadsheet(format="csv", path=MESSY_CSV)

    assert preview.headers[:8] == [
        "Nom commercial",
        "Type",
        "Adresse",
        "CP",
        "Ville",
        "Code INSEE",
        "Tél",
        "Portable",
    ]
    assert preview.suggested_mapping["Nom commercial"] == "name"
    assert preview.suggested_mapping["CP"] == "postal_code"
    assert preview.suggested_mapping["Tél"] == "phone"
    assert preview.suggested_mapping["Portable"] == ""  # the mapping form wants each field once
    assert preview.suggested_mapping["Mail"] == "email"
    assert preview.suggested_mapping["Adhérent"] == "membership_status"
    assert preview.suggested_mapping["Consentement"] == "marketing_consent"
    assert preview.row_count == 9
    assert len(preview.sample_rows) == 5
    assert preview.sample_rows[0][:3] == ["Hôtel du Gardon", "Hôtel**", "12 quai de la Gare"]
    fields = [name for name, _label in imports.MAPPABLE_FIELDS]
    assert set(preview.suggested_mapping.values()) - {""} <= set(fields)


def test_import_creates_providers_then_a_second_import_changes_nothing(office):
    plan = run_import(office, MESSY_CSV)
    assert plan.counts == {"create": 9, "update": 0, "unchanged": 0, "skip": 0, "error": 0}

    hotel = Provider.objects.get(office=office, name="Hôtel du Gardon")
    assert hotel.commune.insee_code == "30010"
    assert hotel.commune.name == "Anduze"
    assert hotel.marketing_consent is True
    assert hotel.marketing_consent_at is not None
    assert hotel.notes == "Fermé en janvier"
    assert sorted(label.name for label in hotel.labels.all()) == ["Logis", "Qualité Tourisme"]
    assert not hotel.source_ids.exists()  # no id column
    assert Commune.objects.filter(insee_code="30010").count() == 1

    again = run_import(office, MESSY_CSV)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 9, "skip": 0, "error": 0}
    assert Provider.objects.filter(office=office).count() == 9


def test_explicit_mapping_and_delimiter(office, tmp_path):
    path = write_csv(tmp_path, "Etablissement|Téléphone|Commune\nLe Moulin|04 66 00 11 22|Sauve\n")
    records = read(
        office,
        path,
        mapping={"Etablissement": "name", "Téléphone": "", "Commune": "city"},
        delimiter="|",
    )
    assert records[0].fields == {"name": "Le Moulin", "city": "Sauve"}


def test_comma_separated_utf8_with_bom_and_quotes(office, tmp_path):
    path = write_csv(
        tmp_path,
        "Nom,Catégorie,Ville,Labels,Latitude,Longitude\n"
        '"Le Mas, Bleu",gîte,Lasalle,"Logis, Qualité Tourisme","44,05","3,98"\n',
        encoding="utf-8-sig",
    )
    (record,) = read(office, path)
    assert record.fields["name"] == "Le Mas, Bleu"
    assert record.fields["labels"] == ["Logis", "Qualité Tourisme"]
    assert record.fields["latitude"] == Decimal("44.050000")


def test_tab_separated_utf16_from_excel(office, tmp_path):
    path = write_csv(
        tmp_path,
        "Enseigne\tE-mail\tSite web\r\nBar du Pont\tBAR@PONT.FR\tbardupont.fr\r\n",
        encoding="utf-16",
    )
    (record,) = read(office, path)
    assert record.fields == {
        "name": "Bar du Pont",
        "email": "bar@pont.fr",
        "website": "https://bardupont.fr",
    }


def test_raison_sociale_alone_is_the_name_and_nom_prenom_is_the_contact(office, tmp_path):
    path = write_csv(tmp_path, "Raison sociale;Ville\nSARL Les Pins;Anduze\n")
    assert read(office, path)[0].fields["name"] == "SARL Les Pins"
    path = write_csv(tmp_path, "Nom commercial;Nom;Prénom\nLes Pins;Dupont;Jeanne\n", name="b.csv")
    mapping = imports.inspect_spreadsheet(format="csv", path=path).suggested_mapping
    assert mapping == {"Nom commercial": "name", "Nom": "contact_name", "Prénom": ""}


def build_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_with_numbers_dates_and_blank_rows(office, tmp_path):
    path = build_xlsx(
        tmp_path / "adherents.xlsx",
        [
            [
                "Nom",
                "Catégorie",
                "Code postal",
                "Commune",
                "Code INSEE",
                "Téléphone",
                "Courriel",
                "Adhésion",
                "Année d'adhésion",
                "Étiquettes",
            ],
            [
                "Gîte du Lac",
                "Gîte",
                1000,
                "Bourg",
                1053,
                466123456,
                "GITE@LAC.FR",
                "oui",
                dt.datetime(2022, 1, 15),
                "bord de lac",
            ],
            [None, None, None, None, None, None, None, None, None, None],
            [
                "Resto du Port",
                "resto",
                30140,
                "Anduze",
                30010,
                "04 66 61 00 00",
                None,
                "non",
                None,
                None,
            ],
        ],
    )
    records = read(office, path, fmt="xlsx")

    assert [r.locator for r in records] == ["ligne 2", "ligne 4"]
    gite, resto = (r.fields for r in records)
    assert gite["postal_code"] == "01000"
    assert gite["insee_code"] == "01053"
    assert gite["phone"] == "+33 4 66 12 34 56"
    assert gite["email"] == "gite@lac.fr"
    assert gite["membership_year"] == 2022
    assert gite["tags"] == ["bord de lac"]
    assert resto["category"] == "restaurant"
    assert resto["membership_status"] == "non_adherent"

    run_import(office, path, fmt="xlsx")
    assert list(Tag.objects.filter(office=office).values_list("name", flat=True)) == ["bord de lac"]
    preview = imports.inspect_spreadsheet(format="xlsx", path=path)
    assert preview.row_count == 2
    assert preview.sample_rows[0][:3] == ["Gîte du Lac", "Gîte", "1000"]


def test_bad_rows_give_french_errors_and_nothing_is_written(office, tmp_path):
    path = write_csv(
        tmp_path,
        "Nom;Mail;Ville;Consentement;Année d'adhésion;Tél\n"
        "Hôtel du Lac;jean@;Anduze;oui;2020;04 66 00 00 00\n"
        ";contact@x.fr;Anduze;;;\n"
        "Gîte Vert;vert@gite.fr;Sauve;peut-être;l'an passé;12\n"
        "Bon Gîte;bon@gite.fr;Sauve;oui;2021;04 66 00 00 01\n",
    )
    records = read(office, path)
    plan = imports.plan_import(office=office, records=records)

    assert plan.has_errors
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "skip": 0, "error": 3}
    assert plan.error_messages() == [
        "ligne 2 : adresse e-mail invalide « jean@ »",
        "ligne 3 : nom du prestataire manquant",
        "ligne 4 : valeur oui/non non reconnue « peut-être »",
        "ligne 4 : année invalide « l'an passé »",
        "ligne 4 : numéro de téléphone invalide « 12 »",
    ]
    with pytest.raises(imports.ImportRejected, match="3 erreur"):
        imports.apply_import(office=office, plan=plan)
    assert not Provider.objects.exists()
    assert not Commune.objects.exists()


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("csv", b"", "est vide"),
        ("csv", b"\n\n  \n", "est vide"),
        ("csv", b"PK\x03\x04 something", "classeur Excel"),
        ("xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "Excel 97-2003"),
        ("xlsx", b"Nom;Ville\nA;B\n", "n'est pas un classeur Excel"),
        ("csv", b"Ville;Adresse\nAnduze;1 rue\n", "aucune colonne n'est associée au nom"),
    ],
)
def test_unreadable_spreadsheets(office, tmp_path, fmt, content, message):
    path = tmp_path / f"fichier.{fmt}"
    path.write_bytes(content)
    with pytest.raises(imports.ImportFileError, match=message):
        read(office, path, fmt=fmt)


def test_spreadsheet_sets_hand_kept_fields_and_dates_consent(office):
    batch = ImportBatch.objects.create(office=office, format="csv", filename="adherents.csv")
    run_import(office, MESSY_CSV, batch=batch)

    gite = Provider.objects.get(name="Gîte Les Magnans")
    assert gite.membership_status == "adherent"
    assert gite.membership_year == 2021
    assert gite.marketing_consent_source == "Import du fichier « adherents.csv »"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.applied_at is not None
    assert batch.summary["create"] == 9
    assert Label.objects.filter(name="Gîtes de France").exists()
