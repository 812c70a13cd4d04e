"""Matching and re-import rules of plan_import / apply_import, whatever the format."""

from decimal import Decimal

import pytest

from balise.members import imports
from balise.members.importers.base import ProviderRecord
from balise.members.models import Label, Provider, ProviderSourceId, Tag
from tests.factories import CommuneFactory, ProviderFactory


def record(source="tableur", external_id="", locator="ligne 2", **fields):
    return ProviderRecord(
        source=source, external_id=external_id, locator=locator, fields=fields, errors=[]
    )


def sit(external_id, locator=None, **fields):
    return record("datatourisme", external_id, locator or f"objet {external_id}", **fields)


def plan_and_apply(office, records):
    plan = imports.plan_import(office=office, records=records)
    imports.apply_import(office=office, plan=plan)
    return plan


@pytest.fixture
def anduze(db):
    return CommuneFactory(insee_code="30010", name="Anduze", postal_code="30140")


@pytest.fixture
def hotel(office, anduze):
    return ProviderFactory(
        office=office,
        name="Hôtel du Gardon",
        commune=anduze,
        city="Anduze",
        postal_code="30140",
        email="contact@hotel-gardon.fr",
        phone="+33 4 66 61 72 33",
        notes="Rappeler en mars",
        membership_status="adherent",
        membership_year=2019,
        marketing_consent=False,
        category="hotel",
    )


def test_match_by_name_and_insee_code_when_the_file_has_no_id(office, hotel):
    plan = plan_and_apply(
        office, [record(name="HOTEL DU GARDON", insee_code="30010", website="https://gardon.fr")]
    )

    (row,) = plan.rows
    assert row.action == "update"
    assert row.provider == hotel
    assert row.changes == {
        "name": ("Hôtel du Gardon", "HOTEL DU GARDON"),
        "website": ("", "https://gardon.fr"),
    }
    assert Provider.objects.filter(office=office).count() == 1


def test_match_by_name_and_city_when_there_is_no_insee_code(office, hotel):
    plan = imports.plan_import(
        office=office, records=[record(name="Hôtel du Gardon", city="ANDUZE")]
    )
    assert plan.rows[0].provider == hotel


def test_same_name_in_another_commune_is_another_provider(office, hotel):
    CommuneFactory(insee_code="30311", name="Sauve")
    plan = imports.plan_import(
        office=office, records=[record(name="Hôtel du Gardon", insee_code="30311", city="Sauve")]
    )
    assert plan.rows[0].action == "create"


def test_sit_record_is_linked_by_name_then_found_by_id(office, hotel):
    first = plan_and_apply(
        office, [sit("HOT01", name="Hôtel du Gardon", insee_code="30010", city="Anduze")]
    )

    assert first.rows[0].action == "update"
    assert first.rows[0].changes == {"source_id": ("", "DATAtourisme HOT01")}
    assert ProviderSourceId.objects.get(provider=hotel).external_id == "HOT01"
    # Renamed in the SIT: still the same provider, found by its id.
    second = plan_and_apply(office, [sit("HOT01", name="Hôtel Le Gardon", insee_code="30010")])
    assert second.rows[0].changes == {"name": ("Hôtel du Gardon", "Hôtel Le Gardon")}
    hotel.refresh_from_db()
    assert (hotel.name, hotel.normalized_name) == ("Hôtel Le Gardon", "hotel le gardon")


def test_empty_values_never_erase_and_hand_kept_fields_are_safe_from_sit(office, hotel):
    records = [
        sit(
            "HOT01",
            name="Hôtel du Gardon",
            insee_code="30010",
            notes="Note venue du SIT",
            membership_status="non_adherent",
            marketing_consent=True,
            tags=["sit"],
        )
    ]
    plan = plan_and_apply(office, records)

    assert set(plan.rows[0].changes) == {"source_id"}
    hotel.refresh_from_db()
    assert hotel.phone == "+33 4 66 61 72 33"  # absent from the record: kept
    assert hotel.notes == "Rappeler en mars"
    assert hotel.membership_status == "adherent"
    assert hotel.marketing_consent is False
    assert not hotel.tags.exists()


def test_spreadsheet_may_set_hand_kept_fields(office, hotel):
    plan = plan_and_apply(
        office,
        [
            record(
                name="Hôtel du Gardon",
                insee_code="30010",
                notes="Fermé en janvier",
                membership_year=2024,
                marketing_consent=True,
                tags=["centre-bourg"],
            )
        ],
    )
    assert set(plan.rows[0].changes) == {"notes", "membership_year", "marketing_consent", "tags"}
    hotel.refresh_from_db()
    assert hotel.notes == "Rappeler en mars\nFermé en janvier"  # appended, never replaced
    assert hotel.membership_year == 2024
    assert hotel.marketing_consent is True
    assert hotel.marketing_consent_at is not None
    assert [t.name for t in hotel.tags.all()] == ["centre-bourg"]
    assert Tag.objects.get(name="centre-bourg").office == office
    # The same file again: nothing to do.
    again = imports.plan_import(
        office=office,
        records=[
            record(
                name="Hôtel du Gardon",
                insee_code="30010",
                notes="Fermé en janvier",
                tags=["Centre-bourg"],
            )
        ],
    )
    assert again.rows[0].action == "unchanged"


def test_labels_and_social_links_are_added_never_removed(office, hotel):
    hotel.labels.add(Label.objects.create(name="Logis"))
    hotel.social_links = {"facebook": "https://facebook.com/gardon"}
    hotel.save()

    plan = plan_and_apply(
        office,
        [
            record(
                name="Hôtel du Gardon",
                insee_code="30010",
                labels=["qualité tourisme", "LOGIS"],
                social_links={"instagram": "https://instagram.com/gardon"},
            )
        ],
    )

    assert plan.rows[0].changes["labels"] == ("Logis", "Logis, qualité tourisme")
    hotel.refresh_from_db()
    assert sorted(label.name for label in hotel.labels.all()) == ["Logis", "qualité tourisme"]
    assert hotel.social_links == {
        "facebook": "https://facebook.com/gardon",
        "instagram": "https://instagram.com/gardon",
    }
    # An existing label keeps its spelling when a later file writes it differently.
    Label.objects.create(name="Accueil Vélo")
    plan_and_apply(
        office, [record(name="Hôtel du Gardon", insee_code="30010", labels=["accueil velo"])]
    )
    assert sorted(label.name for label in hotel.labels.all()) == [
        "Accueil Vélo",
        "Logis",
        "qualité tourisme",
    ]


def test_category_other_never_replaces_a_real_category(office, hotel):
    plan = imports.plan_import(
        office=office,
        records=[record(name="Hôtel du Gardon", insee_code="30010", category="autre")],
    )
    assert plan.rows[0].action == "unchanged"


def test_coordinates_compare_as_decimals(office, hotel):
    plan_and_apply(
        office,
        [
            record(
                name="Hôtel du Gardon",
                insee_code="30010",
                latitude=Decimal("44.051200"),
                longitude=Decimal("3.984300"),
            )
        ],
    )
    plan = imports.plan_import(
        office=office,
        records=[
            record(
                name="Hôtel du Gardon",
                insee_code="30010",
                latitude=Decimal("44.0512"),
                longitude=Decimal("3.9843"),
            )
        ],
    )
    assert plan.rows[0].action == "unchanged"


def test_two_lines_for_the_same_provider_are_an_error(office, hotel):
    plan = imports.plan_import(
        office=office,
        records=[
            record(
                locator="ligne 2",
                name="Hôtel du Gardon",
                insee_code="30010",
                phone="+33 4 66 00 00 01",
            ),
            record(
                locator="ligne 7", name="hotel du gardon", city="Anduze", phone="+33 4 66 00 00 02"
            ),
        ],
    )
    assert plan.error_messages() == [
        "ligne 7 : même prestataire que ligne 2 (« Hôtel du Gardon ») : gardez une seule ligne"
    ]
    with pytest.raises(imports.ImportRejected):
        imports.apply_import(office=office, plan=plan)
    hotel.refresh_from_db()
    assert hotel.phone == "+33 4 66 61 72 33"


def test_two_new_lines_with_the_same_name_and_commune_are_an_error(office):
    records = [
        record(locator="ligne 2", name="Le Moulin", city="Sauve"),
        record(locator="ligne 3", name="LE MOULIN", city="sauve"),
    ]
    plan = imports.plan_import(office=office, records=records)
    assert plan.error_messages() == ["ligne 3 : doublon de ligne 2 : même nom, même commune"]
    assert plan.rows[1].messages == ["doublon de ligne 2 : même nom, même commune"]
    # Planning leaves the records as they were: planning again gives the same result.
    assert records[1].errors == []
    assert (
        imports.plan_import(office=office, records=records).error_messages()
        == plan.error_messages()
    )


def test_two_sit_objects_with_the_same_name_are_two_providers(office):
    plan = plan_and_apply(
        office,
        [
            sit("GIT01", name="Gîte Le Moulin", insee_code="30311", city="Sauve"),
            sit("GIT02", name="Gîte Le Moulin", insee_code="30311", city="Sauve"),
        ],
    )
    assert plan.counts["create"] == 2
    again = imports.plan_import(
        office=office,
        records=[
            sit("GIT01", name="Gîte Le Moulin", insee_code="30311", city="Sauve"),
            sit("GIT02", name="Gîte Le Moulin", insee_code="30311", city="Sauve"),
        ],
    )
    assert again.counts["unchanged"] == 2


def test_same_sit_id_twice_in_a_file(office):
    same = [
        sit("A1", "objet A1 (fichier 1.json)", name="Chez Léa"),
        sit("A1", "objet A1 (fichier 2.json)", name="Chez Léa"),
    ]
    plan = imports.plan_import(office=office, records=same)
    assert [row.action for row in plan.rows] == ["create", "skip"]
    assert plan.rows[1].messages == [
        "en double dans le fichier (déjà lu : objet A1 (fichier 1.json))"
    ]

    different = [
        sit("A1", "objet A1 (fichier 1.json)", name="Chez Léa"),
        sit("A1", "objet A1 (fichier 2.json)", name="Chez Lea"),
    ]
    plan = imports.plan_import(office=office, records=different)
    assert plan.error_messages() == [
        "objet A1 (fichier 2.json) : identifiant « A1 » déjà présent "
        "(objet A1 (fichier 1.json)) avec d'autres valeurs"
    ]


def test_a_name_only_line_matches_a_unique_name_or_asks_for_the_commune(office, hotel):
    assert (
        imports.plan_import(office=office, records=[record(name="Hôtel du Gardon")])
        .rows[0]
        .provider
        == hotel
    )
    ProviderFactory(
        office=office,
        name="Hôtel du Gardon",
        commune=CommuneFactory(insee_code="30311", name="Sauve"),
    )
    plan = imports.plan_import(office=office, records=[record(name="Hôtel du Gardon")])
    assert plan.error_messages() == [
        "ligne 2 : plusieurs fiches s'appellent « Hôtel du Gardon » : "
        "ajoutez la commune pour les distinguer"
    ]


def test_another_offices_provider_is_never_matched(office, other_office, anduze):
    theirs = ProviderFactory(office=other_office, name="Hôtel du Gardon", commune=anduze)
    ProviderSourceId.objects.create(
        office=other_office, provider=theirs, source="datatourisme", external_id="HOT01"
    )

    plan = plan_and_apply(office, [sit("HOT01", name="Hôtel du Gardon", insee_code="30010")])

    assert plan.rows[0].action == "create"
    assert Provider.objects.filter(office=office).count() == 1
    theirs.refresh_from_db()
    assert theirs.office == other_office
    assert theirs.source_ids.count() == 1


def test_archived_provider_is_updated_not_restored(office, hotel):
    hotel.archive()
    plan = plan_and_apply(
        office, [record(name="Hôtel du Gardon", insee_code="30010", website="https://gardon.fr")]
    )
    assert "fiche archivée : mise à jour sans la restaurer" in plan.rows[0].messages
    hotel.refresh_from_db()
    assert hotel.is_archived
    assert hotel.website == "https://gardon.fr"


def test_plan_query_count_does_not_grow_with_the_file(office, anduze, django_assert_num_queries):
    for n in range(30):
        ProviderFactory(office=office, name=f"Gîte {n}", commune=anduze)

    def records(count):
        return [
            record(
                locator=f"ligne {n}",
                name=f"Gîte {n}",
                insee_code="30010",
                phone="+33 4 66 00 00 00",
            )
            for n in range(count)
        ]

    with django_assert_num_queries(6):
        imports.plan_import(office=office, records=records(1))
    with django_assert_num_queries(6):
        plan = imports.plan_import(office=office, records=records(30))
    assert plan.counts["update"] == 30


def test_apply_query_count_is_bounded(office, anduze, django_assert_max_num_queries):
    records = [
        record(
            locator=f"ligne {n}",
            name=f"Gîte {n}",
            insee_code="30010",
            labels=["Logis"],
            tags=["gîtes"],
        )
        for n in range(200)
    ]
    plan = imports.plan_import(office=office, records=records)
    # SQLite inserts about 30 providers per statement (999 parameters); the rest is fixed.
    with django_assert_max_num_queries(12 + 7):
        imports.apply_import(office=office, plan=plan)
    assert Provider.objects.filter(office=office, labels__name="Logis").count() == 200


def test_apply_fills_the_batch(office, admin_user):
    from balise.members.models import ImportBatch

    batch = ImportBatch.objects.create(office=office, format="csv", filename="x.csv")
    counts = plan_and_apply_with_batch(office, batch, admin_user)
    assert counts == {"create": 1, "update": 0, "unchanged": 0, "skip": 0, "error": 0}
    batch.refresh_from_db()
    assert batch.status == "applied"
    assert batch.created_by == admin_user
    assert batch.summary["create"] == 1


def plan_and_apply_with_batch(office, batch, user):
    plan = imports.plan_import(office=office, records=[record(name="Chez Léa", city="Sauve")])
    return imports.apply_import(office=office, plan=plan, user=user, batch=batch)


def test_formats_and_mappable_fields_are_french():
    assert set(imports.FORMATS) == {"csv", "xlsx", "datatourisme", "apidae", "tourinsoft"}
    labels = dict(imports.MAPPABLE_FIELDS)
    assert str(labels["email"]) == "E-mail"
    assert str(labels["name"]) == "Nom commercial"
